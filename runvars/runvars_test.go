package runvars

import "testing"

func TestLazyDefaultsLoadOnceOnFirstRead(t *testing.T) {
	t.Parallel()
	loads := 0
	s := NewLazy(func() map[string]Image {
		loads++
		return map[string]Image{"app": {Image: "r/app", Tag: "v1"}}
	})
	if loads != 0 {
		t.Fatalf("loaded at construction")
	}
	for _, key := range []string{"images.app", "images.app.tag", "images.app.image"} {
		if _, err := s.Lookup(key); err != nil {
			t.Fatalf("Lookup(%s): %v", key, err)
		}
	}
	if got, _ := s.Lookup("images.app"); got != "r/app:v1" {
		t.Errorf("images.app = %q", got)
	}
	s.SetImage("app", Image{Image: "r/app", Tag: "v2"})
	if got, _ := s.Lookup("images.app.tag"); got != "v2" {
		t.Errorf("after SetImage: tag %q, want v2", got)
	}
	if loads != 1 {
		t.Errorf("loaded %d times, want 1", loads)
	}
	if _, err := s.Lookup("images.nope"); err == nil {
		t.Error("unknown image: want an error")
	}
}
