package config

import (
	"testing"

	"github.com/devspace-engine/devspace/redact"
)

func TestLoadNotesSecrets(t *testing.T) {
	t.Parallel()
	src := `version: v2beta1
name: s
vars:
  DB_PASS_VALUE: {value: hunter2A, password: true}
  DSN: "postgres://app:${DB_PASS_VALUE}@db"
  API_KEY: k-123456
  AUTH_ENABLED: "true"
  VERSION: "1.2.3"
  PLAIN: not-a-secret
images:
  app:
    image: e2e/app
    buildArgs: {NPM_TOKEN: npm-tok-1, GREETING: hello-there}
pullSecrets:
  reg: {registry: r.example, username: me, password: reg-pass-1}
deployments:
  web:
    helm:
      chart: {name: c, repo: https://charts.example, password: chart-pass-1}
      values: {db: {password: helm-pass-1, host: dbhost}}
`
	var set redact.Set
	mustLoad(t, src, LoadOptions{Secrets: &set, Vars: []string{"GIT_TOKEN=flag-tok-1"}})
	for _, secret := range []string{"hunter2A", "k-123456", "npm-tok-1", "reg-pass-1", "chart-pass-1", "helm-pass-1", "flag-tok-1"} {
		if got := set.Redact("x " + secret + " y"); got != "x *** y" {
			t.Errorf("%s is not a secret: %q", secret, got)
		}
	}
	for _, plain := range []string{"true", "1.2.3", "not-a-secret", "hello-there", "dbhost", "e2e/app"} {
		if got := set.Redact(plain); got != plain {
			t.Errorf("%s was masked: %q", plain, got)
		}
	}
}
