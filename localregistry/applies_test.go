package localregistry

import "testing"

func TestApplies(t *testing.T) {
	yes, no := true, false
	remote := Use{Context: "prod-eks"}
	loggedIn := Use{Context: "prod-eks", LoggedIn: func(h string) bool { return h == "docker.io" }}
	for _, tc := range []struct {
		name     string
		use      Use
		image    string
		onDaemon bool
		push     bool
		want     bool
	}{
		{"official name, remote cluster", remote, "app", true, true, true},
		{"hub user name, no login", remote, "me/app", true, true, true},
		{"hub user name, logged in", loggedIn, "me/app", true, true, false},
		{"official name, logged in", loggedIn, "app", true, true, true},
		{"registry host written", remote, "ghcr.io/me/app", true, true, false},
		{"docker.io written", remote, "docker.io/me/app", true, true, false},
		{"localhost registry", remote, "localhost:5000/app", true, true, false},
		{"local cluster", Use{Context: "kind-kind", LocalCluster: true}, "app", true, true, false},
		{"no kube context", Use{}, "app", true, true, false},
		{"enabled on a local cluster", Use{Enabled: &yes, Context: "kind-kind", LocalCluster: true}, "ghcr.io/me/app", true, true, true},
		{"disabled", Use{Enabled: &no, Context: "prod"}, "app", true, true, false},
		{"enabled, built in the cluster", Use{Enabled: &yes}, "app", false, true, false},
		{"enabled, --skip-push", Use{Enabled: &yes}, "app", true, false, false},
	} {
		if got := tc.use.Applies(tc.image, tc.onDaemon, tc.push); got != tc.want {
			t.Errorf("%s: Applies(%q) = %v, want %v", tc.name, tc.image, got, tc.want)
		}
	}
}

func TestRewrite(t *testing.T) {
	r := &Registry{Host: "localhost:31234"}
	for in, want := range map[string]string{
		"app":                 "localhost:31234/library/app",
		"me/app":              "localhost:31234/me/app",
		"ghcr.io/org/team/x":  "localhost:31234/org/team/x",
		"localhost:5000/base": "localhost:31234/base",
	} {
		got, err := r.Rewrite(in)
		if err != nil || got != want {
			t.Errorf("Rewrite(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
