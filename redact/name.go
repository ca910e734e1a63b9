package redact

import (
	"strings"
	"unicode"
)

// secretWords are the words of a name that mark its value as a secret
// (DB_PASS, apiKey, X-Auth-Token), compared case-insensitively.
var secretWords = map[string]bool{
	"token": true, "tokens": true, "pass": true, "passwd": true, "password": true,
	"passwords": true, "pwd": true, "passphrase": true, "secret": true, "secrets": true,
	"key": true, "keys": true, "apikey": true, "credential": true, "credentials": true,
	"cred": true, "creds": true, "auth": true, "private": true, "privatekey": true,
}

// secretParts may end a word written without boundaries (dbpassword,
// githubtoken); short ones such as key or pass may not (monkey, compass).
var secretParts = []string{"password", "passwd", "secret", "apikey", "credential", "token"}

// LooksSecret reports whether name (a variable or build arg name) says
// that its value is a secret. Names are split into words at '_', '-',
// '.', and camel-case humps; a secret word must be a whole word, so MONKEY
// and COMPASS are not secrets while MY_KEY, dbPass and API-KEY are. A name
// with the word "public" (PUBLIC_KEY) is not a secret.
func LooksSecret(name string) bool {
	found := false
	for _, w := range words(name) {
		w = strings.ToLower(w)
		if w == "public" {
			return false
		}
		if secretWords[w] || hasSecretPart(w) {
			found = true
		}
	}
	return found
}

func hasSecretPart(w string) bool {
	for _, p := range secretParts {
		if strings.HasSuffix(w, p) || strings.HasSuffix(w, p+"s") {
			return true
		}
	}
	return false
}

// words splits a name at separators and camel-case boundaries:
// "dbPassHash" → db Pass Hash, "APIKey" → API Key, "DB_PASS" → DB PASS.
func words(name string) []string {
	var out []string
	rs := []rune(name)
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, string(rs[start:end]))
		}
	}
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush(i)
			start = i + 1
		case i > start && unicode.IsUpper(r) && unicode.IsLower(rs[i-1]),
			i > start && unicode.IsUpper(r) && unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			flush(i)
			start = i
		}
	}
	flush(len(rs))
	return out
}
