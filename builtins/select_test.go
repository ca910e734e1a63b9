package builtins

import (
	"strings"
	"testing"
)

func TestPick(t *testing.T) {
	objects := map[string]int{"b": 1, "a": 2, "c": 3}
	got, err := pick(selection{all: true, except: []string{"b"}, args: []string{"c", "a"}}, "image", "images", objects)
	if err != nil || strings.Join(got, " ") != "a c" {
		t.Fatalf("--all --except b c a: %v, %v", got, err)
	}
	got, err = pick(selection{args: []string{"c", "a", "c"}}, "image", "images", objects)
	if err != nil || strings.Join(got, " ") != "c a" {
		t.Fatalf("names keep their order, once each: %v, %v", got, err)
	}
	if _, err := pick(selection{args: []string{"x"}}, "dev config", "dev", objects); err == nil || err.Error() != "couldn't find dev config x (dev: a, b, c)" {
		t.Fatalf("unknown name: %v", err)
	}
	if got, err := pick(selection{args: []string{"x"}, open: true}, "deployment", "deployments", objects); err != nil || len(got) != 1 {
		t.Fatalf("--set may create x: %v, %v", got, err)
	}
}
