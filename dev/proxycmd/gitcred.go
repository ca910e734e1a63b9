package proxycmd

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// gitCredential answers the container's git credential helper (a proxy
// command's gitCredentials): `get` is answered with what this machine's
// `git credential fill` finds for the same request; `store` and `erase`
// are answered with nothing, so the container never changes what is kept
// here. A request this machine has no credential for is answered with
// nothing too (git in the container then asks as it would without us);
// git here never prompts, as nobody sits at its terminal.
func gitCredential(ctx context.Context, in *bufio.Reader, out *frames, dir string, args []string) int {
	var request bytes.Buffer
	feed(nopCloser{&request}, in)
	if len(args) == 0 || args[len(args)-1] != "get" {
		return 0
	}
	cmd := exec.CommandContext(ctx, "git", "credential", "fill")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GCM_INTERACTIVE=never")
	cmd.Stdin = &request
	answer, err := cmd.Output() // its error output could hold the request: not passed on
	if err != nil {
		return 0
	}
	out.write(syncproto.ProxyStdout, answer)
	return 0
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
