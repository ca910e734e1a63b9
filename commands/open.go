package commands

import (
	"os"
	"slices"
	"strconv"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/prompt"
)

var openOwnFlags = []flagSpec{
	{name: "service", kind: kindString, usage: "forward to this service even when an ingress exists"},
	{name: "port", kind: kindInt, usage: "the local port of the forward (default: the service's port)"},
	{name: "pick", kind: kindBool, def: "true", usage: "in a terminal, ask which when several match"},
}

// openCommand is `devspace open`: the application in the browser, by
// its ingress host, else by a port forward to a service.
func openCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "open",
		Usage: "Open the namespace's application in the browser: its ingress host, else a port forward to a service (until Ctrl-C)",
		Flags: urfaveFlags(append(slices.Clip(globalFlags), openOwnFlags...)),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, globalFlags)
			flags.fromURFave(c, openOwnFlags)
			cl, err := openKube(flags)
			if err != nil {
				return err
			}
			port, _ := strconv.Atoi(flags.str("port"))
			o := dev.OpenOptions{Namespace: cl.Namespace, Service: flags.str("service"), LocalPort: port,
				Browser: dev.Desktop(os.Getenv), Out: stdio.Stdout}
			if in, ok := stdio.Stdin.(*os.File); ok && flags.boolean("pick") && term.IsTerminal(int(in.Fd())) {
				o.Pick = func(what string, names []string) (string, error) {
					return prompt.Ask(c.Context, in, stdio.Stderr, prompt.Question{Text: "Which " + what + "?", Options: names})
				}
			}
			return dev.OpenApp(c.Context, cl, o)
		},
	}
}
