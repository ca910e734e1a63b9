package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/devspace-engine/devspace/testbed"
)

const questionsYAML = `version: v2beta1
name: questions
vars:
  DB:
    question: Which database?
    options: [mysql, postgres, sqlite]
    default: mysql
  PORT:
    question: Which port?
    validationPattern: "^[0-9]+$"
    validationMessage: the port is a number
  TOKEN:
    question: Your token?
    password: true
  ONCE:
    question: Just this run?
    noCache: true
pipelines:
  show: |
    echo "DB=$DB PORT=$PORT ONCE=$ONCE"
    if [ "$TOKEN" = s3cret ]; then echo token-ok; fi
`

// terminal is devspace running on a pseudo-terminal, as a user at a
// keyboard sees it: everything it drew so far, and the keys to type.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	seen bytes.Buffer
	done chan struct{} // closed when the reader has seen the pty close
}

func startOnTerminal(t *testing.T, dir string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"), "TERM=xterm-256color")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() { // owned by the test: ends when the pty is closed or the process exits
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			term.mu.Lock()
			term.seen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		tty.Close()
		<-term.done
	})
	return term
}

// screen is what was drawn so far, without escape sequences.
func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return ansiEscape.ReplaceAllString(term.seen.String(), "")
}

var ansiEscape = regexp.MustCompile(`\x1b(\[[0-9;?<=>$ ]*[A-Za-z~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[()][0-9A-Za-z]|[=>78])`)

