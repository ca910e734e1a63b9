package pullsecret

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
)

func ptr[T any](v T) *T { return &v }

func TestPlanCoversConfiguredSecretsThenImageRegistries(t *testing.T) {
	cfg := &config.Config{
		PullSecrets: map[string]*config.PullSecret{
			"hub":  {},
			"priv": {Registry: "127.0.0.1:5001", Secret: "mine", ServiceAccounts: []string{"builder"}},
		},
		Images: map[string]*config.Image{
			"a": {Image: "127.0.0.1:5001/team/a"},                                // covered by priv
			"b": {Image: "ghcr.io/org/b"},                                        // implied, no warning
			"c": {Image: "quay.io/org/c", CreatePullSecret: ptr(true)},           // asked for
			"d": {Image: "registry.example.com/d", CreatePullSecret: ptr(false)}, // opted out
		},
	}
	got, err := Plan(cfg, true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range got {
		lines = append(lines, strings.Join([]string{s.Name, s.Registry, s.SecretName, strings.Join(s.ServiceAccounts, "+"), map[bool]string{true: "explicit", false: "implied"}[s.Explicit]}, " "))
	}
	want := []string{
		"hub docker.io devspace-pull-secret-docker.io default explicit",
		"priv 127.0.0.1:5001 mine builder explicit",
		"b ghcr.io devspace-pull-secret-ghcr.io default implied",
		"c quay.io devspace-pull-secret-quay.io default explicit",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Plan(cfg, false, nil, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "couldn't find pull secret nope (pullSecrets: hub, priv)") {
		t.Fatalf("unknown name: %v", err)
	}
}

type logins map[string][2]string

func (l logins) Login(host string) (string, string, error) { return l[host][0], l[host][1], nil }

func TestResolveWarnsOnlyWhenAskedFor(t *testing.T) {
	secrets := []Secret{
		{Name: "cfg", Registry: "r1", Username: "u", Password: "p", Explicit: true},
		{Name: "login", Registry: "r2", Explicit: true},
		{Name: "missing", Registry: "r3", Explicit: true},
		{Name: "implied", Registry: "r4"},
	}
	var warnings bytes.Buffer
	got, err := Resolve(secrets, logins{"r2": {"u2", "p2"}}, func(string) io.Writer { return &warnings })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "cfg" || got[1].Name != "login" || got[1].entry.Username != "u2" {
		t.Fatalf("resolved %+v", got)
	}
	if w := warnings.String(); !strings.Contains(w, "no login for registry r3") || strings.Contains(w, "r4") {
		t.Fatalf("warnings: %q", w)
	}
}

func TestDefaultNameIsAValidObjectName(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5001":   "devspace-pull-secret-127.0.0.1-5001",
		"Registry.Example": "devspace-pull-secret-registry.example",
		"docker.io":        "devspace-pull-secret-docker.io",
	} {
		if got := DefaultName(in); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", in, got, want)
		}
	}
}
