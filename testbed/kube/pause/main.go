// Command pause is the test bed's pod sandbox ("pause") program: it holds a
// pod's namespaces open and does nothing else. No pause image can be pulled
// here, so testbed/testbed builds this static program into an image FROM
// scratch. As PID 1 of the sandbox it reaps orphaned children (else they
// stay zombies) and exits 0 on SIGTERM/SIGINT, as the upstream pause does.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		// Reap every child that has exited; WNOHANG: do not block
		// while others still run.
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
