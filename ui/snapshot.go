package ui

import "slices"

// Project is what `devspace ui` shows before anything ran: the config's
// names.
type Project struct {
	Name        string   `json:"name"`
	Images      []string `json:"-"`
	Deployments []string `json:"-"`
	Dev         []string `json:"-"`
	// Bases are the project images each image builds on, as its
	// Dockerfile says before any build (build events say it again).
	Bases map[string][]string `json:"-"`
	// Actions says whether the page may start builds (rebuild buttons).
	Actions bool `json:"actions"`
	// DevActions says whether it may restart dev containers and open
	// their forwarded ports.
	DevActions bool `json:"devActions"`
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
	// ContextBytes is the build context the last build sent to its
	// builder; null when it ran no build or its builder does not count.
	ContextBytes *int64 `json:"contextBytes"`
	logFile      string
	// lines are the last maxLogLines of this build's log, as it runs.
	lines lineRing
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

// DevConfig is one dev config's session: its services (sync, port
// forwarding, …) and what each last did, its syncs' state and its
// containers' logs.
type DevConfig struct {
	Name     string            `json:"name"`
	Services map[string]string `json:"services"`
	// Running says the session runs (in this process).
	Running bool `json:"running"`
	// Ports are the forwarded ports (LOCAL:REMOTE), ReversePorts the
	// reverse ones, Syncs the synced paths (LOCAL:REMOTE) and what each did.
	Ports        []string    `json:"ports"`
	ReversePorts []string    `json:"reversePorts"`
	Syncs        []SyncState `json:"syncs"`
	// Logs count each container's log lines; the lines are in logs (the
	// last maxDevLogLines), sent by api/devlog.
	Logs  []LogCount `json:"logs"`
	Error string     `json:"error,omitempty"`
	logs  map[string]*lineRing
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
		s.Dev = append(s.Dev, copyDev(b.dev[n]))
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
	_, lines = img.lines.since(0)
	return "", lines
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
