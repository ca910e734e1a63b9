package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestReadOnlyCgroups: of a container's mountinfo, only the read-only
// cgroup mounts are picked, with their flags and unescaped paths.
func TestReadOnlyCgroups(t *testing.T) {
	const mountinfo = `1 0 0:1 / / rw,relatime - overlay overlay rw
2 1 0:2 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
3 2 0:3 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755
4 3 0:4 /devspace-testbed/pod1/c1 /sys/fs/cgroup/cpuset ro,nosuid,nodev,noexec,relatime master:9 - cgroup cgroup rw,cpuset
5 3 0:5 /x /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
6 3 0:6 /y /sys/fs/cgroup/a\040b ro,nodev - cgroup2 cgroup2 rw
`
	got, err := readOnlyCgroups(strings.NewReader(mountinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{
		{"/sys/fs/cgroup/cpuset", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC | syscall.MS_RELATIME},
		{"/sys/fs/cgroup/a b", syscall.MS_NODEV},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mount %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
