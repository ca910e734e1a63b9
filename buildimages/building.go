package buildimages

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/imagebuild"
)

// oneAtATime wraps a builder so that the process builds each image of a
// project once at a time (imagebuild.Board.Building): a build of an image
// that another build_images call is building — the pipeline's, when a
// Rebuild is clicked on `devspace ui` — waits for that build to end, and
// says so in the image's log, then builds.
func (r *buildRun) oneAtATime(b imagebuild.Builder) imagebuild.Builder {
	board := r.opts.Connections.Board
	if board == nil {
		return b
	}
	return imagebuild.BuilderFunc(func(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
		release, err := board.Building(ctx, r.opts.Config.Path, req.Name, func() {
			fmt.Fprintf(req.Log, "waiting: another build_images call of this process is building image %s; this build starts when that one ends\n", req.Name)
		})
		if err != nil {
			return imagebuild.Result{}, err
		}
		defer release()
		return b.Build(ctx, req)
	})
}
