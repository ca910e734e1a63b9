package commands

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/buildimages"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/hook"
	"github.com/devspace-engine/devspace/ui"
)

// uiCommand is `devspace ui`: the page of the project, serving until
// Ctrl-C; its actions (rebuild an image, restart a dev container) run through the engine as a
// pipeline's builtins would, their output in the terminal.
func uiCommand(stdio IO) *cli.Command {
	portFlag := &cli.IntFlag{Name: "port", Usage: "serve on this port of 127.0.0.1 (0: a free one)"}
	return &cli.Command{
		Name:  "ui",
		Usage: "Serve a live page of the project's builds, deployments and dev sessions on 127.0.0.1",
		Flags: append(urfaveFlags(globalFlags), portFlag),
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return &exitError{code: 2, msg: fmt.Sprintf("ui: unexpected argument %q: devspace ui takes only flags (see 'devspace ui --help')", c.Args().First())}
			}
			flags := newFlagValues()
			flags.fromCommand(c, globalFlags)
			srv := ui.New()
			s, err := openObservedSession(c.Context, flags, stdio, srv)
			if err != nil {
				return err
			}
			defer s.Close()
			addr := ""
			if port := c.Int("port"); port != 0 {
				addr = fmt.Sprintf("127.0.0.1:%d", port)
			}
			if err := startUI(c.Context, s, srv, addr); err != nil {
				return err
			}
			defer srv.Close()
			<-c.Context.Done()
			return nil
		},
	}
}

// startUI serves the page of a session's run and prints its URL.
func startUI(ctx context.Context, s *session, srv *ui.Server, addr string) error {
	p := ui.Project{
		Name:        s.cfg.Name,
		Images:      slices.Sorted(maps.Keys(s.cfg.Images)),
		Deployments: slices.Sorted(maps.Keys(s.cfg.Deployments)),
		Dev:         slices.Sorted(maps.Keys(s.cfg.Dev)),
	}
	// The build graph's edges from the Dockerfiles, before any build:
	// read only when the page is on, as the build reads them again.
	bases, err := buildimages.ProjectBases(s.cfg)
	if err != nil {
		fmt.Fprintf(s.stdio.Stderr, "devspace ui: the build graph shows no FROM edges until a build: %v\n", err)
	}
	p.Bases = bases
	url, err := srv.Start(ctx, p, ui.Options{Addr: addr, Run: func(ctx context.Context, script, arg string) error {
		return s.eng.RunScript(ctx, engine.Script{Name: "devspace ui: " + script, Text: script}, engine.RunOptions{Args: []string{arg}})
	}, Restart: s.svc.RestartDev, Open: s.svc.OpenDevPort})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdio.Stderr, "devspace ui: %s\n", url)
	return nil
}

// observed passes events to the hooks and, when set, to observer.
func observed(hooks *hook.Runner, observer engine.Events) engine.Events {
	if observer == nil {
		return hooks
	}
	return teeEvents{hooks, observer}
}

type teeEvents struct{ hooks, observer engine.Events }

// WantsContainerLogs passes on the observer's wish for the dev
// containers' logs (dev.ContainerLogsObserver).
func (t teeEvents) WantsContainerLogs() bool {
	o, ok := t.observer.(dev.ContainerLogsObserver)
	return ok && o.WantsContainerLogs()
}

func (t teeEvents) Emit(ctx context.Context, name string, data map[string]string) error {
	_ = t.observer.Emit(ctx, name, data) // an observer only records
	return t.hooks.Emit(ctx, name, data)
}
