package ui

import (
	"slices"
	"sync"
)

// board is the state, changed by events; every change wakes the page's
// streams.
type board struct {
	mu      sync.Mutex
	version uint64
	// logVersion counts the changes of the dev logs alone (touchLogs).
	logVersion uint64
	changed    chan struct{} // closed and replaced at each change
	project    Project
	jobs       map[string]*Job
	jobOrder   []string
	images     map[string]*Image
	deploys    map[string]*Deployment
	dev        map[string]*DevConfig
	problems   []Problem
}

func newBoard() *board {
	return &board{changed: make(chan struct{}), jobs: map[string]*Job{}, images: map[string]*Image{},
		deploys: map[string]*Deployment{}, dev: map[string]*DevConfig{}}
}

// setProject lists the config's images (with the bases their Dockerfiles
// name), deployments and dev configs as pending until events say more.
func (b *board) setProject(p Project) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.project = p
	for _, n := range p.Images {
		if bases := p.Bases[n]; len(bases) > 0 {
			b.image(n).Bases = slices.Clone(bases)
		} else {
			b.image(n)
		}
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
	b.wake()
}

// wake wakes the page's streams (b.mu held).
func (b *board) wake() {
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
