package engine

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestIsTerminalThroughCheckedWriter: stdout wrapped to check its writes
// is still a terminal when it is one (secret masking and children's
// process groups depend on it), and children get the terminal itself.
func TestIsTerminalThroughCheckedWriter(t *testing.T) {
	tty := openPTY(t)
	w := NewCheckedWriter(tty)
	if !IsTerminal(w) {
		t.Error("IsTerminal(CheckedWriter(pty)) = false, want true")
	}
	if got := ChildWriter(w); got != tty {
		t.Errorf("ChildWriter = %T, want the terminal itself", got)
	}
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer pw.Close()
	if IsTerminal(NewCheckedWriter(pw)) {
		t.Error("IsTerminal(CheckedWriter(pipe)) = true, want false")
	}
}

// openPTY opens a pseudo-terminal and returns its terminal side.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("this test needs /dev/ptmx (Linux): %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}
