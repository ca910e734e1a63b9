package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// runOnTerminal runs cmd on a new pseudo-terminal sized and typed as the
// client asked, as the leader of its own session with the terminal as its
// controlling one (so that job control and ^C work in a shell).
func (s *session) runOnTerminal(cmd *exec.Cmd) error {
	master, slave, err := openPTY()
	if err != nil {
		return err
	}
	defer master.Close()
	s.mu.Lock()
	s.pty = master
	s.mu.Unlock()
	s.resize(s.term.Cols, s.term.Rows)
	if s.term.Term != "" {
		cmd.Env = append(cmd.Env, "TERM="+s.term.Term)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	slave.Close() // the child holds it now; its end makes master reads fail
	if err != nil {
		return err
	}
	go func() { _, _ = io.Copy(master, s.ch) }()
	output := make(chan struct{})
	go func() {
		_, _ = io.Copy(s.ch, master) // ends with EIO once the terminal has no process left
		close(output)
	}()
	err = cmd.Wait()
	<-output
	return err
}

// resize sets the terminal's size, once there is one.
func (s *session) resize(cols, rows uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pty == nil {
		if s.term != nil {
			s.term.Cols, s.term.Rows = cols, rows
		}
		return
	}
	ws := &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}
	_ = unix.IoctlSetWinsize(int(s.pty.Fd()), unix.TIOCSWINSZ, ws)
}

// openPTY opens a pseudo-terminal pair through /dev/ptmx.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open a terminal: %w", err)
	}
	fd := int(master.Fd())
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	}
	if err == nil {
		slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err != nil {
		master.Close()
		return nil, nil, errors.Join(errors.New("open a terminal"), err)
	}
	return master, slave, nil
}
