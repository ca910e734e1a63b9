package builtins

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
)

var getImage = &engine.Builtin{
	Name:    "get_image",
	Usage:   "get_image [--only image|tag] IMAGE",
	Summary: "Print an image's reference (image:tag) as built in this run, else as configured; no newline.",
	New:     func() engine.Command { return &getImageCmd{} },
}

type getImageCmd struct {
	only       string
	dependency string
}

func (g *getImageCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.StringVar(&g.only, "only", "", "print only the image (repository) or only the tag")
	fs.StringVar(&g.dependency, "dependency", "", "read the image from this dependency")
}

func (g *getImageCmd) Run(_ context.Context, c *engine.Call, args []string) error {
	if len(args) != 1 {
		return engine.Usagef("get_image [--only=image|tag] IMAGE")
	}
	if g.dependency != "" {
		return fmt.Errorf("--dependency: dependencies are not supported yet")
	}
	key := "images." + args[0]
	switch g.only {
	case "":
	case "image", "tag":
		key += "." + g.only
	default:
		return fmt.Errorf("--only %q: use image or tag", g.only)
	}
	v, err := c.Runtime().Lookup(key)
	if err != nil {
		return fmt.Errorf("couldn't find image %s: %w", args[0], err)
	}
	_, err = io.WriteString(c.Stdout, v)
	return err
}
