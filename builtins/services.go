package builtins

import (
	"context"
	"io"
	"sync"

	"github.com/devspace-engine/devspace/buildimages"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dependency"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/localregistry"
)

// Services are the process-wide cores builtins may use. One value is made
// per process and shared by every builtin call, dependency pipelines
// included, so that the build limit is one bound for the whole process.
type Services struct {
	// Limiter bounds concurrent builds across the process.
	Limiter *imagebuild.Limiter
	// ClusterLimiter bounds concurrent builds in the cluster across the
	// process: they load the cluster, not this machine.
	ClusterLimiter *imagebuild.Limiter
	// Board is where every project's build_images calls share the images
	// they build, for projects that build FROM a dependency's image.
	Board *imagebuild.Board

	// Dependencies runs the tree's dependencies (run_dependencies,
	// get_image --dependency); nil in a run without a config.
	Dependencies *dependency.Runner

	kube       kubeClients
	registries localRegistries

	devOnce sync.Once
	devMgr  *dev.Manager

	agentMu sync.Mutex
	agent   *agent.Agent

	dockerOnce sync.Once
	docker     *docker.Builder
	dockerErr  error
}

// NewServices returns services with a build limit of maxBuilds (0: a
// default chosen from the CPU count).
func NewServices(maxBuilds int) *Services {
	return &Services{Limiter: imagebuild.NewLimiter(maxBuilds), ClusterLimiter: imagebuild.NewLimiter(ClusterBuildLimit),
		Board: imagebuild.NewBoard()}
}

// ClusterBuildLimit is how many images build in the cluster at once.
const ClusterBuildLimit = 8

// Docker connects to the Docker Engine once, on first use: a pipeline
// that builds nothing never touches the daemon.
func (s *Services) Docker(ctx context.Context, getenv func(string) string) (*docker.Builder, error) {
	s.dockerOnce.Do(func() {
		s.docker, s.dockerErr = docker.New(ctx, docker.Options{Getenv: getenv})
	})
	return s.docker, s.dockerErr
}

// buildConnections are the connections and limits build_images uses,
// with the call's environment and kube flags.
func (s *Services) buildConnections(c *engine.Call) buildimages.Connections {
	return buildimages.Connections{
		Docker:         func(ctx context.Context) (*docker.Builder, error) { return s.Docker(ctx, c.Getenv) },
		Kube:           func() (*kube.Client, error) { return s.Kube(c) },
		Limiter:        s.Limiter,
		ClusterLimiter: s.ClusterLimiter,
		Board:          s.Board,
		Upstream:       s.upstream,
		LocalRegistry: func(ctx context.Context, cfg *config.Config, log io.Writer) (*localregistry.Registry, error) {
			return s.LocalRegistry(ctx, c, cfg, log)
		},
	}
}

// upstream lists the dependencies that ctx's project runs in this run,
// with their images, for build_images to build FROM them.
func (s *Services) upstream(ctx context.Context) []buildimages.Upstream {
	if s.Dependencies == nil {
		return nil
	}
	var out []buildimages.Upstream
	for _, d := range s.Dependencies.Running(ctx) {
		images := map[string]string{}
		for name, img := range d.Project.Config.Images {
			images[name] = img.Image
		}
		out = append(out, buildimages.Upstream{Name: d.Project.Name, ConfigPath: d.Project.Config.Path, Images: images, Running: d.Done})
	}
	return out
}

// dev is the process's dev manager, made on first use.
func (s *Services) dev() *dev.Manager {
	s.devOnce.Do(func() { s.devMgr = dev.NewManager() })
	return s.devMgr
}

// syncAgent is the sync agent copied into dev containers; each
// architecture's build is found when a container needs it (see
// agent.Find).
func (s *Services) syncAgent(getenv func(string) string) *agent.Agent {
	s.agentMu.Lock()
	defer s.agentMu.Unlock()
	if s.agent == nil {
		s.agent = agent.New(func(arch string) (string, error) { return agent.Find(getenv, arch) })
	}
	return s.agent
}

// WaitDev blocks while dev sessions started by start_dev run: `devspace
// dev` stays in the foreground until Ctrl-C (ctx) or they end.
func (s *Services) WaitDev(ctx context.Context) error {
	if s.devMgr == nil {
		return nil
	}
	return s.devMgr.Wait(ctx)
}

// Close releases the connections the services opened.
func (s *Services) Close() {
	if s.devMgr != nil {
		s.devMgr.Close()
	}
	s.registries.close()
	if s.docker != nil {
		_ = s.docker.Close()
	}
}
