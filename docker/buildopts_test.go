package docker

import (
	"errors"
	iofs "io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/redact"
)

// The options reach an in-cluster solve as the Dockerfile frontend's
// attributes, and its session serves the secrets (registered for
// masking) and the host network entitlement.
func TestSolveOptOptions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte("file-secret-value"), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := &redact.Set{}
	req := imagebuild.Request{
		Image: "r/app", Tags: []string{"t"}, ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"),
		Network: "host", Secrets: secrets,
		Getenv: func(k string) string { return map[string]string{"TOKEN": "env-secret-value"}[k] },
		Options: config.BuildOptions{
			Labels: map[string]string{"team": "x"}, AddHosts: []string{"db:10.0.0.1", "c:10.0.0.2"},
			NoCache: true, Pull: true,
			Secrets: []config.BuildSecret{{ID: "a", Env: "TOKEN"}, {ID: "b", Src: filepath.Join(dir, "tok")}},
		},
	}
	c := &Credentials{creds: newAuthCache(nil, nil)}
	opt, _, err := c.solveOpt(req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"filename": "Dockerfile", "label:team": "x", "add-hosts": "db=10.0.0.1,c=10.0.0.2",
		"no-cache": "", "image-resolve-mode": "pull", "force-network-mode": "host"}
	if !maps.Equal(opt.FrontendAttrs, want) {
		t.Errorf("attrs = %v, want %v", opt.FrontendAttrs, want)
	}
	if len(opt.Session) != 2 || len(opt.AllowedEntitlements) != 1 {
		t.Errorf("session %d attachables, entitlements %v: want auth + secrets, network.host", len(opt.Session), opt.AllowedEntitlements)
	}
	if got := secrets.Redact("env-secret-value file-secret-value"); got != "*** ***" {
		t.Errorf("secret values not registered for masking: %q", got)
	}

	req.Getenv = func(string) string { return "" }
	_, _, err = c.solveOpt(req)
	if err == nil || !strings.Contains(err.Error(), "the environment variable TOKEN is empty or not set") {
		t.Errorf("missing variable: err = %v", err)
	}
}

// The classic builder has no session: --secret and --ssh are refused
// with what to do, before the daemon is asked for anything.
func TestLegacyRefusesSessionOptions(t *testing.T) {
	for flag, o := range map[string]config.BuildOptions{
		"--secret":     {Secrets: []config.BuildSecret{{ID: "a", Env: "A"}}},
		"--ssh":        {SSH: []config.BuildSSH{{ID: "default"}}},
		"--cache-from": {CacheFrom: []config.BuildCache{{Type: "registry", Attrs: map[string]string{"ref": "r/app:c"}}}},
		"--cache-to":   {CacheTo: []config.BuildCache{{Type: "inline"}}},
		"--platform":   {Platforms: []string{"linux/arm64"}},
	} {
		_, err := (&Builder{}).buildLegacy(t.Context(), imagebuild.Request{Options: o}, newLineWriter(nil))
		if err == nil || !strings.Contains(err.Error(), flag+" needs BuildKit") {
			t.Errorf("%s: err = %v", flag, err)
		}
	}
}

// Cache imports and exports reach an in-cluster solve with every type
// and attribute as written.
func TestSolveOptCaches(t *testing.T) {
	dir := t.TempDir()
	req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"),
		Options: config.BuildOptions{
			CacheFrom: []config.BuildCache{{Type: "registry", Attrs: map[string]string{"ref": "r/app:cache"}}},
			CacheTo: []config.BuildCache{{Type: "inline", Attrs: map[string]string{}},
				{Type: "local", Attrs: map[string]string{"dest": "/tmp/c", "mode": "max"}}},
			Platforms: []string{"linux/arm64", "linux/amd64"},
		}}
	opt, _, err := (&Credentials{creds: newAuthCache(nil, nil)}).solveOpt(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.CacheImports) != 1 || opt.CacheImports[0].Type != "registry" || opt.CacheImports[0].Attrs["ref"] != "r/app:cache" {
		t.Errorf("imports = %+v", opt.CacheImports)
	}
	if len(opt.CacheExports) != 2 || opt.CacheExports[0].Type != "inline" || opt.CacheExports[1].Attrs["dest"] != "/tmp/c" || opt.CacheExports[1].Attrs["mode"] != "max" {
		t.Errorf("exports = %+v", opt.CacheExports)
	}
	if p := opt.FrontendAttrs["platform"]; p != "linux/arm64,linux/amd64" {
		t.Errorf("platform attr = %q, want linux/arm64,linux/amd64", p)
	}
}

// A failed build for another platform whose step could not exec its
// program says that emulation is missing; other failures are left alone.
func TestPlatformError(t *testing.T) {
	base := errors.New("executor failed running [/hello]: exit code: 1")
	foreign := imagebuild.Request{Options: config.BuildOptions{Platforms: []string{"linux/arm64"}}}
	if err := platformError(foreign, base, true); !strings.Contains(err.Error(), "binfmt_misc with QEMU emulation for linux/arm64") || !errors.Is(err, base) {
		t.Errorf("foreign, logged: %v", err)
	}
	if err := platformError(foreign, base, false); err != base {
		t.Errorf("foreign, other failure: %v", err)
	}
	if err := platformError(imagebuild.Request{}, base, true); err != base {
		t.Errorf("native: %v", err)
	}
}

// A local named context serves exactly the files its key hashed (the
// directory less its .dockerignore), so an ignored file never reaches
// the daemon; an image or URL context is passed as written.
func TestSolveOptNamedContexts(t *testing.T) {
	dir, extra := t.TempDir(), t.TempDir()
	for name, data := range map[string]string{"x": "kept", "build.log": "ignored", ".dockerignore": "*.log\n"} {
		if err := os.WriteFile(filepath.Join(extra, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"),
		Options: config.BuildOptions{Contexts: []config.BuildContext{{Name: "extra", Value: extra}, {Name: "base", Value: "docker-image://alpine:3.20"}}},
		Named:   []imagebuild.NamedFiles{{Name: "extra", Files: []imagebuild.ContextFile{{Path: ".dockerignore"}, {Path: "x"}}}},
	}
	opt, _, err := (&Credentials{creds: newAuthCache(nil, nil)}).solveOpt(req)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := opt.FrontendAttrs["context:extra"], opt.FrontendAttrs["context:base"]; a != "local:named-context-extra" || b != "docker-image://alpine:3.20" {
		t.Errorf("context attrs: extra %q, base %q", a, b)
	}
	var sent []string
	err = opt.LocalMounts["named-context-extra"].Walk(t.Context(), "", func(p string, _ iofs.DirEntry, err error) error {
		sent = append(sent, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{".dockerignore", "x"}; !slices.Equal(sent, want) {
		t.Errorf("named context sends %v, want %v", sent, want)
	}
}
