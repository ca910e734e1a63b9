package commands

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/prompt"
	"github.com/devspace-engine/devspace/scaffold"
)

var initFlags = []flagSpec{
	{name: "image", kind: kindString, usage: "the image to build, with the registry to push it to (default: the manifests' image, else the project's name)"},
	{name: "deploy", kind: kindString, usage: "helm, kustomize, kubectl or component (default: the first of these the directory has)"},
	{name: "port", kind: kindInt, usage: "the port to forward in dev mode (default: the Dockerfile's EXPOSE)"},
	{name: "name", kind: kindString, usage: "the project's name (default: the directory's)"},
	{name: "yes", short: "y", kind: kindBool, usage: "ask nothing: take the defaults even at a terminal"},
}

// initCommand is `devspace init`: a devspace.yaml for the project in the
// current directory, from its Dockerfile, manifests, chart or
// kustomization. It never overwrites a file.
func initCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "Write a devspace.yaml for this directory (images, deployment, dev sync and ports, pipelines)",
		Flags: urfaveFlags(initFlags),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromURFave(c, initFlags)
			dir, err := os.Getwd()
			if err != nil {
				return err
			}
			return runInit(c.Context, dir, flags, stdio)
		},
	}
}

func runInit(ctx context.Context, dir string, flags *flagValues, stdio IO) error {
	file := filepath.Join(dir, "devspace.yaml")
	for _, name := range []string{"devspace.yaml", "devspace.yml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%s already exists: devspace init writes a new file only (remove or rename it first)", filepath.Join(dir, name))
		}
	}
	found, err := scaffold.Detect(dir)
	if err != nil {
		return fmt.Errorf("init: look at %s: %w", dir, err)
	}
	choices := scaffold.Defaults(config.DefaultProjectName(filepath.Base(dir)), found)
	if err := applyInitFlags(&choices, found, flags); err != nil {
		return err
	}
	if in, ok := stdio.Stdin.(*os.File); ok && !flags.boolean("yes") && engine.IsTerminal(stdio.Stdin) {
		if err := askInit(ctx, in, stdio, found, flags, &choices); err != nil {
			return err
		}
	}
	data, err := scaffold.Render(found, choices)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// O_EXCL: a file that appeared meanwhile is not overwritten either.
	out, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: devspace init writes a new file only", file)
	} else if err != nil {
		return err
	}
	if _, err := out.Write(data); err != nil {
		out.Close()
		os.Remove(file)
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(file)
		return fmt.Errorf("write %s: %w", file, err)
	}
	fmt.Fprintf(stdio.Stdout, "Wrote %s (image %s, deployed with %s). Next: devspace deploy, or devspace dev\n", file, choices.Image, choices.Deploy)
	return nil
}

// applyInitFlags puts the flags given over the defaults.
func applyInitFlags(c *scaffold.Choices, f scaffold.Found, flags *flagValues) error {
	if v := flags.str("image"); v != "" {
		c.Image = v
	}
	if v := flags.str("name"); v != "" {
		c.Name = v
	}
	if flags.set["port"] {
		c.Port, _ = strconv.Atoi(flags.str("port"))
	}
	if v := flags.str("deploy"); v != "" {
		methods := f.Methods()
		if !slices.Contains(methods, v) {
			return fmt.Errorf("--deploy %s: this directory allows %v", v, methods)
		}
		c.Deploy = v
	}
	return nil
}

// askInit asks, at a terminal, what the flags left open.
func askInit(ctx context.Context, in *os.File, stdio IO, f scaffold.Found, flags *flagValues, c *scaffold.Choices) error {
	var err error
	if methods := f.Methods(); !flags.set["deploy"] && len(methods) > 1 {
		if c.Deploy, err = prompt.Ask(ctx, in, stdio.Stderr, prompt.Question{Text: "How is this project deployed?", Options: methods, Default: c.Deploy}); err != nil {
			return err
		}
	}
	if f.Dockerfile != "" && !flags.set["image"] {
		if c.Image, err = prompt.Ask(ctx, in, stdio.Stderr, prompt.Question{Text: "Image to build (with the registry to push it to)", Default: c.Image}); err != nil {
			return err
		}
	}
	if f.Dockerfile != "" && !flags.set["port"] {
		def := ""
		if c.Port > 0 {
			def = strconv.Itoa(c.Port)
		}
		answer, err := prompt.Ask(ctx, in, stdio.Stderr, prompt.Question{Text: "Port to forward in dev mode (empty: none)", Default: def, Check: portCheck})
		if err != nil {
			return err
		}
		c.Port, _ = strconv.Atoi(answer)
	}
	return nil
}

func portCheck(s string) error {
	if s == "" {
		return nil
	}
	if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("a port is a number from 1 to 65535")
	}
	return nil
}
