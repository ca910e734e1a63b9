package engine

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/sourcegraph/conc/pool"
)

// PipelinesOptions are run_pipelines' inputs.
type PipelinesOptions struct {
	Names      []string
	Sequential bool
	Background bool
	// Flags are --set-flag values, given to every pipeline started.
	Flags map[string]string
}

// runPipelines runs pipelines from a script: concurrently by default, the
// first failure cancelling the others; one after another with Sequential;
// or in the background, where they end with the calling pipeline.
func (e *Engine) runPipelines(ctx context.Context, c *Call, opts PipelinesOptions) error {
	for _, name := range opts.Names {
		if _, err := e.Pipeline(name); err != nil {
			return err
		}
		if chain := c.job.ancestry(); slices.Contains(chain, name) {
			return fmt.Errorf("pipeline cycle: %s → %s", strings.Join(chain, " → "), name)
		}
	}
	if c.job == nil {
		opts.Background = false // outside a pipeline there is no caller to outlive
	}
	stdin := c.Stdin
	run := func(ctx context.Context, name string, concurrent bool) error {
		ro := RunOptions{Flags: opts.Flags, Env: c.Env, Dir: c.Dir, Stdin: stdin, Stdout: c.Stdout, Stderr: c.Stderr, parent: c.job}
		if concurrent {
			out, errOut := c.Labelled(name)
			defer out.Flush()
			defer errOut.Flush()
			ro.Stdout, ro.Stderr = out, errOut
		}
		if err := e.RunPipeline(ctx, name, ro); err != nil {
			return fmt.Errorf("pipeline %q failed: %w", name, err)
		}
		return nil
	}
	switch {
	case opts.Background:
		for _, name := range opts.Names {
			c.job.background.start(ctx, c, name, func(ctx context.Context) error { return run(ctx, name, true) })
		}
		return nil
	case opts.Sequential || len(opts.Names) == 1:
		for _, name := range opts.Names {
			if err := run(ctx, name, false); err != nil {
				return err
			}
		}
		return nil
	}
	// Concurrent pipelines cannot share one stdin: give them none.
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	defer devNull.Close()
	stdin = devNull
	p := pool.New().WithErrors().WithContext(ctx).WithCancelOnError().WithFirstError()
	for _, name := range opts.Names {
		p.Go(func(ctx context.Context) error { return run(ctx, name, true) })
	}
	return p.Wait()
}

// backgroundSet tracks the background pipelines a job started.
type backgroundSet struct {
	wg sync.WaitGroup
}

func (b *backgroundSet) start(ctx context.Context, c *Call, name string, run func(context.Context) error) {
	if b == nil {
		return
	}
	b.wg.Add(1)
	go func() { // owned by the calling job, which waits for it (wait)
		defer b.wg.Done()
		if err := run(ctx); err != nil && ctx.Err() == nil {
			c.report(ctx, "run_pipelines", fmt.Errorf("background %w", err))
		}
	}()
}

func (b *backgroundSet) wait() {
	if b != nil {
		b.wg.Wait()
	}
}
