package buildimages

import (
	"context"
	"sync"

	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/source"
)

// gitCommits asks each Git build context's repository, all at once,
// which commit its ref names now (git ls-remote, with the user's git and
// credentials), into found as git:COMMIT, or failed, by the URL as
// shown (urls maps it to the URL as written, credentials included; git
// leaves them out of its messages, and so does RemoteCommit). The
// key then changes when the branch moves, as BuildKit would fetch a new
// commit.
func gitCommits(ctx context.Context, urls map[string]string, found map[string]string, failed map[string]error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for shown, written := range urls {
		remote, ref, _ := imagebuild.GitContext(written)
		wg.Go(func() {
			sha, err := source.RemoteCommit(ctx, remote, ref)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[shown] = err
			} else {
				found[shown] = imagebuild.GitCommitPrefix + sha
			}
		})
	}
	wg.Wait()
}
