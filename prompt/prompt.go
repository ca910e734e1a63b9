// Package prompt asks the user a question on the terminal: a line of text
// (with line editing) checked until it is valid, a password that is not
// echoed, or a choice among options made with the arrow keys. It stands on
// golang.org/x/term (raw mode, its line editor and password reader), which
// costs nothing at start-up; nothing of it runs unless a question is asked.
package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Question is one thing to ask.
type Question struct {
	// Text is the question as shown.
	Text string
	// Default is the answer given when the user just presses Enter; with
	// Options it is the one selected first.
	Default string
	// Options, when set, are the only answers: the user picks one.
	Options []string
	// Password hides what the user types.
	Password bool
	// Check says why an answer is not acceptable; the user is asked again.
	Check func(string) error
}

// ErrAborted is returned when the user cancels the question (Ctrl-C,
// Ctrl-D).
var ErrAborted = errors.New("question cancelled")

// Ask asks q on the terminal in, drawing on out, and leaves the question
// with its answer on out (a password shown as ***). The terminal is out of
// raw mode again when Ask returns, and as soon as ctx is cancelled (a
// signal: devspace is about to exit while the question waits for a key).
func Ask(ctx context.Context, in *os.File, out io.Writer, q Question) (string, error) {
	fd := int(in.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	defer term.Restore(fd, state)
	stop := context.AfterFunc(ctx, func() { _ = term.Restore(fd, state) })
	defer stop()
	rw := &terminal{in: in, out: out}
	var answer string
	if len(q.Options) > 0 {
		answer, err = choose(rw, q)
	} else {
		answer, err = readLine(rw, q)
	}
	if err != nil {
		return "", err
	}
	switch {
	case len(q.Options) > 0: // the list made way for the answer
		fmt.Fprintf(out, "? %s %s\r\n", q.Text, answer)
	case q.Password: // the line shows the question alone: say it was given
		fmt.Fprintf(out, "\x1b[1A\r\x1b[K? %s ***\r\n", q.Text)
	}
	return answer, nil
}

// terminal joins the two sides for term.Terminal.
type terminal struct {
	in  io.Reader
	out io.Writer
}

func (t *terminal) Read(p []byte) (int, error)  { return t.in.Read(p) }
func (t *terminal) Write(p []byte) (int, error) { return t.out.Write(p) }

// readLine reads a line (or a password, not echoed) until Check accepts
// it; an empty line is the default.
func readLine(rw *terminal, q Question) (string, error) {
	prompt := "? " + q.Text + " "
	if q.Default != "" && !q.Password {
		prompt += "(" + q.Default + ") "
	}
	t := term.NewTerminal(rw, prompt)
	for {
		var line string
		var err error
		if q.Password {
			line, err = t.ReadPassword(prompt)
		} else {
			line, err = t.ReadLine()
		}
		if errors.Is(err, io.EOF) {
			return "", ErrAborted
		}
		if err != nil && !errors.Is(err, term.ErrPasteIndicator) {
			return "", err
		}
		if line == "" {
			line = q.Default
		}
		if q.Check == nil {
			return line, nil
		}
		checkErr := q.Check(line)
		if checkErr == nil {
			return line, nil
		}
		fmt.Fprintf(rw, "✗ %v\r\n", checkErr)
	}
}

// choose lets the user move through the options with the arrow keys (or
// j/k, or a digit) and pick one with Enter.
func choose(rw *terminal, q Question) (string, error) {
	at := max(0, indexOf(q.Options, q.Default))
	fmt.Fprintf(rw, "? %s (arrow keys, Enter)\r\n", q.Text)
	draw := func(first bool) {
		if !first {
			fmt.Fprintf(rw, "\x1b[%dA", len(q.Options))
		}
		for i, o := range q.Options {
			marker := "  "
			if i == at {
				marker = "> "
			}
			fmt.Fprintf(rw, "\r\x1b[K%s%s\r\n", marker, o)
		}
	}
	draw(true)
	buf := make([]byte, 64)
	for {
		n, err := rw.Read(buf)
		if err != nil {
			return "", err
		}
		// Keys typed quickly arrive together: take them one by one.
		for keys := string(buf[:n]); keys != ""; {
			var key string
			key, keys = nextKey(keys)
			switch {
			case key == "\x1b[A" || key == "\x1bOA" || key == "k":
				at = (at + len(q.Options) - 1) % len(q.Options)
			case key == "\x1b[B" || key == "\x1bOB" || key == "j":
				at = (at + 1) % len(q.Options)
			case len(key) == 1 && key[0] >= '1' && key[0] <= '9' && int(key[0]-'1') < len(q.Options):
				at = int(key[0] - '1')
			case key == "\r" || key == "\n":
				// The list and its title make way for the summary line.
				fmt.Fprintf(rw, "\x1b[%dA\r\x1b[J", len(q.Options)+1)
				return q.Options[at], nil
			case key == "\x03" || key == "\x04":
				return "", ErrAborted
			default:
				continue
			}
			draw(false)
		}
	}
}

// nextKey splits the first key off what the terminal sent: an escape
// sequence (ESC [ or ESC O, then up to its final letter) or one byte.
func nextKey(s string) (key, rest string) {
	if len(s) >= 3 && s[0] == 0x1b && (s[1] == '[' || s[1] == 'O') {
		for i := 2; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return s[:i+1], s[i+1:]
			}
		}
		return s, ""
	}
	return s[:1], s[1:]
}

func indexOf(items []string, s string) int {
	for i, it := range items {
		if it == s {
			return i
		}
	}
	return -1
}
