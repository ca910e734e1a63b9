package config

import (
	"bytes"
	"cmp"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// predefined returns DevSpace's predefined variables. Git values cost a
// process start, so they are computed only when the file mentions them.
func (l *loader) predefined(name string, profiles []string) map[string]string {
	home, _ := os.UserHomeDir()
	kube := CurrentKube(l.opts.Environ)
	namespace := cmp.Or(l.opts.Namespace, kube.Namespace)
	if namespace == "" && kube.Context != "" {
		namespace = "default"
	}
	kubeContext := cmp.Or(l.opts.KubeContext, kube.Context)
	profile := ""
	if len(profiles) > 0 {
		profile = profiles[len(profiles)-1]
	}
	vars := map[string]string{
		"DEVSPACE_NAME":      name,
		"DEVSPACE_RANDOM":    randomLetters(6),
		"DEVSPACE_TIMESTAMP": strconv.FormatInt(time.Now().Unix(), 10),
		"DEVSPACE_USER_HOME": home,
		"DEVSPACE_VERSION":   l.opts.Version,
		"DEVSPACE_NAMESPACE": namespace,
		"DEVSPACE_SPACE":     namespace,
		"DEVSPACE_CONTEXT":   kubeContext,
		"DEVSPACE_PROFILE":   profile,
		"DEVSPACE_PROFILES":  strings.Join(profiles, " "),
		"DEVSPACE_TMPDIR":    l.opts.TmpDir.Path(),
		"devspace.name":      name,
		"devspace.namespace": namespace,
		"devspace.context":   kubeContext,
		"devspace.version":   l.opts.Version,
		"devspace.profile":   profile,
		"devspace.userHome":  home,
	}
	if l.mentions([]byte("DEVSPACE_TMPDIR")) {
		// A failure shows where the path is then used.
		_, _ = l.opts.TmpDir.Ensure()
	}
	vars["devspace.random"] = vars["DEVSPACE_RANDOM"]
	vars["devspace.timestamp"] = vars["DEVSPACE_TIMESTAMP"]
	if l.mentions([]byte("GIT_BRANCH")) || l.mentions([]byte("git.branch")) {
		branch := l.git("rev-parse", "--abbrev-ref", "HEAD")
		vars["DEVSPACE_GIT_BRANCH"], vars["devspace.git.branch"] = branch, branch
	}
	if l.mentions([]byte("GIT_COMMIT")) || l.mentions([]byte("git.commit")) {
		commit := l.git("rev-parse", "HEAD")
		if len(commit) > 8 {
			commit = commit[:8]
		}
		vars["DEVSPACE_GIT_COMMIT"], vars["devspace.git.commit"] = commit, commit
	}
	return vars
}

// mentions reports whether the config or one of its imports contains text.
func (l *loader) mentions(text []byte) bool {
	for _, f := range l.table().files {
		if bytes.Contains(f.src, text) {
			return true
		}
	}
	return false
}

func (l *loader) dir() string { return filepath.Dir(l.path) }

// git runs a git command in the config's directory; outside a repository
// the value is empty, as in DevSpace.
func (l *loader) git(args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = l.dir()
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := l.runChild(cmd); err != nil {
		return ""
	}
	return strings.TrimSpace(out.String())
}

func randomLetters(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}
