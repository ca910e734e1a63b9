package restart

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestWrapInRestartHelper(t *testing.T) {
	cmd, args, err := Wrap([]string{"node"}, []string{"server.js", "--port", "80"})
	if err != nil {
		t.Fatal(err)
	}
	if cmd[0] != "/bin/sh" || cmd[1] != "-c" || strings.Join(args, " ") != "node server.js --port 80" {
		t.Errorf("command %q args %q", cmd, args)
	}
	if _, _, err := Wrap(nil, nil); err == nil || !strings.Contains(err.Error(), "set command") {
		t.Errorf("no command: %v", err)
	}
}

// TestRestartHelperScript runs the helper's loop with a local sh: the
// process exits with its own code when nobody asked for a restart.
func TestRestartHelperScript(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/.devspace-start", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, args, _ := Wrap([]string{"sh", "-c", "exit 7"}, nil)
	run := exec.Command(cmd[0], append(cmd[1:], args...)...)
	run.Env = append(run.Environ(), "DEVSPACE_RESTART_DIR="+dir)
	err := run.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Errorf("exit: %v, want code 7", err)
	}
}

// TestRestartHelperRestarts asks the loop for a restart the way
// Restart does (flag file, kill the pid): the command runs again.
func TestRestartHelperRestarts(t *testing.T) {
	dir := t.TempDir()
	cmd, args, _ := Wrap([]string{"sh", "-c", "echo started; exec sleep 30"}, nil)
	run := exec.Command(cmd[0], append(cmd[1:], args...)...)
	run.Env = append(run.Environ(), "DEVSPACE_RESTART_DIR="+dir)
	f, err := os.Create(dir + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run.Stdout = f // a file: no copying goroutine to race with
	out := func() string { b, _ := os.ReadFile(dir + "/out"); return string(b) }
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer run.Process.Kill()
	restart := "touch " + dir + "/.devspace-restart && kill $(cat " + dir + "/.devspace-restart-pid)"
	// Held back until the first sync is done (the start file).
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(out(), "started") {
		t.Fatalf("the process started before the start file: %q", out())
	}
	if err := os.WriteFile(dir+"/.devspace-start", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return strings.Count(out(), "started") == 1 && fileExists(dir+"/.devspace-restart-pid")
	})
	if err := exec.Command("sh", "-c", restart).Run(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Count(out(), "started") == 2 })
	if !strings.Contains(out(), "restarting the container's process") {
		t.Errorf("output %q does not say it restarted", out())
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
