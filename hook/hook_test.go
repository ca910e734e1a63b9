package hook_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/hook"
	"github.com/devspace-engine/devspace/runvars"
	"github.com/devspace-engine/devspace/testbed"
)

// project loads a devspace.yaml with hooks and returns its runner, wired
// to an engine as the CLI wires them.
func project(t *testing.T, yaml string, container hook.ContainerRunner) (*hook.Runner, *testbed.SyncBuffer, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "devspace.yaml")
	if err := os.WriteFile(path, []byte("version: v2beta1\nname: t\n"+yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{File: path, Dir: dir, Environ: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	if err := hook.Check(cfg); err != nil {
		t.Fatal(err)
	}
	var out testbed.SyncBuffer
	store := runvars.New(nil)
	r := hook.New(hook.Options{Config: cfg, Runtime: store, Container: container, GOOS: "linux", Stdout: &out, Stderr: &out})
	r.SetShell(engine.New(engine.Options{Config: cfg, Runtime: store, Events: r, Stdout: &out, Stderr: &out}))
	t.Cleanup(r.Close)
	return r, &out, dir
}

func TestKnownEvents(t *testing.T) {
	known := []string{"before:build", "before:build:*", "skip:build:app", "error:deploy:web", "before:render:x",
		"after:purge:db", "before:purgeDependencies", "error:createPullSecrets", "before:resolveDependencies", "error:resolveDependencies", "devCommand:before:execute",
		"runPipelineCommand:interrupt", "renderCommand:before:execute", "devCommand:before:sync", "restart:sync:*", "stop:portForwarding:app", "after:initialSync:web"}
	for _, ev := range known {
		if !hook.Known(ev) {
			t.Errorf("%s: refused", ev)
		}
	}
	unknown := []string{"befor:build", "skip:purge:x", "before:build:", "before:build:a:b", "devCommand:before", "after:createPullSecrets:x", "build", "renderCommand:before", "before:resolveDependencies:x", "error:deployDependencies"}
	for _, ev := range unknown {
		if hook.Known(ev) {
			t.Errorf("%s: accepted", ev)
		}
	}
}

// A background hook runs without holding up its event and ends, with its
// process, when the run closes the runner.
func TestBackgroundEndsWithClose(t *testing.T) {
	r, _, dir := project(t, `hooks:
  - events: [before:build]
    background: true
    command: sh -c 'echo $$ > pid; exec sleep 60'
`, nil)
	if err := r.Emit(context.Background(), "before:build", nil); err != nil {
		t.Fatal(err)
	}
	pid := waitForPID(t, filepath.Join(dir, "pid"))
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not end the background hook")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the background hook's process %d is still there after Close (kill -0: %v)", pid, err)
	}
	if err := r.Emit(context.Background(), "before:build", nil); err != nil {
		t.Fatal(err)
	}
}

// Ctrl-C (the run's context cancelled) ends a hook's process.
func TestCancelEndsHook(t *testing.T) {
	r, _, dir := project(t, `hooks:
  - events: [before:deploy]
    command: sh -c 'echo $$ > pid; exec sleep 60'
`, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Emit(ctx, "before:deploy", nil) }()
	pid := waitForPID(t, filepath.Join(dir, "pid"))
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an interrupted hook succeeded")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the hook did not end on cancel")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the hook's process %d is still there after cancel (kill -0: %v)", pid, err)
	}
}

func waitForPID(t *testing.T, path string) int {
	t.Helper()
	for range 200 {
		b, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
			return pid
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return 0
}

// Hooks on an item's events run those on every item first, then those on
// the item; a failing hook fails the event, except on error events.
func TestOrderAndFailures(t *testing.T) {
	r, out, _ := project(t, `hooks:
  - events: ["before:build:app"]
    command: echo one
  - events: ["before:build:*"]
    command: echo star
  - events: ["error:build:*"]
    command: exit 5
  - name: gate
    events: [before:deploy]
    command: echo no; exit 4
`, nil)
	if err := r.Emit(context.Background(), "before:build:app", nil); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "star\n") || strings.Index(got, "star\n") > strings.Index(got, "one\n") {
		t.Errorf("want the * hook first:\n%s", got)
	}
	if err := r.Emit(context.Background(), "error:build:app", nil); err != nil {
		t.Errorf("a failing error hook failed the event: %v", err)
	}
	if !strings.Contains(out.String(), "devspace.yaml:8:5: hook 'exit 5' at error:build:app failed: exit status 5") {
		t.Errorf("no warning for the error hook:\n%s", out.String())
	}
	err := r.Emit(context.Background(), "before:deploy", nil)
	var he *hook.Error
	if !errors.As(err, &he) || he.Name != "gate" || he.Pos.Line != 10 {
		t.Errorf("want the failure of hook gate at line 10, got %v", err)
	}
}

