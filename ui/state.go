package ui

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Project is what `devspace ui` shows before anything ran: the config's
// names.
type Project struct {
	Name        string   `json:"name"`
	Images      []string `json:"-"`
	Deployments []string `json:"-"`
	Dev         []string `json:"-"`
	// Actions says whether the page may start builds (rebuild buttons).
	Actions bool `json:"actions"`
}

// Job is one pipeline run.
type Job struct {
	ID       string `json:"id"`
	Parent   string `json:"parent,omitempty"`
	Pipeline string `json:"pipeline"`
	Project  string `json:"project,omitempty"`
	State    string `json:"state"` // running, done, failed
	Started  int64  `json:"started"`
	Duration int64  `json:"durationMs"`
	Error    string `json:"error,omitempty"`
}

// Image is one image of the build graph.
type Image struct {
	Name     string   `json:"name"`
	Image    string   `json:"image,omitempty"`
	Bases    []string `json:"bases"`
	State    string   `json:"state"` // pending, building, built, skipped, failed
	Reason   string   `json:"reason,omitempty"`
	Duration int64    `json:"durationMs"`
	Error    string   `json:"error,omitempty"`
	Builds   int      `json:"builds"`
	Job      string   `json:"job,omitempty"`
	logFile  string
	// lines are the last maxLogLines of this build's log, as it runs.
	lines []string
}

// Deployment is one deployment and its readiness.
type Deployment struct {
	Name   string `json:"name"`
	State  string `json:"state"` // pending, deploying, deployed, unchanged, failed
	Ready  string `json:"ready"` // "", true, false
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
	Job    string `json:"job,omitempty"`
}

// DevConfig is one dev config's services (sync, port forwarding, …) and
// what each last did.
type DevConfig struct {
	Name     string            `json:"name"`
	Services map[string]string `json:"services"`
	// Ports are the forwarded ports (LOCAL:REMOTE), ReversePorts the
	// reverse ones, Syncs the synced paths (LOCAL:REMOTE).
	Ports        []string `json:"ports"`
	ReversePorts []string `json:"reversePorts"`
	Syncs        []string `json:"syncs"`
	Error        string   `json:"error,omitempty"`
}

// Problem is an error of the run, with the devspace.yaml position it
// names, when it names one.
type Problem struct {
	Source  string `json:"source"`
	Job     string `json:"job,omitempty"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
}

// Snapshot is the whole state the page shows.
type Snapshot struct {
	Version     uint64       `json:"version"`
	Project     Project      `json:"project"`
	Jobs        []Job        `json:"jobs"`
	Images      []Image      `json:"images"`
	Deployments []Deployment `json:"deployments"`
	Dev         []DevConfig  `json:"dev"`
	Problems    []Problem    `json:"problems"`
}

// maxProblems, maxJobs and maxLogLines bound the errors, finished
// pipeline runs and live log lines kept: a long dev session (actions run
// again and again) must not grow without end.
const (
	maxProblems = 200
	maxJobs     = 500
	maxLogLines = 2000
)

// board is the state, changed by events; every change wakes the page's
// streams.
type board struct {
	mu       sync.Mutex
	version  uint64
	changed  chan struct{} // closed and replaced at each change
	project  Project
	jobs     map[string]*Job
	jobOrder []string
	images   map[string]*Image
	deploys  map[string]*Deployment
	dev      map[string]*DevConfig
	problems []Problem
}

func newBoard() *board {
	return &board{changed: make(chan struct{}), jobs: map[string]*Job{}, images: map[string]*Image{},
		deploys: map[string]*Deployment{}, dev: map[string]*DevConfig{}}
}

// setProject lists the config's images, deployments and dev configs as
// pending until events say more.
func (b *board) setProject(p Project) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.project = p
	for _, n := range p.Images {
		b.image(n)
	}
	for _, n := range p.Deployments {
		b.deploy(n)
	}
	for _, n := range p.Dev {
		b.devConfig(n)
	}
	b.touch()
}

// touch records a change (b.mu held).
func (b *board) touch() {
	b.version++
	close(b.changed)
	b.changed = make(chan struct{})
}

// wait returns a channel closed at the next change.
func (b *board) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b *board) image(name string) *Image {
	img := b.images[name]
	if img == nil {
		img = &Image{Name: name, State: "pending", Bases: []string{}}
		b.images[name] = img
	}
	return img
}

func (b *board) deploy(name string) *Deployment {
	d := b.deploys[name]
	if d == nil {
		d = &Deployment{Name: name, State: "pending"}
		b.deploys[name] = d
	}
	return d
}

func (b *board) devConfig(name string) *DevConfig {
	d := b.dev[name]
	if d == nil {
		d = &DevConfig{Name: name, Services: map[string]string{}}
		b.dev[name] = d
	}
	return d
}

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
		b.applyDev(job, phase, subject, b.devConfig(name), data)
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
		img.lines = append(img.lines, data["line"])
		if len(img.lines) > maxLogLines {
			img.lines = slices.Delete(img.lines, 0, len(img.lines)-maxLogLines)
		}
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
		img.State, img.Error, img.Duration = "building", "", 0
		img.lines = img.lines[:0]
	case "skip":
		img.State = "skipped"
	case "after", "error":
		img.Builds++
		img.Duration, _ = strconv.ParseInt(data["duration_ms"], 10, 64)
		img.logFile = data["log_file"]
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
	if v := data["sync_path"]; v != "" && !slices.Contains(d.Syncs, v) {
		d.Syncs = append(d.Syncs, v)
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

// snapshot copies the state, each list sorted by name (jobs by start).
func (b *board) snapshot() Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Snapshot{Version: b.version, Project: b.project, Jobs: []Job{}, Images: []Image{}, Deployments: []Deployment{},
		Dev: []DevConfig{}, Problems: slices.Clone(b.problems)}
	for _, id := range b.jobOrder {
		s.Jobs = append(s.Jobs, *b.jobs[id])
	}
	for _, n := range sortedKeys(b.images) {
		s.Images = append(s.Images, *b.images[n])
	}
	for _, n := range sortedKeys(b.deploys) {
		s.Deployments = append(s.Deployments, *b.deploys[n])
	}
	for _, n := range sortedKeys(b.dev) {
		d := *b.dev[n]
		d.Services = maps.Clone(d.Services)
		d.Ports = append([]string{}, d.Ports...)
		d.ReversePorts = append([]string{}, d.ReversePorts...)
		d.Syncs = append([]string{}, d.Syncs...)
		s.Dev = append(s.Dev, d)
	}
	if s.Problems == nil {
		s.Problems = []Problem{}
	}
	return s
}

// buildLog is image name's last build log: its file once the build ended
// (path), else the lines seen so far (a build running, a skip's reason).
func (b *board) buildLog(name string) (path string, lines []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	img := b.images[name]
	if img == nil {
		return "", nil
	}
	if img.logFile != "" && (img.State == "built" || img.State == "failed") {
		return img.logFile, nil
	}
	return "", slices.Clone(img.lines)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (b *board) hasImage(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.images[name]
	return ok
}

func (b *board) hasDeployment(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.deploys[name]
	return ok
}

// forgetOldJobs drops the oldest finished jobs beyond maxJobs (b.mu held).
func (b *board) forgetOldJobs() {
	for i := 0; len(b.jobOrder) > maxJobs && i < len(b.jobOrder); {
		id := b.jobOrder[i]
		if b.jobs[id].State == "running" {
			i++
			continue
		}
		delete(b.jobs, id)
		b.jobOrder = slices.Delete(b.jobOrder, i, i+1)
	}
}
