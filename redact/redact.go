// Package redact keeps a run's secret values out of what devspace prints
// and stores. A Set holds the secret values of one run (password vars,
// values under secret-looking names, registry credentials); its Redact
// and Writer are applied where text leaves the process (stdout, stderr,
// error messages, build logs), and Hash stands in for a secret wherever a
// value is persisted and a later run must still see that it changed.
package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Mask is what a secret value is replaced with in output.
const Mask = "***"

// minLen is the shortest value redacted: masking every "a" or "1" in the
// output would garble it and protect nothing.
const minLen = 4

// Set is the secret values of one run. The zero value and a nil *Set are
// empty sets; a Set is safe for concurrent use.
type Set struct {
	mu     sync.RWMutex
	values []string // longest first, so a longer secret is masked whole
}

// Add records secret values. Values shorter than 4 bytes are ignored.
func (s *Set) Add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) >= minLen && !slices.Contains(s.values, v) {
			s.values = append(s.values, v)
		}
	}
	slices.SortFunc(s.values, func(a, b string) int { return len(b) - len(a) })
}

// AddNamed records value as a secret when name looks like a secret's name
// and the value does not look like a flag or a number (AUTH_ENABLED=true,
// TOKEN_TTL=3600 are settings, not secrets).
func (s *Set) AddNamed(name, value string) {
	if LooksSecret(name) && !plainSetting(value) {
		s.Add(value)
	}
}

// Len is the number of secret values.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.values)
}

// Redact replaces every secret value in text with Mask.
func (s *Set) Redact(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.values {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Mask)
		}
	}
	return text
}

// Contains reports whether text holds a secret value.
func (s *Set) Contains(text string) bool {
	return s.Redact(text) != text
}

// longestPrefixSuffix is the length of the longest end of text that is
// the start of a secret value (a secret that may be cut between writes).
func (s *Set) longestPrefixSuffix(text []byte) int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	best := 0
	for _, v := range s.values {
		for n := min(len(v)-1, len(text)); n > best; n-- {
			if string(text[len(text)-n:]) == v[:n] {
				best = n
				break
			}
		}
	}
	return best
}

// Hash is how a secret value is stored: a short digest that shows whether
// it changed without telling what it is. salt (e.g. the arg's name) keeps
// equal values under different names from looking alike.
func Hash(salt, value string) string {
	sum := sha256.Sum256([]byte("devspace-secret\x00" + salt + "\x00" + value))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// plainSetting reports values that are flags or numbers.
func plainSetting(v string) bool {
	switch strings.ToLower(v) {
	case "", "true", "false", "yes", "no", "on", "off", "null", "none":
		return true
	}
	return strings.IndexFunc(v, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' && r != '-' }) < 0
}
