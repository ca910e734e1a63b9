package buildimages

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strings"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/runvars"
)

// customKind is the `custom:` builder: the user's own command, which
// may put the image anywhere, so it is trusted to the cache. Every field
// of custom: shapes that command, so all of them enter the build key, with
// the files onChange matches instead of a build context.
var customKind = &imagebuild.Kind{
	Name:   "custom",
	Claims: func(img *config.Image) bool { return img.Custom != nil },
	Watch: func(img *config.Image) []string {
		if img.Custom == nil {
			return nil
		}
		return img.Custom.OnChange
	},
	Options: func(img *config.Image) any {
		if img.Custom == nil {
			return nil
		}
		return img.Custom
	},
}

// runtimeRef matches ${runtime.…} in custom builder arguments.
var runtimeRef = regexp.MustCompile(`\$\{runtime\.([A-Za-z0-9_.\-]+)\}`)

// custom builds an image with the user's command. While it runs, the
// image's runtime variables name the image being built, so
// `docker build -t ${runtime.images.app.image}:${runtime.images.app.tag}`
// works; if the build fails they are put back.
func (r *buildRun) custom(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	store := r.opts.Runtime
	prev, hadPrev := store.Image(req.Name)
	store.SetImage(req.Name, runvars.Image{Image: req.Image, Tag: req.Tags[0], Tags: req.Tags})
	err := r.runCustom(ctx, req)
	if err != nil && hadPrev {
		store.SetImage(req.Name, prev)
	}
	if err != nil {
		return imagebuild.Result{}, fmt.Errorf("custom build command: %w", err)
	}
	return imagebuild.Result{}, nil
}

func (r *buildRun) runCustom(ctx context.Context, req imagebuild.Request) error {
	cu := req.Config.Custom
	command := cu.Command
	for _, c := range cu.Commands {
		if command == "" && (c.OS == "" || strings.Contains(c.OS, runtime.GOOS)) {
			command = c.Command
		}
	}
	if command == "" {
		return fmt.Errorf("image %q: custom.command is empty", req.Name)
	}
	cfg := r.opts.Config
	if len(cu.Args) == 0 && len(cu.AppendArgs) == 0 && cu.ImageFlag == "" {
		name := fmt.Sprintf("custom build of image %q", req.Name)
		source := cfg.ScriptAt("images." + req.Name + ".custom.command")
		return r.opts.Shell.Script(ctx, name, command, source, cfg.Dir, req.Log)
	}
	args, err := r.customArgs(req)
	if err != nil {
		return err
	}
	return r.opts.Shell.Exec(ctx, cfg.Dir, req.Log, append([]string{command}, args...))
}

// customArgs builds the argument list of the older args/appendArgs form:
// args, then the image (after imageFlag, unless skipImageArg), then
// appendArgs, with runtime variables resolved.
func (r *buildRun) customArgs(req imagebuild.Request) ([]string, error) {
	cu := req.Config.Custom
	args := append([]string{}, cu.Args...)
	if cu.SkipImageArg == nil || !*cu.SkipImageArg {
		if cu.ImageFlag != "" {
			args = append(args, cu.ImageFlag)
		}
		if cu.ImageTagOnly {
			args = append(args, req.Tags[0])
		} else {
			args = append(args, req.Ref())
		}
	}
	args = append(args, cu.AppendArgs...)
	for i, a := range args {
		var lookupErr error
		args[i] = runtimeRef.ReplaceAllStringFunc(a, func(ref string) string {
			v, err := r.opts.Runtime.Lookup(runtimeRef.FindStringSubmatch(ref)[1])
			if err != nil && lookupErr == nil {
				lookupErr = err
			}
			return v
		})
		if lookupErr != nil {
			return nil, fmt.Errorf("image %q: custom args: %w", req.Name, lookupErr)
		}
	}
	return args, nil
}