// fakeContainer records the container actions it is asked for.
type fakeContainer struct{ calls []string }

func (f *fakeContainer) Exec(_ context.Context, _ *config.Hook, command []string, stdout, _ io.Writer) error {
	f.calls = append(f.calls, "exec "+strings.Join(command, "|"))
	_, err := io.WriteString(stdout, "from the container\n")
	return err
}
func (f *fakeContainer) Upload(_ context.Context, h *config.Hook) error {
	f.calls = append(f.calls, "upload "+h.Upload.LocalPath)
	return nil
}
func (f *fakeContainer) Download(_ context.Context, h *config.Hook) error {
	f.calls = append(f.calls, "download "+h.Download.ContainerPath)
	return nil
}
func (f *fakeContainer) Logs(context.Context, *config.Hook, io.Writer) error {
	f.calls = append(f.calls, "logs")
	return nil
}
func (f *fakeContainer) Wait(context.Context, *config.Hook) error {
	f.calls = append(f.calls, "wait")
	return nil
}

// Each container hook goes to its action; a command without args runs in
// the container's sh, runtime variables resolved; named, its output is
// kept.
func TestContainerDispatch(t *testing.T) {
	fc := &fakeContainer{}
	r, _, _ := project(t, `hooks:
  - name: inpod
    events: [after:deploy]
    command: echo ${runtime.hooks.inpod.stdout}done
    container: {pod: p}
  - events: [after:deploy]
    command: ls
    args: [-l, /app]
    container: {pod: p}
  - events: [after:deploy]
    upload: {localPath: ./src, containerPath: /app}
    container: {pod: p}
  - events: [after:deploy]
    download: {localPath: ./out, containerPath: /out}
    container: {pod: p}
  - events: [after:deploy]
    logs: {}
    container: {pod: p}
  - events: [after:deploy]
    wait: {running: true}
    container: {pod: p}
`, fc)
	if err := r.Emit(context.Background(), "after:deploy", nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"exec sh|-c|echo done", "exec ls|-l|/app", "upload ./src", "download /out", "logs", "wait"}
	if !slices.Equal(fc.calls, want) {
		t.Errorf("calls:\n%q\nwant\n%q", fc.calls, want)
	}
}

func TestContainerWithoutRunner(t *testing.T) {
	r, _, _ := project(t, `hooks:
  - events: [after:deploy]
    command: ls
    container: {pod: p}
`, nil)
	err := r.Emit(context.Background(), "after:deploy", nil)
	if err == nil || !strings.Contains(err.Error(), "no connection to containers") {
		t.Errorf("want a clear refusal, got %v", err)
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"hooks:\n  - command: echo\n", "devspace.yaml:4:5: hook \"echo\" has no `events:`"},
		{"hooks:\n  - events: [before:build, afterr:deploy]\n    command: echo\n", "devspace.yaml:4:28: no step emits the event \"afterr:deploy\""},
		{"hooks:\n  - events: [before:build]\n", "devspace.yaml:4:5: hook has nothing to do"},
		{"hooks:\n  - events: [before:build]\n    command: echo\n    logs: {}\n    container: {pod: p}\n", "a hook does one thing"},
		{"hooks:\n  - events: [before:build]\n    args: [x]\n", "devspace.yaml:5:11: hook has `args:` but no `command:`"},
		{"hooks:\n  - events: [before:build]\n    name: a b\n    command: echo\n", "devspace.yaml:5:11: hook name \"a b\""},
		{"hooks:\n  - events: [before:build]\n    wait: {running: true}\n", "add `container:`"},
		{"hooks:\n  - events: [before:build]\n    os: linux, macos\n    command: echo\n", "devspace.yaml:5:9: os \"macos\": not a system name"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "devspace.yaml")
		if err := os.WriteFile(path, []byte("version: v2beta1\nname: t\n"+c.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(config.LoadOptions{File: path, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		err = hook.Check(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.yaml, err, c.want)
		}
	}
}
