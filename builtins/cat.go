package builtins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/engine"
)

// cat is built in so that pipelines behave the same on every system. Like
// GNU cat it goes on after a file it cannot read, names it on stderr and
// fails at the end.
var cat = simple("cat", "cat [FILE...]",
	"Print files (relative to the current directory) one after another; with no FILE or -, copy stdin.", false,
	func(ctx context.Context, c *engine.Call, args []string) error {
		if len(args) == 0 {
			args = []string{"-"}
		}
		failed := false
		for _, name := range args {
			err := catOne(ctx, c, name)
			var pathErr *fs.PathError
			switch {
			case err == nil:
			case errors.As(err, &pathErr):
				fmt.Fprintf(c.Stderr, "cat: %v\n", err)
				failed = true
			default: // stdout is gone or the run was cancelled: stop
				return err
			}
		}
		if failed {
			return interp.ExitStatus(1)
		}
		return nil
	})

// catOne copies one file, or stdin for "-". A file error names the file as
// it was written, not its absolute path.
func catOne(ctx context.Context, c *engine.Call, name string) error {
	if name == "-" {
		return copyCtx(ctx, c.Stdout, c.Stdin)
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.Dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: errors.Unwrap(err)}
	}
	defer f.Close()
	if err := copyCtx(ctx, c.Stdout, f); err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) && pathErr.Path == path { // e.g. reading a directory
			return &fs.PathError{Op: pathErr.Op, Path: name, Err: pathErr.Err}
		}
		return err
	}
	return nil
}

// copyCtx copies r to w, checking ctx between reads, so that cancelling a
// pipeline stops a copy from a slow or endless source.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) error {
	if r == nil {
		return nil
	}
	_, err := io.Copy(w, ctxReader{ctx, r})
	return err
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (cr ctxReader) Read(p []byte) (int, error) {
	if err := cr.ctx.Err(); err != nil {
		return 0, err
	}
	return cr.r.Read(p)
}
