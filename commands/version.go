package commands

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

func versionCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Print the version",
		Action: func(*cli.Context) error {
			fmt.Fprintf(stdio.Stdout, "devspace %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
