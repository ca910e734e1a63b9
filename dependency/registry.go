package dependency

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// registry is the dependency graph of one run: every edge a project asked
// for, and one node per project, so that a project reached through several
// parents (a diamond) is loaded and run once while the others wait. An
// edge that would close a cycle is refused; since only acyclic edges are
// kept and a parent waits only along an edge, waiting never deadlocks.
type registry struct {
	mu    sync.Mutex
	edges map[string][]string // project key → keys it depends on
	names map[string]string   // project key → name for messages
	nodes map[string]*node
}

// node is one project of the tree.
type node struct {
	// loading is held (a token in it) while the project loads; project
	// and loadErr are set under it, once.
	loading chan struct{}
	project *Project
	loadErr error

	started bool
	done    chan struct{}
	err     error // valid once done is closed
}

func newRegistry() *registry {
	return &registry{edges: map[string][]string{}, names: map[string]string{}, nodes: map[string]*node{}}
}

// claim is what a parent may do with a dependency.
type claim int

const (
	claimRun   claim = iota // the caller runs it
	claimWait               // it runs (or ran) elsewhere: wait for it
	claimCycle              // the edge would close a cycle: skip it
)

// node returns the project's node, made on first use.
func (r *registry) node(key, name string) *node {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nodeLocked(key, name)
}

func (r *registry) nodeLocked(key, name string) *node {
	if _, ok := r.names[key]; !ok {
		r.names[key] = name
	}
	n, ok := r.nodes[key]
	if !ok {
		n = &node{done: make(chan struct{}), loading: make(chan struct{}, 1)}
		r.nodes[key] = n
	}
	return n
}

// claim records the edge from → to and says whether the caller runs to,
// waits for it, or must skip it because the edge closes a cycle; then
// cycle is the cycle's path (`a → b → a`).
func (r *registry) claim(from, to, toName string) (n *node, c claim, cycle string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n = r.nodeLocked(to, toName)
	if path := r.pathLocked(to, from); path != nil {
		names := make([]string, 0, len(path)+1)
		for _, k := range path {
			names = append(names, r.names[k])
		}
		return n, claimCycle, strings.Join(append(names, toName), " → ")
	}
	if !slices.Contains(r.edges[from], to) {
		r.edges[from] = append(r.edges[from], to)
	}
	if n.started {
		return n, claimWait, ""
	}
	n.started = true
	return n, claimRun, ""
}

// pathLocked returns the keys of a path from → … → to along recorded
// edges, or nil when there is none.
func (r *registry) pathLocked(from, to string) []string {
	seen := map[string]bool{}
	var walk func(k string) []string
	walk = func(k string) []string {
		if k == to {
			return []string{k}
		}
		if seen[k] {
			return nil
		}
		seen[k] = true
		for _, next := range r.edges[k] {
			if rest := walk(next); rest != nil {
				return append([]string{k}, rest...)
			}
		}
		return nil
	}
	return walk(from)
}

// load loads the node's project with fn, once: later callers get the
// first result. A caller waiting for another's load stops when its ctx
// ends, and a load cut short by its ctx is not kept, so the next caller
// (whose ctx is alive) tries again.
func (n *node) load(ctx context.Context, fn func() (*Project, error)) (*Project, error) {
	select {
	case n.loading <- struct{}{}: // free: take it even if ctx has ended, as fn sees ctx too
	default:
		select {
		case n.loading <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() { <-n.loading }()
	if n.project != nil || n.loadErr != nil {
		return n.project, n.loadErr
	}
	p, err := fn()
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	n.project, n.loadErr = p, err
	return p, err
}

// finish records the outcome of a node's run and releases its waiters.
func (n *node) finish(err error) {
	n.err = err
	close(n.done)
}

// Running is a dependency run (or being run) in this run.
type Running struct {
	Project *Project
	// Done is closed when its pipeline has ended.
	Done <-chan struct{}
}

// claimedFrom lists the projects reachable from key along the recorded
// edges, nearest first. Edges are acyclic, so none of them waits, along
// an edge, for the project at key.
func (r *registry) claimedFrom(key string) []Running {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Running
	seen := map[string]bool{key: true}
	queue := []string{key}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, next := range r.edges[k] {
			if seen[next] {
				continue
			}
			seen[next] = true
			queue = append(queue, next)
			if n := r.nodes[next]; n != nil && n.project != nil {
				out = append(out, Running{Project: n.project, Done: n.done})
			}
		}
	}
	return out
}
