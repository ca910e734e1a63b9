// Command entrypoint starts buildkitd in the test bed's BuildKit image.
//
// A container that is not privileged gets its cgroup v1 hierarchies
// mounted read-only, and a rootful buildkitd then fails every RUN step
// (`mkdir /sys/fs/cgroup/cpuset/buildkit: read-only file system`): runc
// makes a cgroup per step below the container's own. So when the
// container has CAP_SYS_ADMIN, entrypoint first remounts those mounts
// read-write; then it replaces itself with buildkitd, passing on its
// arguments. Without the capability the remount fails, which it reports
// and ignores (a rootless or cgroup v2 setup may not need it).
//
// The image has no shell: this is a static program so that the remount
// needs nothing else.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

const buildkitd = "/usr/bin/buildkitd"

func main() {
	if err := remountCgroups(); err != nil {
		fmt.Fprintf(os.Stderr, "entrypoint: cgroups stay read-only: %v\n", err)
	}
	args := append([]string{buildkitd}, os.Args[1:]...)
	err := syscall.Exec(buildkitd, args, os.Environ())
	fmt.Fprintf(os.Stderr, "entrypoint: exec %s: %v\n", buildkitd, err)
	os.Exit(127)
}

// remountCgroups remounts every read-only cgroup mount read-write, keeping
// its other per-mount flags.
func remountCgroups() error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	mounts, err := readOnlyCgroups(f)
	if err != nil {
		return err
	}
	for _, m := range mounts {
		// runc makes these mounts as binds and then remounts them
		// read-only: MS_BIND|MS_REMOUNT changes only this mount's flags,
		// not the hierarchy's (which the host shares).
		if err := syscall.Mount("", m.point, "", syscall.MS_REMOUNT|syscall.MS_BIND|m.flags, ""); err != nil {
			return fmt.Errorf("remounting %s read-write: %w", m.point, err)
		}
	}
	return nil
}

type mount struct {
	point string
	flags uintptr // per-mount flags to keep (nosuid, nodev, noexec, …)
}

// readOnlyCgroups parses mountinfo (proc(5)) and returns the read-only
// mounts of type cgroup or cgroup2.
func readOnlyCgroups(r io.Reader) ([]mount, error) {
	var out []mount
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// ID parent major:minor root point options [optional…] - type source super
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(fields) {
			continue
		}
		if typ := fields[sep+1]; typ != "cgroup" && typ != "cgroup2" {
			continue
		}
		opts := strings.Split(fields[5], ",")
		ro := false
		var flags uintptr
		for _, o := range opts {
			switch o {
			case "ro":
				ro = true
			case "nosuid":
				flags |= syscall.MS_NOSUID
			case "nodev":
				flags |= syscall.MS_NODEV
			case "noexec":
				flags |= syscall.MS_NOEXEC
			case "noatime":
				flags |= syscall.MS_NOATIME
			case "nodiratime":
				flags |= syscall.MS_NODIRATIME
			case "relatime":
				flags |= syscall.MS_RELATIME
			}
		}
		if ro {
			out = append(out, mount{point: unescape(fields[4]), flags: flags})
		}
	}
	return out, sc.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for a space, …).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
