package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	apibuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/imagebuild"
)

// EnvBuilder chooses how the daemon builds:
//
//	DEVSPACE_DOCKER_BUILDER=buildkit  a BuildKit session (fails on a daemon without BuildKit)
//	DEVSPACE_DOCKER_BUILDER=legacy    the classic builder with a tar upload of the context
//	unset or empty                    BuildKit when the daemon has it, else legacy
//
// A daemon has BuildKit when its /_ping says Builder-Version: 2, or, on a
// Linux daemon that does not say (Docker 20.10 without the buildkit
// feature in daemon.json), when it accepts a BuildKit build: the first
// build tries, and a refusal switches this Builder to the classic builder.
const EnvBuilder = "DEVSPACE_DOCKER_BUILDER"

// builderChoice remembers which build path a daemon takes and whether it
// has a bridge network, for the lifetime of a Builder.
type builderChoice struct {
	mu sync.Mutex
	// buildkit is what is known about the daemon's BuildKit: 1 yes (or
	// forced), -1 no (or legacy forced), 0 not known yet.
	buildkit int
	// forced says the user chose: no probing, no falling back.
	forced bool
	// bridge is 1 when the daemon has its default bridge network, -1
	// when not, 0 not known yet.
	bridge int
}

func newBuilderChoice(env string, ping client.PingResult) (*builderChoice, error) {
	switch env {
	case "buildkit":
		return &builderChoice{buildkit: 1, forced: true}, nil
	case "legacy":
		return &builderChoice{buildkit: -1, forced: true}, nil
	case "":
	default:
		return nil, fmt.Errorf("%s=%q: want buildkit or legacy (or unset: BuildKit when the daemon has it)", EnvBuilder, env)
	}
	switch {
	case ping.BuilderVersion == apibuild.BuilderBuildKit:
		return &builderChoice{buildkit: 1}, nil
	case ping.BuilderVersion == "" && (ping.OSType == "linux" || ping.OSType == ""):
		return &builderChoice{}, nil
	default:
		return &builderChoice{buildkit: -1}, nil
	}
}

// errBuildKitRefused marks a daemon's refusal of a BuildKit build request
// (before any build started), as a daemon without BuildKit answers.
var errBuildKitRefused = errors.New("the daemon refused a BuildKit build")

// buildImage builds req on the path the daemon supports and returns the
// image ID.
func (b *Builder) buildImage(ctx context.Context, req imagebuild.Request, out *lineWriter) (string, error) {
	b.kit.mu.Lock()
	state, forced := b.kit.buildkit, b.kit.forced
	b.kit.mu.Unlock()
	if state < 0 {
		return b.buildLegacy(ctx, req, out)
	}
	id, err := b.buildBuildKit(ctx, req, out)
	switch {
	case errors.Is(err, errBuildKitRefused) && state == 0:
		b.kit.mu.Lock()
		b.kit.buildkit = -1
		b.kit.mu.Unlock()
		out.Line(fmt.Sprintf("%v: the daemon does not build with BuildKit, using the classic builder", err))
		return b.buildLegacy(ctx, req, out)
	case errors.Is(err, errBuildKitRefused) && forced:
		return "", fmt.Errorf("%w (%s=buildkit; unset it or set it to legacy for this daemon)", err, EnvBuilder)
	case err == nil && state == 0:
		b.kit.mu.Lock()
		b.kit.buildkit = 1
		b.kit.mu.Unlock()
	}
	return id, err
}

// buildkitNetwork returns the network mode of a BuildKit build's RUN
// steps. An explicit one is kept. The default one is "host" on a daemon
// without its default bridge network (dockerd --bridge=none, as in CI,
// rootless and locked-down setups): there BuildKit's default mode fails
// every RUN with "network bridge not found", while the classic builder
// runs the same steps. Host gives the steps the network the daemon itself
// has, which is what a step in the default mode expects (none would break
// every download), so users need not know. The daemon is asked once per
// Builder.
func (b *Builder) buildkitNetwork(ctx context.Context, network string, out *lineWriter) (string, error) {
	if network != "" {
		return network, nil
	}
	b.kit.mu.Lock()
	defer b.kit.mu.Unlock()
	if b.kit.bridge == 0 {
		_, err := b.api.NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{})
		switch {
		case cerrdefs.IsNotFound(err):
			b.kit.bridge = -1
		case err != nil:
			return "", fmt.Errorf("looking up the daemon's bridge network: %w", err)
		default:
			b.kit.bridge = 1
		}
	}
	if b.kit.bridge < 0 {
		out.Line("the daemon has no bridge network: RUN steps use the host network")
		return "host", nil
	}
	return "", nil
}
