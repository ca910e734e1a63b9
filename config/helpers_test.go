package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes src as devspace.yaml into a fresh directory and returns
// the directory.
func writeConfig(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DefaultFile), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// load loads src with opts. Environ gets a PATH (variable commands run
// `sh`) and a KUBECONFIG that does not exist, so the host's kubeconfig
// cannot change the result.
func load(t *testing.T, src string, opts LoadOptions) (*Config, error) {
	t.Helper()
	opts.Dir = writeConfig(t, src)
	opts.Environ = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"KUBECONFIG=" + filepath.Join(opts.Dir, "no-kubeconfig"),
	}, opts.Environ...)
	return Load(opts)
}

// mustLoad is load for configs that must be valid.
func mustLoad(t *testing.T, src string, opts LoadOptions) *Config {
	t.Helper()
	cfg, err := load(t, src, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// wantPos is an expected positioned error: its line and column and a part
// of its message.
type wantPos struct {
	line, col int
	msg       string
}

// checkError asserts that err is a *Error at want's position whose message
// contains want.msg.
func checkError(t *testing.T, err error, want wantPos) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want a *config.Error", err, err)
	}
	if e.Pos.Line != want.line || e.Pos.Col != want.col {
		t.Errorf("error at %d:%d, want %d:%d\n%v", e.Pos.Line, e.Pos.Col, want.line, want.col, e)
	}
	if !strings.Contains(e.Msg, want.msg) {
		t.Errorf("message %q does not contain %q", e.Msg, want.msg)
	}
	return e
}

// rawAt follows a dotted path through Config.Raw.
func rawAt(t *testing.T, cfg *Config, path string) any {
	t.Helper()
	var cur any = cfg.Raw
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("Raw: %s: %T is not a mapping", path, cur)
		}
		cur = m[key]
	}
	return cur
}
