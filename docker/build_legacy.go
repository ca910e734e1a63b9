package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	apibuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/imagebuild"
)

// errBuildEnded stops the context upload when the build is over.
var errBuildEnded = errors.New("build ended")

// buildLegacy builds with the daemon's classic builder: the context goes
// up as one tar stream (written while it is sent), the output comes back
// as JSON messages. It returns the image ID.
func (b *Builder) buildLegacy(ctx context.Context, req imagebuild.Request, out *lineWriter) (string, error) {
	if flag := needsBuildKit(req); flag != "" {
		return "", fmt.Errorf("%s needs BuildKit, and this daemon builds with the classic builder (%s=legacy, or a daemon without BuildKit): enable BuildKit on the daemon or unset %s", flag, EnvBuilder, EnvBuilder)
	}
	excludes, err := ignorePatterns(req.ContextDir, req.Dockerfile)
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	var (
		wg     sync.WaitGroup
		tarErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		stats, err := writeContext(ctx, req.Sent.Writer(pw), req.ContextDir, excludes, req.DockerfileText)
		pw.CloseWithError(err)
		tarErr = err
		if err == nil {
			out.Line(fmt.Sprintf("sent build context: %d files, %s in %s", stats.Files, humanBytes(stats.Bytes), time.Since(start).Round(time.Millisecond)))
		}
	}()
	id, err := b.runLegacy(ctx, req, pr, out)
	pr.CloseWithError(errBuildEnded)
	wg.Wait()
	if tarErr != nil && !errors.Is(tarErr, errBuildEnded) && ctx.Err() == nil {
		return "", tarErr
	}
	return id, err
}

func (b *Builder) runLegacy(ctx context.Context, req imagebuild.Request, buildContext io.Reader, out *lineWriter) (string, error) {
	tags := make([]string, len(req.Tags))
	for i, t := range req.Tags {
		tags[i] = req.Image + ":" + t
	}
	resp, err := b.api.ImageBuild(ctx, buildContext, client.ImageBuildOptions{
		Version:     apibuild.BuilderV1,
		Tags:        tags,
		Dockerfile:  dockerfileName,
		BuildArgs:   req.BuildArgs,
		Target:      req.Target,
		NetworkMode: req.Network,
		Labels:      req.Options.Labels,
		ExtraHosts:  req.Options.AddHosts,
		NoCache:     req.Options.NoCache,
		PullParent:  req.Options.Pull,
		// Remove intermediate containers, also when a step fails.
		Remove:      true,
		ForceRemove: true,
		AuthConfigs: b.creds.pullAuth(req.DockerfileText),
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()

	var id string
	containers := map[string]bool{}
	err = readStream(resp.Body, out, func(m *message) {
		if len(m.Aux) > 0 {
			var aux struct{ ID string }
			if json.Unmarshal(m.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
		if _, c, ok := strings.Cut(m.Stream, "---> Running in "); ok {
			containers[strings.TrimSpace(c)] = true
		}
	})
	if ctx.Err() != nil {
		b.removeContainers(context.WithoutCancel(ctx), containers)
		return "", ctx.Err()
	}
	if err != nil {
		return "", err
	}
	return b.builtID(ctx, id, tags[0])
}

// removeContainers makes sure the build containers of a cancelled build
// are gone. The daemon kills and removes them itself when the request is
// aborted, but only eventually; this waits (bounded) until they are.
func (b *Builder) removeContainers(ctx context.Context, ids map[string]bool) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for id := range ids {
		_, _ = b.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true})
	}
}

// humanBytes formats n like the docker CLI: 512B, 21.5MB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// builtID is the built image's ID: the one the build stream reported, or,
// when it reported none, the ID of the image tag now names.
func (b *Builder) builtID(ctx context.Context, id, tag string) (string, error) {
	if id != "" {
		return id, nil
	}
	img, err := b.api.ImageInspect(ctx, tag)
	if err != nil {
		return "", fmt.Errorf("finding the built image: %w", err)
	}
	return img.ID, nil
}
