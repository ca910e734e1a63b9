package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/devspace-engine/devspace/imagebuild"
)

// DockerfileName is where the in-memory Dockerfile lies in a context
// written by WriteContext: in-cluster builders point their Dockerfile
// option at it.
const DockerfileName = dockerfileName

// ContextStats count what WriteContext sent.
type ContextStats = contextStats

// WriteContext writes req's build context as an uncompressed tar stream,
// exactly as the Docker Engine builder sends it: the files the ignore
// file keeps, the in-memory Dockerfile under DockerfileName, and a
// .dockerignore that drops it again, so COPY . sees what `docker build`
// would. In-cluster builders (kaniko) send the same stream.
func WriteContext(ctx context.Context, w io.Writer, req imagebuild.Request) (ContextStats, error) {
	excludes, err := ignorePatterns(req.ContextDir, req.Dockerfile)
	if err != nil {
		return ContextStats{}, err
	}
	return writeContext(ctx, w, req.ContextDir, excludes, req.DockerfileText)
}

// String says what a context held: "12 files, 21.5MB".
func (s contextStats) String() string {
	return fmt.Sprintf("%d files, %s", s.Files, humanBytes(s.Bytes))
}
