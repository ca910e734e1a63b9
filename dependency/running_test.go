package dependency

import (
	"context"
	"io"
	"slices"
	"testing"
)

// TestRunning: a project sees the dependencies run from it in this run,
// further down its tree too, nearest first, and each one's end; never a
// project that waits for it (a cyclic edge, skipped), nor one not run.
func TestRunning(t *testing.T) {
	t.Parallel()
	tr := newTree(t, map[string][]string{"root": {"a", "idle"}, "a": {"b"}, "b": {"root"}, "idle": nil})
	var r *Runner
	seen := map[string][]string{}
	look := func(name string) func(context.Context, *Runner) error {
		return func(ctx context.Context, _ *Runner) error {
			if err := r.Run(ctx, all(io.Discard)); err != nil {
				return err
			}
			for _, d := range r.Running(ctx) {
				seen[name] = append(seen[name], d.Project.Name)
			}
			return nil
		}
	}
	tr.run["a"], tr.run["b"] = look("a"), look("b")
	r = tr.runner()
	ctx := context.Background()
	if got := r.Running(ctx); len(got) != 0 {
		t.Fatalf("Running before any run = %v", got)
	}
	req := all(io.Discard)
	req.Names, req.All = []string{"a"}, false
	if err := r.Run(ctx, req); err != nil {
		t.Fatal(err)
	}
	var root []string
	for _, d := range r.Running(ctx) {
		root = append(root, d.Project.Name)
		select {
		case <-d.Done:
		default:
			t.Errorf("%s: its run has ended, but Done is open", d.Project.Name)
		}
	}
	if want := []string{"a", "b"}; !slices.Equal(root, want) {
		t.Errorf("root sees %v, want %v (idle never ran)", root, want)
	}
	if want := []string{"b"}; !slices.Equal(seen["a"], want) {
		t.Errorf("a sees %v, want %v", seen["a"], want)
	}
	if len(seen["b"]) != 0 {
		t.Errorf("b sees %v, want nothing: root waits for it", seen["b"])
	}
}
