package engine

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/config"
)

// recordedEvent is one event a test sink received, with the job its
// context carried.
type recordedEvent struct {
	name, job string
	data      map[string]string
}

type recorder struct {
	mu     sync.Mutex
	events []recordedEvent
}

func (r *recorder) Emit(ctx context.Context, name string, data map[string]string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recordedEvent{name: name, job: JobID(ctx), data: data})
	return nil
}

// nesting is a builtin that runs the pipelines named (`nest NAME...`) or,
// with no names, emits "mark".
type nesting struct{}

func (nesting) Flags(*pflag.FlagSet, *Call) {}

func (nesting) Run(ctx context.Context, c *Call, args []string) error {
	if len(args) == 0 {
		return c.Events().Emit(ctx, "mark", nil)
	}
	return c.RunPipelines(ctx, PipelinesOptions{Names: args, Sequential: true})
}

// Each pipeline run is reported as start:pipeline:NAME and
// end:pipeline:NAME with its own id and its caller's; a builtin's events
// carry the id of the pipeline that called it; a failure is in the end.
func TestPipelineJobEvents(t *testing.T) {
	t.Parallel()
	src := `version: v2beta1
name: jobs
pipelines:
  outer: nest inner
  inner: |
    nest
    false
`
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "devspace.yaml"), []byte(src), config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	nest := &Builtin{Name: "nest", New: func() Command { return nesting{} }}
	e := New(Options{Config: cfg, Builtins: []*Builtin{nest}, Environ: []string{}, Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Events: rec})
	if err := e.RunPipeline(context.Background(), "outer", RunOptions{}); err == nil {
		t.Fatal("outer succeeded; inner runs false")
	}
	var names []string
	for _, ev := range rec.events {
		names = append(names, ev.name)
	}
	want := "start:pipeline:outer start:pipeline:inner mark end:pipeline:inner error:builtin:nest end:pipeline:outer"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("events: %s\nwant:   %s", got, want)
	}
	outer, inner, mark, innerEnd, nested := rec.events[0], rec.events[1], rec.events[2], rec.events[3], rec.events[4]
	if outer.data["parent"] != "" || outer.data["project"] != "jobs" {
		t.Errorf("outer start data = %v, want no parent, project jobs", outer.data)
	}
	if inner.data["parent"] != outer.data["job"] || inner.data["job"] == outer.data["job"] {
		t.Errorf("inner start data = %v, want its own job under %s", inner.data, outer.data["job"])
	}
	if mark.job != inner.data["job"] {
		t.Errorf("the builtin's event has job %q, want the inner pipeline's %q", mark.job, inner.data["job"])
	}
	if innerEnd.data["job"] != inner.data["job"] || !strings.Contains(innerEnd.data["error"], "exit status 1") || innerEnd.data["duration_ms"] == "" {
		t.Errorf("inner end data = %v, want its job, a duration and the failure", innerEnd.data)
	}
	if nested.job != outer.data["job"] {
		t.Errorf("nest's failure has job %q, want the outer pipeline's %q", nested.job, outer.data["job"])
	}
}

// A builtin's failure reaches the events as error:builtin:NAME, in the
// words printed, its position in the config included.
func TestBuiltinFailureEvent(t *testing.T) {
	t.Parallel()
	src := "version: v2beta1\nname: fails\npipelines:\n  p: fail no luck\n"
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "devspace.yaml"), []byte(src), config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	fail := &Builtin{Name: "fail", New: func() Command { return &failing{} }}
	var stderr strings.Builder
	e := New(Options{Config: cfg, Builtins: []*Builtin{fail}, Environ: []string{}, Stdout: &strings.Builder{}, Stderr: &stderr, Events: rec})
	_ = e.RunPipeline(context.Background(), "p", RunOptions{})
	for _, ev := range rec.events {
		if ev.name == "error:builtin:fail" {
			if want := strings.TrimSuffix(stderr.String(), "\n"); ev.data["error"] != want || !strings.Contains(want, "devspace.yaml:4:6: fail: no luck") {
				t.Errorf("error = %q, want %q, as printed, with the position", ev.data["error"], want)
			}
			if ev.job == "" {
				t.Error("the failure carries no job")
			}
			return
		}
	}
	t.Fatalf("no error:builtin:fail among %+v", rec.events)
}
