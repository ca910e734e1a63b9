package commands

import (
	"fmt"
	goruntime "runtime"

	"github.com/urfave/cli/v2"
)

func versionCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Print the version",
		Action: func(*cli.Context) error {
			fmt.Fprintf(stdio.Stdout, "devspace %s (%s, %s/%s)\n", Version, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
			return nil
		},
	}
}
