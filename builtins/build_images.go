package builtins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/buildimages"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
)

func buildImages(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "build_images",
		Usage:   "build_images [--all | IMAGE...] [--except IMAGE]... [-t TAG]... [flags]",
		Summary: "Build, tag and push images in parallel, skipping those whose inputs did not change.",
		New:     func() engine.Command { return &buildImagesCmd{svc: svc} },
	}
}

type buildImagesCmd struct {
	svc                             *Services
	all, skip, skipPush, force, seq bool
	keepGoing, skipPushLocal        bool
	noDeps, explain                 bool
	except, tags                    []string
	maxConcurrent                   int
	output                          string
	set, setString, from, fromFile  []string
}

// Flags default to the CLI's run flags (-t, --skip-build, -b, …), as in DevSpace.
func (b *buildImagesCmd) Flags(fs *pflag.FlagSet, c *engine.Call) {
	cli := func(name string) string {
		v, _ := c.Flag(name)
		return v
	}
	fs.BoolVar(&b.all, "all", false, "build every image in images:")
	fs.StringArrayVar(&b.except, "except", nil, "with --all, leave out this image (repeatable)")
	fs.StringArrayVarP(&b.tags, "tag", "t", fields(cli("tag")), "tag the images with this tag instead of tags: (repeatable)")
	fs.BoolVar(&b.skip, "skip", cliBool(cli("skip-build")), "skip building entirely")
	fs.BoolVar(&b.skipPush, "skip-push", cliBool(cli("skip-push")), "do not push the images")
	fs.BoolVar(&b.skipPushLocal, "skip-push-on-local-kubernetes", cliBool(cli("skip-push-local-kube")), "do not push when the cluster is local")
	fs.BoolVar(&b.force, "force-rebuild", cliBool(cli("force-build")), "rebuild even if nothing changed")
	fs.BoolVar(&b.seq, "sequential", cliBool(cli("build-sequential")), "build one image at a time, in the order given")
	n, _ := strconv.Atoi(cli("max-concurrent-builds"))
	fs.IntVar(&b.maxConcurrent, "max-concurrent", n, "build at most this many images at once (0: the process-wide limit)")
	fs.BoolVar(&b.keepGoing, "keep-going", false, "when an image fails, let the others finish")
	fs.BoolVar(&b.noDeps, "no-deps", false, "do not build the project images the selected ones build FROM")
	fs.BoolVar(&b.explain, "explain", cliBool(cli("explain")), "print the build order and, per image, build or skip and why; build nothing")
	fs.StringVarP(&b.output, "output", "o", cli("output"), "print a report: json")
	fs.StringArrayVar(&b.set, "set", nil, "change the images for this call: [IMAGE:]PATH=VALUE, e.g. buildArgs.MODE=dev (repeatable)")
	fs.StringArrayVar(&b.setString, "set-string", nil, "like --set, the value always a string")
	fs.StringArrayVar(&b.from, "from", nil, "[IMAGE:]OTHER: start from image OTHER's settings")
	fs.StringArrayVar(&b.fromFile, "from-file", nil, "[IMAGE:]FILE: merge settings from a YAML file")
}

func (b *buildImagesCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if b.output != "" && b.output != "json" {
		return fmt.Errorf("--output %q: only json is supported", b.output)
	}
	names, err := b.selected(c.Config(), args)
	if err != nil || b.skip || len(names) == 0 {
		return err
	}
	_, err = buildimages.Run(ctx, buildimages.Options{
		Config: c.Config(), Names: names, Patch: b.setValues(),
		Tags: b.tags, SkipPush: b.skipPush, SkipPushLocal: b.skipPushLocal, Force: b.force,
		Sequential: b.seq, KeepGoing: b.keepGoing, NoDeps: b.noDeps, Explain: b.explain, MaxConcurrent: b.maxConcurrent,
		Output:      b.outputs(c),
		Connections: b.svc.buildConnections(c),
		Runtime:     c.Runtime(), Secrets: c.Secrets(), Getenv: c.Getenv, Shell: callShell{c},
		Events: c.Events(),
	})
	return err
}

// outputs sends build output to stdout, unless stdout is for a report or
// rendered manifests (`devspace deploy --render`), for CI to parse: then
// to stderr. --silent keeps it in the log files only (failures are still
// reported).
func (b *buildImagesCmd) outputs(c *engine.Call) buildimages.Output {
	out := buildimages.Output{Log: c.Stdout, Stderr: c.Stderr, Silent: c.Silent(), Lines: lines}
	render, _ := c.Flag("render")
	switch {
	case c.Silent():
		out.Log = io.Discard
	case b.output != "" || cliBool(render):
		out.Log = c.Stderr
	}
	if b.output == "json" {
		out.Report = c.Stdout
	}
	return out
}

// lines keeps the lines of parallel builds whole, without blank ones.
func lines(mu *sync.Mutex, out io.Writer, prefix string) buildimages.LineWriter {
	w := engine.NewPrefixWriter(mu, out, prefix)
	w.SkipBlank = true
	return w
}

// selected returns the image names to build, in the order given (sorted
// for --all), checking that each exists.
func (b *buildImagesCmd) selected(cfg *config.Config, args []string) ([]string, error) {
	if !b.all && len(args) == 0 {
		return nil, errors.New("either specify 'build_images --all' or 'build_images image1 image2'")
	}
	sel := selection{all: b.all, except: b.except, args: args, open: !b.setValues().Empty()}
	return pick(sel, "image", "images", cfg.Images)
}

func fields(s string) []string { return strings.Fields(s) }

func cliBool(s string) bool {
	v, _ := strconv.ParseBool(s)
	return v
}

func (b *buildImagesCmd) setValues() config.SetValues {
	return config.SetValues{Set: b.set, SetString: b.setString, From: b.from, FromFile: b.fromFile}
}