// expect waits until text has been drawn after the first `after` bytes of
// the screen and returns the screen's length then.
func (term *terminal) expect(after int, text string) int {
	term.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		s := term.screen()
		if i := strings.Index(s[min(after, len(s)):], text); i >= 0 {
			return len(s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	term.t.Fatalf("%q never appeared; the terminal shows:\n%s", text, term.screen())
	return 0
}

func (term *terminal) typeKeys(keys string) {
	term.t.Helper()
	time.Sleep(100 * time.Millisecond) // the question has drawn and reads keys
	if _, err := term.tty.Write([]byte(keys)); err != nil {
		term.t.Fatal(err)
	}
}

func (term *terminal) wait() error {
	err := term.cmd.Wait()
	<-term.done
	return err
}

const (
	keyDown  = "\x1b[B"
	keyEnter = "\r"
)

// TestQuestionsOnTerminal answers a config's questions at a terminal:
// options picked with the arrow keys, an answer the validation pattern
// refuses asked again with its message, a password never shown; the
// answers are remembered for the next run (which needs no terminal), but
// not a noCache one; `devspace reset vars` forgets them.
func TestQuestionsOnTerminal(t *testing.T) {
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": questionsYAML})

	term := startOnTerminal(t, dir, "run-pipeline", "show")
	at := term.expect(0, "Which database?")
	term.expect(0, "sqlite")
	term.typeKeys(keyDown + keyEnter)
	at = term.expect(at, "Just this run?") // asked in the order of their names
	term.typeKeys("yes" + keyEnter)
	at = term.expect(at, "Which port?")
	term.typeKeys("80a" + keyEnter)
	at = term.expect(at, "the port is a number")
	term.typeKeys("8080" + keyEnter) // asked afresh
	at = term.expect(at, "Your token?")
	term.typeKeys("s3cret" + keyEnter)
	if err := term.wait(); err != nil {
		t.Fatalf("devspace: %v\n%s", err, term.screen())
	}
	screen := term.screen()
	for _, want := range []string{"? Which database? postgres", "DB=postgres PORT=8080 ONCE=yes", "token-ok", "? Your token? ***"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the terminal does not show %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "s3cret") {
		t.Errorf("the password was shown:\n%s", screen)
	}

	// Remembered: a run without a terminal has the answers, except the
	// noCache one, which it must be given.
	run := func(args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("run-pipeline", "show")
	if err == nil || !strings.Contains(out, "pass --var ONCE=VALUE") {
		t.Fatalf("a run without a terminal and without ONCE: %v\n%s", err, out)
	}
	out, err = run("run-pipeline", "show", "--var", "ONCE=again")
	if err != nil || !strings.Contains(out, "DB=postgres PORT=8080 ONCE=again") || !strings.Contains(out, "token-ok") {
		t.Fatalf("the remembered answers were not used: %v\n%s", err, out)
	}
	state, err := os.ReadFile(filepath.Join(dir, ".devspace", "vars.json"))
	if err != nil || strings.Contains(string(state), "ONCE") {
		t.Errorf("state %q (%v): want the answers without the noCache one", state, err)
	}

	// reset vars: the questions are asked again; without a terminal, the
	// one without a default cannot be.
	out, err = run("reset", "vars")
	if err != nil || !strings.Contains(out, "Forgot the remembered answers") {
		t.Fatalf("reset vars: %v\n%s", err, out)
	}
	out, err = run("run-pipeline", "show", "--var", "ONCE=x")
	if err == nil || !strings.Contains(out, "pass --var PORT=VALUE") {
		t.Fatalf("after reset vars: %v\n%s", err, out)
	}
	term = startOnTerminal(t, dir, "run-pipeline", "show", "--var", "ONCE=x", "--var", "PORT=1", "--var", "TOKEN=t")
	term.expect(0, "Which database?")
	term.typeKeys(keyEnter) // the default, selected first
	if err := term.wait(); err != nil {
		t.Fatalf("devspace: %v\n%s", err, term.screen())
	}
	if screen := term.screen(); !strings.Contains(screen, "DB=mysql PORT=1 ONCE=x") {
		t.Errorf("after reset vars, the default answer: the terminal shows\n%s", screen)
	}

	// Ctrl-C at a question ends the run as at a shell prompt: 130.
	run("reset", "vars")
	term = startOnTerminal(t, dir, "run-pipeline", "show")
	term.expect(0, "Which database?")
	term.typeKeys("\x03")
	var exit *exec.ExitError
	if err := term.wait(); !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("Ctrl-C at the question: %v, want exit status 130", err)
	}
	if screen := term.screen(); !strings.Contains(screen, "cancelled at the question for DB") {
		t.Errorf("Ctrl-C at the question: the terminal shows\n%s", screen)
	}
}

// TestQuestionsOfDependencies: dependencies load side by side, and their
// questions are asked one after the other on the one terminal.
func TestQuestionsOfDependencies(t *testing.T) {
	dir := t.TempDir()
	dep := func(name string) string {
		return "version: v2beta1\nname: " + name + "\nvars:\n  ANSWER:\n    question: Answer for " + name + "?\n" +
			"pipelines:\n  deploy: echo \"" + name + " got $ANSWER\"\n"
	}
	testbed.WriteTree(t, dir, map[string]string{
		"devspace.yaml": "version: v2beta1\nname: parent\ndependencies:\n  a:\n    path: ./a\n  b:\n    path: ./b\n" +
			"pipelines:\n  deploy: run_dependencies --all\n",
		"a/devspace.yaml": dep("a"),
		"b/devspace.yaml": dep("b"),
	})
	term := startOnTerminal(t, dir, "run-pipeline", "deploy")
	at := term.expect(0, "Answer for ")
	term.typeKeys("first" + keyEnter)
	term.expect(at, "? Answer for ")
	// The second question, drawn only once the first was answered.
	time.Sleep(300 * time.Millisecond)
	term.typeKeys("second" + keyEnter)
	if err := term.wait(); err != nil {
		t.Fatalf("devspace: %v\n%s", err, term.screen())
	}
	screen := term.screen()
	first := regexp.MustCompile(`\[(a|b)\] (a|b) got first`).FindStringSubmatch(screen)
	second := regexp.MustCompile(`\[(a|b)\] (a|b) got second`).FindStringSubmatch(screen)
	if first == nil || second == nil || first[1] == second[1] {
		t.Errorf("each dependency must get its own answer; the terminal shows:\n%s", screen)
	}
	if n := strings.Count(screen, "? Answer for "); n != 2 {
		t.Errorf("%d questions shown, want 2:\n%s", n, screen)
	}
}
