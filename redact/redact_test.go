package redact

import (
	"strings"
	"sync"
	"testing"
)

func TestLooksSecret(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"DB_PASS": true, "DB_PASSWORD": true, "db-passwd": true, "dbPass": true,
		"API_KEY": true, "apiKey": true, "APIKey": true, "MY_APIKEY": true, "x-api-key": true,
		"GITHUB_TOKEN": true, "githubtoken": true, "AUTH": true, "X-Auth-Token": true,
		"CLIENT_SECRET": true, "clientSecrets": true, "AWS_CREDENTIALS": true, "gcpCredential": true,
		"SSH_PRIVATE_KEY": true, "dbpassword": true, "TOKEN": true, "key": true,
		"MONKEY": false, "monkey": false, "COMPASS": false, "PASSAGE": false, "AUTHOR": false,
		"KEYBOARD_LAYOUT": false, "VERSION": false, "DEVSPACE_RANDOM": false, "PUBLIC_KEY": false,
		"sshPublicKey": false, "": false, "TOKENIZER": false, "BYPASS": false,
	}
	for name, want := range tests {
		if got := LooksSecret(name); got != want {
			t.Errorf("LooksSecret(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	var s Set
	s.Add("hunter2A", "hunter2A-long", "abc", "")
	s.AddNamed("AUTH_ENABLED", "true")
	s.AddNamed("TOKEN_TTL", "3600")
	s.AddNamed("API_KEY", "k-123456")
	s.AddNamed("VERSION", "1.2.3.4")
	tests := []struct{ in, want string }{
		{"build arg DB_PASS hunter2A → hunter2B", "build arg DB_PASS *** → hunter2B"},
		{"x=hunter2A-long y=hunter2Ahunter2A", "x=*** y=******"},
		{"abc true 3600 1.2.3.4", "abc true 3600 1.2.3.4"},
		{"--key k-123456", "--key ***"},
	}
	for _, tc := range tests {
		if got := s.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var empty *Set
	if got := empty.Redact("hunter2A"); got != "hunter2A" || empty.Len() != 0 {
		t.Errorf("a nil Set changed text: %q", got)
	}
}

func TestWriterMasksValuesCutBetweenWrites(t *testing.T) {
	t.Parallel()
	var s Set
	s.Add("hunter2A")
	var out strings.Builder
	w := s.Writer(&out)
	for _, chunk := range []string{"pass=hun", "ter", "2A; next h", "unt", "er!\n", "tail h"} {
		if n, err := w.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "pass=***; next hunter!\ntail h"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestWriterConcurrent(t *testing.T) {
	t.Parallel()
	var s Set
	s.Add("hunter2A")
	var out strings.Builder
	w := s.Writer(&out)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				w.Write([]byte("line hunter2A\n"))
			}
		}()
	}
	wg.Wait()
	if strings.Contains(out.String(), "hunter") || strings.Count(out.String(), "line ***\n") != 800 {
		t.Errorf("unexpected output: %.200q", out.String())
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	a, b := Hash("DB_PASS", "hunter2A"), Hash("DB_PASS", "hunter2B")
	if a == b || a != Hash("DB_PASS", "hunter2A") || a == Hash("OTHER", "hunter2A") {
		t.Errorf("hashes do not tell values apart: %s %s", a, b)
	}
	if strings.Contains(a, "hunter") || !strings.HasPrefix(a, "sha256:") || len(a) != len("sha256:")+16 {
		t.Errorf("Hash = %q", a)
	}
}

func TestInteractiveWriterHoldsNothingBack(t *testing.T) {
	t.Parallel()
	var s Set
	s.Add("hunter2A")
	var out strings.Builder
	w := s.Writer(&out)
	w.Interactive = true
	w.Write([]byte("h"))
	if out.String() != "h" {
		t.Errorf("an echoed character was held back: %q", out.String())
	}
	w.Write([]byte(" hunter2A\n"))
	if out.String() != "h ***\n" {
		t.Errorf("got %q", out.String())
	}
}
