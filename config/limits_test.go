package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aliasBomb is a "billion laughs": nine levels of nine aliases each, about
// 1 KB that a decoder expands to 9^9 values. The first alias of level f
// (line 10) takes the expansion past MaxAliasNodes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("version: v2beta1\ndeployments:\n  app:\n    helm:\n      values:\n")
	b.WriteString(`        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		refs := strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",")
		fmt.Fprintf(&b, "        %s: &%s [%s]\n", name, name, refs)
		prev = name
	}
	return b.String()
}

// loadQuickly loads src and fails unless Load returns within d. A bound
// that does not hold would take minutes and gigabytes, so the test binary
// is stopped instead of waiting for it.
func loadQuickly(t *testing.T, d time.Duration, src string) (*Config, error) {
	t.Helper()
	return loadFileQuickly(t, d, LoadOptions{Dir: writeConfig(t, src)})
}

func loadFileQuickly(t *testing.T, d time.Duration, opts LoadOptions) (*Config, error) {
	t.Helper()
	type result struct {
		cfg *Config
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		cfg, err := Load(opts)
		done <- result{cfg, err}
	}()
	select {
	case r := <-done:
		t.Logf("Load returned in %v", time.Since(start).Round(time.Millisecond))
		return r.cfg, r.err
	case <-time.After(d):
		panic(fmt.Sprintf("%s: Load did not return within %v", t.Name(), d))
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	t.Parallel()
	src := aliasBomb()
	if len(src) > 1200 {
		t.Fatalf("the bomb is %d bytes, want about 1 KB", len(src))
	}
	_, err := loadQuickly(t, 5*time.Second, src)
	e := checkError(t, err, wantPos{line: 11, col: 16, msg: fmt.Sprintf("aliases expand to more than %d values", MaxAliasNodes)})
	if e.Hint == "" {
		t.Errorf("no hint in %v", e)
	}
}

func TestAliasesWithinTheLimitStillExpand(t *testing.T) {
	t.Parallel()
	cfg, err := loadQuickly(t, 5*time.Second, `version: v2beta1
deployments:
  app:
    helm:
      values:
        common: &common {replicas: 2, env: [a, b]}
        web: *common
        api: {<<: *common, port: 80}
`)
	if err != nil {
		t.Fatal(err)
	}
	values := rawAt(t, cfg, "deployments.app.helm.values").(map[string]any)
	if web := values["web"].(map[string]any); fmt.Sprint(web["env"]) != "[a b]" {
		t.Errorf("web = %v, want the common values", web)
	}
	if api := values["api"].(map[string]any); fmt.Sprint(api["replicas"]) != "2" || fmt.Sprint(api["port"]) != "80" {
		t.Errorf("api = %v, want the common values merged with port 80", api)
	}
}

func TestDeepNestingIsRefused(t *testing.T) {
	t.Parallel()
	const n = 80_000 // 160 KB of brackets
	// The top-level key is the first level; the error points at the
	// bracket or entry that goes one level too deep.
	tests := []struct {
		name string
		src  string
		want wantPos
	}{
		{"flow lists", "version: v2beta1\nx: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
			wantPos{2, 3 + MaxDepth, "nested more than 200 levels deep"}},
		{"flow mappings", "version: v2beta1\nx: " + strings.Repeat("{a: ", n/2) + strings.Repeat("}", n/2) + "\n",
			wantPos{2, 4 * MaxDepth, "nested more than 200 levels deep"}},
		{"block lists on one line", "version: v2beta1\nx:\n" + strings.Repeat("- ", n) + "a\n",
			wantPos{3, 1 + 2*MaxDepth, "nested more than 200 levels deep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadQuickly(t, 5*time.Second, tt.src)
			checkError(t, err, tt.want)
		})
	}
}

func TestNestingWithinTheLimitLoads(t *testing.T) {
	t.Parallel()
	depth := MaxDepth - 10
	src := "version: v2beta1\ndeployments:\n  app:\n    helm:\n      values:\n        deep: " +
		strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth) + "\n"
	if _, err := loadQuickly(t, 5*time.Second, src); err != nil {
		t.Fatal(err)
	}
}

func TestConfigThatIsNotARegularFileIsRefused(t *testing.T) {
	t.Parallel()
	for _, dev := range []string{"/dev/zero", "/dev/urandom"} {
		t.Run(dev, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(dev); err != nil {
				t.Skipf("no %s here", dev)
			}
			_, err := loadFileQuickly(t, 5*time.Second, LoadOptions{Dir: t.TempDir(), File: dev})
			if err == nil || !strings.Contains(err.Error(), dev+": not a regular file (a device)") {
				t.Errorf("got %v, want %s refused as a device", err, dev)
			}
		})
	}
	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		_, err := loadFileQuickly(t, 5*time.Second, LoadOptions{Dir: dir, File: dir})
		if err == nil || !strings.Contains(err.Error(), "not a regular file (a directory)") {
			t.Errorf("got %v, want the directory refused", err)
		}
	})
}

func TestOversizedConfigIsRefused(t *testing.T) {
	t.Parallel()
	// Valid YAML, so only the size can be the reason.
	src := "version: v2beta1\n" + strings.Repeat("# filler line of a comment that goes on\n", MaxFileSize/40+1)
	_, err := loadQuickly(t, 5*time.Second, src)
	if err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("got %v, want the size refused", err)
	}
}

func TestLargeConfigStillLoads(t *testing.T) {
	t.Parallel()
	// About 1 MiB of ordinary config: 7,000 images with tags and build args.
	var b strings.Builder
	b.WriteString("version: v2beta1\nimages:\n")
	const n = 7000
	for i := range n {
		fmt.Fprintf(&b, "  app-%d:\n    image: registry.example.com/team/app-%d\n    tags: [v1, v2]\n", i, i)
		fmt.Fprintf(&b, "    buildArgs:\n      VERSION: \"1.%d\"\n      COMMIT: 0123456789abcdef0123456789abcdef\n", i)
	}
	if b.Len() < 1<<20 || b.Len() > MaxFileSize {
		t.Fatalf("config is %d bytes, want 1 MiB to %d", b.Len(), MaxFileSize)
	}
	cfg, err := loadQuickly(t, 30*time.Second, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Images) != n {
		t.Errorf("loaded %d images, want %d", len(cfg.Images), n)
	}
}

func TestReadFileRefusesAFIFOWithoutBlocking(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "devspace.yaml")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	_, err := loadFileQuickly(t, 5*time.Second, LoadOptions{Dir: filepath.Dir(fifo)})
	if err == nil || !strings.Contains(err.Error(), "not a regular file (a FIFO)") {
		t.Errorf("got %v, want the FIFO refused", err)
	}
}

func TestFromFileHasTheSameLimits(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, "version: v2beta1\nimages:\n  app:\n    image: r/app\n", LoadOptions{})
	bomb := filepath.Join(t.TempDir(), "values.yaml")
	body := strings.SplitN(aliasBomb(), "values:\n", 2)[1] // the aliases, five levels in
	if err := os.WriteFile(bomb, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := cfg.PatchObject("images", "app", SetValues{FromFile: []string{bomb}})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "values.yaml:6:16: aliases expand to more than") {
			t.Errorf("got %v, want the alias bomb refused with its position", err)
		}
	case <-time.After(5 * time.Second):
		panic("PatchObject did not return within 5s")
	}
	_, err := cfg.PatchObject("images", "app", SetValues{FromFile: []string{"/dev/zero"}})
	if err == nil || !strings.Contains(err.Error(), "not a regular file (a device)") {
		t.Errorf("got %v, want /dev/zero refused", err)
	}
}

// TestBareTagIsRefused: a tag with nothing after it made the YAML decoder
// dereference a missing value and crash (found by FuzzLoad); now it is an
// error at the tag.
func TestBareTagIsRefused(t *testing.T) {
	t.Parallel()
	src := "version: v2beta1\nname: x\ndeployments:\n  a:\n    kubectl:\n      manifests: !!seq\n"
	_, err := loadQuickly(t, 5*time.Second, src)
	checkError(t, err, wantPos{line: 6, col: 18, msg: "the tag !!seq has no value after it"})
}
