package proxycmd

import "testing"

// TestLocalDir: the longest sync path holding the directory maps it;
// a sibling with the same prefix or a directory outside falls back.
func TestLocalDir(t *testing.T) {
	cfg := Config{DefaultDir: "/proj", Dirs: []DirMap{{Remote: "/app", Local: "/proj/src"}, {Remote: "/app/web/", Local: "/web"}}}
	for dir, want := range map[string]string{
		"/app":         "/proj/src",
		"/app/x/y":     "/proj/src/x/y",
		"/app/web/css": "/web/css",
		"/apple":       "/proj",
		"/":            "/proj",
	} {
		if got := cfg.localDir(dir); got != want {
			t.Errorf("localDir(%q) = %q; want %q", dir, got, want)
		}
	}
}
