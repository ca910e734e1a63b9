package dev

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"syscall"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/statefile"
)

// SessionRecord is a running dev session as start_dev records it in the
// project's .devspace/dev.json: enter, logs and sync, given no selector,
// go to its pod first. The process that runs it removes it when the
// session stops; a record whose process is gone (kill -9) is ignored.
type SessionRecord struct {
	Name string `json:"name"`
	// The selector of the session's pods: the dev copy's when the
	// workload was replaced, so that the original's pods, still
	// terminating, are never chosen.
	Namespace     string            `json:"namespace"`
	LabelSelector map[string]string `json:"labelSelector,omitempty"`
	ImageSelector string            `json:"imageSelector,omitempty"`
	Container     string            `json:"container,omitempty"`
	// Pod is the pod selected when the session started (for messages).
	Pod  string `json:"pod"`
	Host string `json:"host"`
	PID  int    `json:"pid"`
}

// Selector is the record's pod selector.
func (r SessionRecord) Selector() kube.Selector {
	return kube.Selector{Namespace: r.Namespace, LabelSelector: r.LabelSelector, ImageSelector: r.ImageSelector, Container: r.Container}
}

// SessionsFile is where the dev sessions of the config at configPath are
// recorded.
func SessionsFile(configPath string) string { return statefile.ProjectFile(configPath, "dev") }

// RunningSessions are the recorded sessions whose process runs, by dev
// config name; no file means none.
func RunningSessions(path string) (map[string]SessionRecord, error) {
	all, err := readSessions(path)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	for name, r := range all {
		if r.Host != host || !processRuns(r.PID) {
			delete(all, name)
		}
	}
	return all, nil
}

func readSessions(path string) (map[string]SessionRecord, error) {
	out := map[string]SessionRecord{}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dev sessions: %w", err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("dev sessions %s: %w (delete the file if no devspace dev runs)", path, err)
	}
	return out, nil
}

// updateSessions changes the record file under its lock; an empty map
// removes the file.
func updateSessions(path string, change func(map[string]SessionRecord)) error {
	return statefile.Locked(path, func() error {
		all, err := readSessions(path)
		if err != nil {
			all = map[string]SessionRecord{} // a broken file is rewritten
		}
		change(all)
		if len(all) == 0 {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		}
		data, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return err
		}
		return statefile.WriteAtomic(path, append(data, '\n'))
	})
}

// recordSession records this process's session of dev config name.
func recordSession(path, name string, sel kube.Selector, pod kube.Pod) error {
	host, _ := os.Hostname()
	r := SessionRecord{Name: name, Namespace: pod.Namespace, LabelSelector: sel.LabelSelector, ImageSelector: sel.ImageSelector,
		Container: sel.Container, Pod: pod.Name, Host: host, PID: os.Getpid()}
	return updateSessions(path, func(all map[string]SessionRecord) { all[name] = r })
}

// forgetSession removes the record of dev config name if this process
// wrote it.
func forgetSession(path, name string) error {
	return updateSessions(path, func(all map[string]SessionRecord) {
		if r, ok := all[name]; ok && r.PID == os.Getpid() {
			delete(all, name)
		}
	})
}

// processRuns says whether process pid is alive on this machine.
func processRuns(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if runtime.GOOS == "windows" {
		return true // FindProcess fails there for a process that is gone
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
