package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostBlock: the block goes after the global options and before the
// first Host (so a `Host *` below cannot override its port), a second
// write replaces it, and removing it leaves the user's file as it was.
func TestHostBlock(t *testing.T) {
	home := t.TempDir()
	user := "ForwardAgent no\n\nHost *\n  Port 2222\n"
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, ".ssh", "config")
	if err := os.WriteFile(path, []byte(user), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := LoadKeys(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, port := range []int{1234, 4321} {
		if err := AddHost(home, HostEntry{Host: "app.proj.devspace", Port: port, Keys: keys}); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(path)
	text := string(data)
	if strings.Count(text, "Host app.proj.devspace") != 1 || !strings.Contains(text, "Port 4321") || strings.Contains(text, "Port 1234") {
		t.Errorf("after two writes the config is\n%s", text)
	}
	if g, b, h := strings.Index(text, "ForwardAgent"), strings.Index(text, blockStart), strings.Index(text, "Host *"); g >= b || b >= h {
		t.Errorf("the block is not between the global options and the first Host:\n%s", text)
	}
	if err := RemoveHost(home, "app.proj.devspace"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != user {
		t.Errorf("after removal the config is %q; want %q", data, user)
	}
	for _, f := range []string{userKeyFile, hostKeyFile} {
		if st, err := os.Stat(filepath.Join(keys.Dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v; want a 0600 file", f, st.Mode(), err)
		}
	}
	again, err := LoadKeys(home)
	if err != nil || again != keys {
		t.Errorf("the keys changed on a second load (%v)", err)
	}
}
