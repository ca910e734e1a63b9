package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// onTerminal runs Ask on a pseudo-terminal, typing keys one chunk at a
// time, and returns the answer, what was drawn and the error.
func onTerminal(t *testing.T, q Question, keys ...string) (answer, drawn string, err error) {
	t.Helper()
	master, tty, openErr := pty.Open()
	if openErr != nil {
		t.Fatal(openErr)
	}
	defer master.Close()
	var out bytes.Buffer
	var mu sync.Mutex
	copied := make(chan struct{})
	go func() { // ends when master is closed
		defer close(copied)
		buf := make([]byte, 1024)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	type result struct {
		answer string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		a, err := Ask(context.Background(), tty, tty, q)
		done <- result{a, err}
	}()
	for _, k := range keys {
		time.Sleep(50 * time.Millisecond)
		if _, err := io.WriteString(master, k); err != nil {
			t.Fatal(err)
		}
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Ask did not return")
	}
	time.Sleep(50 * time.Millisecond)
	tty.Close()
	master.Close()
	<-copied
	mu.Lock()
	defer mu.Unlock()
	return r.answer, out.String(), r.err
}

func TestChoose(t *testing.T) {
	q := Question{Text: "Pick?", Options: []string{"a", "b", "c"}, Default: "b"}
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"\r"}, "b"},                // the default is selected first
		{[]string{"\x1b[B", "\r"}, "c"},      // down
		{[]string{"\x1b[B\x1b[B\r"}, "a"},    // keys in one chunk, wrapping around
		{[]string{"k", "k", "j", "\r"}, "a"}, // vi keys
		{[]string{"3", "\x1bOA", "\n"}, "b"}, // a digit, then up in application mode
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.keys), func(t *testing.T) {
			got, drawn, err := onTerminal(t, q, tc.keys...)
			if err != nil || got != tc.want {
				t.Fatalf("Ask = %q, %v; want %q\n%s", got, err, tc.want, drawn)
			}
			if !strings.HasSuffix(drawn, "? Pick? "+tc.want+"\r\n") {
				t.Errorf("the answer is not left on the terminal:\n%q", drawn)
			}
		})
	}
}

func TestReadLine(t *testing.T) {
	check := func(s string) error {
		if s != "ok" && s != "dflt" {
			return errors.New("say ok")
		}
		return nil
	}
	got, drawn, err := onTerminal(t, Question{Text: "Say?", Check: check}, "nope\r", "ok\r")
	if err != nil || got != "ok" || !strings.Contains(drawn, "✗ say ok") {
		t.Errorf("Ask = %q, %v\n%q", got, err, drawn)
	}
	got, _, err = onTerminal(t, Question{Text: "Say?", Default: "dflt", Check: check}, "\r")
	if err != nil || got != "dflt" {
		t.Errorf("Enter on an empty line = %q, %v; want the default", got, err)
	}
}

func TestPasswordNotEchoed(t *testing.T) {
	got, drawn, err := onTerminal(t, Question{Text: "Secret?", Password: true}, "hunter2\r")
	if err != nil || got != "hunter2" {
		t.Fatalf("Ask = %q, %v", got, err)
	}
	if strings.Contains(drawn, "hunter2") {
		t.Errorf("the password was echoed:\n%q", drawn)
	}
	if !strings.Contains(drawn, "? Secret? ***") {
		t.Errorf("no summary line:\n%q", drawn)
	}
}

func TestAbort(t *testing.T) {
	for _, q := range []Question{{Text: "Pick?", Options: []string{"a"}}, {Text: "Say?"}, {Text: "Secret?", Password: true}} {
		if _, _, err := onTerminal(t, q, "\x03"); !errors.Is(err, ErrAborted) {
			t.Errorf("%s Ctrl-C: err = %v, want ErrAborted", q.Text, err)
		}
	}
}
