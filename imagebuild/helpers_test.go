package imagebuild

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/devspace-engine/devspace/config"
)

func strp(s string) *string { return &s }

// gateBuilder records what builds do; fn decides how each one ends.
type gateBuilder struct {
	mu      sync.Mutex
	events  []string
	calls   map[string]int
	running atomic.Int32
	peak    atomic.Int32
	started chan string
	fn      func(ctx context.Context, req Request) (Result, error)
}

func newGate(fn func(ctx context.Context, req Request) (Result, error)) *gateBuilder {
	return &gateBuilder{calls: map[string]int{}, started: make(chan string, 100), fn: fn}
}

func (g *gateBuilder) Build(ctx context.Context, req Request) (Result, error) {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	g.log("start "+req.Name, req.Name)
	g.started <- req.Name
	res, err := g.fn(ctx, req)
	g.log("end "+req.Name, "")
	return res, err
}

func (g *gateBuilder) log(event, call string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, event)
	if call != "" {
		g.calls[call]++
	}
}

// Builder kinds for the core's tests, shaped like the real ones (which
// live in the builders' packages, and those import this one).
var (
	testDocker = &Kind{Name: "docker", Claims: func(img *config.Image) bool { return img.Docker != nil },
		Place: func(*config.Image) Place { return PlaceDaemon },
		Options: func(img *config.Image) any {
			if img.Docker == nil {
				return nil
			}
			return struct {
				Args []string `json:",omitempty"`
			}{img.Docker.Args}
		}}
	testKaniko = &Kind{Name: "kaniko", Claims: func(img *config.Image) bool { return img.Kaniko != nil },
		Place: func(*config.Image) Place { return PlaceRegistry }}
	testCustom = &Kind{Name: "custom", Claims: func(img *config.Image) bool { return img.Custom != nil },
		Watch: func(img *config.Image) []string { return img.Custom.OnChange },
		Options: func(img *config.Image) any {
			if img.Custom == nil {
				return nil
			}
			return img.Custom
		}}
	testKinds = Kinds{Default: testDocker, List: []*Kind{testCustom, testDocker, testKaniko}}
)
