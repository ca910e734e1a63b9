package ui

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apply changes the state by one event (see engine.Events and the cores'
// events: PHASE:SUBJECT:NAME); events it does not know change nothing.
func (b *board) apply(job, event string, data map[string]string) {
	parts := strings.SplitN(event, ":", 3)
	if len(parts) != 3 {
		return
	}
	phase, subject, name := parts[0], parts[1], parts[2]
	b.mu.Lock()
	defer b.mu.Unlock()
	switch subject {
	case "pipeline":
		b.applyJob(phase, name, data)
	case "build":
		b.applyBuild(phase, job, b.image(name), data)
	case "deploy":
		b.applyDeploy(phase, job, b.deploy(name), data)
	case "sync", "portForwarding", "reversePortForwarding", "initialSync":
		if phase == "changes" {
			b.devConfig(name).applySyncChanges(data)
			break
		}
		b.applyDev(job, phase, subject, b.devConfig(name), data)
	case "dev":
		if phase == "log" { // a line: only the log's readers need to know
			b.applyDevLog(b.devConfig(name), data)
			b.touchLogs()
			return
		}
		b.applyDevEvent(phase, b.devConfig(name), data)
	case "builtin": // error:builtin:NAME, a builtin's failure as printed
		b.problem(job, "builtin "+name, data["error"])
	default:
		return
	}
	b.touch()
}

func (b *board) applyJob(phase, name string, data map[string]string) {
	id := data["job"]
	switch phase {
	case "start":
		b.jobs[id] = &Job{ID: id, Parent: data["parent"], Pipeline: name, Project: data["project"], State: "running", Started: time.Now().UnixMilli()}
		b.jobOrder = append(b.jobOrder, id)
		b.forgetOldJobs()
	case "end":
		j := b.jobs[id]
		if j == nil {
			return
		}
		j.Duration, _ = strconv.ParseInt(data["duration_ms"], 10, 64)
		j.State, j.Error = "done", data["error"]
		if j.Error != "" {
			j.State = "failed"
			if !b.explained(id) {
				b.problem(id, "pipeline "+name, j.Error)
			}
		}
	}
}

// explained says whether job id's failure was said already: by a
// problem of its own (a builtin's, a build's) or by a failed job it ran —
// its error then only wraps that one, or is a bare exit status.
func (b *board) explained(id string) bool {
	for _, p := range b.problems {
		if p.Job == id {
			return true
		}
	}
	for _, j := range b.jobs {
		if j.Parent == id && j.State == "failed" {
			return true
		}
	}
	return false
}

func (b *board) applyBuild(phase, job string, img *Image, data map[string]string) {
	if phase == "log" {
		img.lines.add(data["line"], maxLogLines)
		return
	}
	img.Job = job
	if v := data["image_name"]; v != "" {
		img.Image = v
	}
	var bases []string
	if json.Unmarshal([]byte(data["bases"]), &bases) == nil && bases != nil {
		img.Bases = bases
	}
	if v := data["reason"]; v != "" {
		img.Reason = v
	}
	switch phase {
	case "before":
		img.State, img.Error, img.Duration, img.ContextBytes = "building", "", 0, nil
		img.lines = lineRing{}
	case "skip":
		img.State = "skipped"
	case "after", "error":
		img.Builds++
		img.Duration, _ = strconv.ParseInt(data["duration_ms"], 10, 64)
		img.logFile = data["log_file"]
		if n, err := strconv.ParseInt(data["context_bytes"], 10, 64); err == nil {
			img.ContextBytes = &n
		}
		img.State = "built"
		if phase == "error" {
			img.State, img.Error = "failed", data["error"]
			b.problem(job, "image "+img.Name, img.Error)
		}
	}
}

func (b *board) applyDeploy(phase, job string, d *Deployment, data map[string]string) {
	d.Job = job
	switch phase {
	case "before":
		d.State, d.Error, d.Ready, d.Reason = "deploying", "", "", ""
	case "after":
		d.State = "deployed"
	case "skip":
		d.State = "unchanged"
	case "error":
		d.State, d.Error = "failed", data["error"]
		b.problem(job, "deployment "+d.Name, d.Error)
	case "ready":
		d.Ready, d.Reason = data["ready"], data["reason"]
	}
}

func (b *board) applyDev(job, phase, kind string, d *DevConfig, data map[string]string) {
	d.Services[kind] = phase
	if v := data["ports"]; v != "" && kind == "portForwarding" {
		d.Ports = strings.Split(v, ",")
	}
	if v := data["ports"]; v != "" && kind == "reversePortForwarding" {
		d.ReversePorts = strings.Split(v, ",")
	}
	if v := data["sync_path"]; v != "" {
		d.syncState(v)
	}
	if e := data["error"]; e != "" {
		d.Error = e
		b.problem(job, "dev "+d.Name+" "+kind, e)
	}
}

// position finds the first FILE.yaml:LINE:COL an error names; compiled
// on first use (the package does nothing at start-up: every run links it).
var (
	positionOnce sync.Once
	positionRE   *regexp.Regexp
)

func position() *regexp.Regexp {
	positionOnce.Do(func() { positionRE = regexp.MustCompile(`([^\s:"']+\.ya?ml):(\d+):(\d+)`) })
	return positionRE
}

// problem records an error (b.mu held), dropping the oldest beyond
// maxProblems.
func (b *board) problem(job, source, msg string) {
	p := Problem{Job: job, Source: source, Message: msg}
	if m := position().FindStringSubmatch(msg); m != nil {
		p.File = m[1]
		p.Line, _ = strconv.Atoi(m[2])
		p.Col, _ = strconv.Atoi(m[3])
	}
	b.problems = append(b.problems, p)
	if len(b.problems) > maxProblems {
		b.problems = slices.Delete(b.problems, 0, len(b.problems)-maxProblems)
	}
}
