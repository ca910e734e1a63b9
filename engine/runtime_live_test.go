package engine_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
)

// setTag stands in for build_images: it records a new tag in the store.
type setTag struct{}

func (setTag) Flags(*pflag.FlagSet, *engine.Call) {}

func (setTag) Run(_ context.Context, c *engine.Call, args []string) error {
	c.Runtime().SetImage("app-2", runvars.Image{Image: "reg/app", Tag: args[0]})
	return nil
}

// TestRuntimeVariablesAreLive: a ${runvars.*} reference is resolved when
// its line runs, so a line after a build sees the new tag (DevSpace
// expands it to "" once, before the script starts).
func TestRuntimeVariablesAreLive(t *testing.T) {
	t.Parallel()
	store := runvars.New(map[string]runvars.Image{"app-2": {Image: "reg/app", Tag: "old"}})
	builtin := &engine.Builtin{Name: "set_tag", New: func() engine.Command { return setTag{} }}
	var out bytes.Buffer
	e := engine.New(engine.Options{Runtime: store, Builtins: []*engine.Builtin{builtin}, Stdout: &out, Stderr: &out, Environ: []string{}})
	script := engine.Script{Name: "test", Text: `echo "${runtime.images.app-2.tag}"
set_tag new
echo "${runtime.images.app-2.tag} $<runtime.images.app-2> ${runtime.images.app-2.image}"
set_tag newer
tag=$<runtime.images.app-2.tag>
echo "$tag"
`}
	if err := e.RunScript(context.Background(), script, engine.RunOptions{Dir: t.TempDir()}); err != nil {
		t.Fatalf("RunScript: %v\n%s", err, out.String())
	}
	want := "old\nnew reg/app:new reg/app\nnewer\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

// TestRuntimeDependencyLoadStopsWithTheScript: checking a script's
// ${runtime.dependencies.NAME…} may load the dependency (a git checkout);
// that load runs under the script's context, so cancelling the run stops
// it instead of waiting for it.
func TestRuntimeDependencyLoadStopsWithTheScript(t *testing.T) {
	t.Parallel()
	store := runvars.New(nil)
	store.SetDependencies(func(ctx context.Context, name string) (*runvars.Store, error) {
		<-ctx.Done() // a load that only ends when it is cancelled
		return nil, ctx.Err()
	})
	var out bytes.Buffer
	e := engine.New(engine.Options{Runtime: store, Stdout: &out, Stderr: &out, Environ: []string{}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- e.RunScript(ctx, engine.Script{Name: "test", Text: `echo "${runtime.dependencies.api.images.app.tag}"`}, engine.RunOptions{Dir: t.TempDir()})
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
			t.Errorf("RunScript = %v, want the cancelled load's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the script kept waiting for a load its context had cancelled")
	}
}
