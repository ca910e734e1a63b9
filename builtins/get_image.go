package builtins

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
)

func getImage(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "get_image",
		Usage:   "get_image [--only image|tag] [--dependency NAME] IMAGE",
		Summary: "Print an image's reference (image:tag) as built in this run, else as configured; no newline.",
		New:     func() engine.Command { return &getImageCmd{svc: svc} },
	}
}

type getImageCmd struct {
	svc        *Services
	only       string
	dependency string
}

func (g *getImageCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.StringVar(&g.only, "only", "", "print only the image (repository) or only the tag")
	fs.StringVar(&g.dependency, "dependency", "", "read the image from this dependency")
}

func (g *getImageCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if len(args) != 1 {
		return engine.Usagef("get_image [--only=image|tag] [--dependency=NAME] IMAGE")
	}
	store := c.Runtime()
	if g.dependency != "" {
		if g.svc.Dependencies == nil {
			return fmt.Errorf("--dependency %s: dependencies need a devspace.yaml", g.dependency)
		}
		dep, err := g.svc.Dependencies.Project(ctx, nil, g.dependency)
		if err != nil {
			return err
		}
		store = dep.Runtime
	}
	key := "images." + args[0]
	switch g.only {
	case "":
	case "image", "tag":
		key += "." + g.only
	default:
		return fmt.Errorf("--only %q: use image or tag", g.only)
	}
	v, err := store.Lookup(key)
	if err != nil {
		return fmt.Errorf("couldn't find image %s: %w", args[0], err)
	}
	_, err = io.WriteString(c.Stdout, v)
	return err
}
