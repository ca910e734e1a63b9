package builtins

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/watch"
)

// watchDebounce is how long run_watch waits after the last matching change
// before it restarts the command, so that a burst of writes (a save, a git
// checkout) restarts it once.
const watchDebounce = 1200 * time.Millisecond

var runWatch = &engine.Builtin{
	Name:  "run_watch",
	Usage: "run_watch --path PATTERN [--path PATTERN]... [--exclude PATTERN]... [flags] -- COMMAND [ARGS...]",
	Summary: "Run COMMAND and restart it whenever a file matching a --path glob changes (" +
		"1.2 s after the last change). Quote the globs: --path '**/*.go'.",
	New: func() engine.Command { return &runWatchCmd{} },
}

type runWatchCmd struct {
	fs                                              *pflag.FlagSet
	paths, excludes                                 []string
	skipInitial, silent, skipAndSilent, failOnError bool
}

func (r *runWatchCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	r.fs = fs
	fs.StringArrayVarP(&r.paths, "path", "p", nil, "glob of files to watch, relative to the current directory (** for any depth); repeatable")
	fs.StringArrayVarP(&r.excludes, "exclude", "e", nil, "glob of files whose changes are ignored; repeatable")
	fs.BoolVar(&r.skipInitial, "skip-initial", false, "start COMMAND only after the first change")
	fs.BoolVar(&r.silent, "silent", false, "do not say why COMMAND restarts")
	fs.BoolVarP(&r.skipAndSilent, "skip-and-silent", "s", false, "--skip-initial and --silent")
	fs.BoolVar(&r.failOnError, "fail-on-error", false, "stop watching and fail when COMMAND fails (by default failures are ignored)")
}

func (r *runWatchCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	command, err := r.command(args)
	if err != nil {
		return err
	}
	tw, err := watch.NewTree(c.Dir, r.paths, r.excludes)
	if err != nil {
		return err
	}
	defer tw.Close()
	if c.Debug() {
		for _, root := range tw.Roots() {
			fmt.Fprintf(c.Stderr, "[debug] run_watch: Start watching %s (glob %q)\n", root.Dir, root.Glob)
		}
	}
	return r.loop(ctx, c, tw, command)
}

// command returns the words after --. Words between the flags and -- are
// almost always an unquoted glob that the shell expanded.
func (r *runWatchCmd) command(args []string) ([]string, error) {
	usage := engine.Usagef("run_watch --path PATTERN [--path PATTERN]... -- COMMAND [ARGS...]")
	dash := r.fs.ArgsLenAtDash()
	switch {
	case dash < 0 && len(args) > 0:
		return nil, fmt.Errorf("missing -- before the command %s: %w", quoteWords(args), usage)
	case dash > 0:
		return nil, fmt.Errorf("unexpected arguments before --: %s; if these are files that an unquoted "+
			"glob expanded to, quote the glob: --path '**/*.go'", quoteWords(args[:dash]))
	case len(r.paths) == 0 || len(args) == 0:
		return nil, usage
	}
	return args, nil
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = strconv.Quote(w)
	}
	return strings.Join(q, " ")
}

// loop runs the command and restarts it after changes until ctx ends (nil)
// or, with --fail-on-error, the command fails (its error).
func (r *runWatchCmd) loop(ctx context.Context, c *engine.Call, tw *watch.Tree, command []string) error {
	var cur *watchedRun
	defer func() { cur.stop() }()
	if !r.skipInitial && !r.skipAndSilent {
		cur = startWatched(ctx, c, command)
	}
	var (
		changed  string // what changed last since the last restart, for the message
		debounce <-chan time.Time
	)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-cur.doneChan():
			cur.ended = true
			if err != nil && r.failOnError && ctx.Err() == nil {
				return err
			}
		case ev, ok := <-tw.Events():
			if !ok {
				return errors.New("the file watcher stopped")
			}
			if shown, ok := tw.Changed(ev); ok {
				changed, debounce = "'"+shown+"'", time.After(watchDebounce)
			}
		case err, ok := <-tw.Errors():
			switch {
			case !ok:
				return errors.New("the file watcher stopped")
			case watch.IsOverflow(err): // events were lost: assume a change
				changed, debounce = "a watched file", time.After(watchDebounce)
			default:
				return fmt.Errorf("watching files: %w", err)
			}
		case <-debounce:
			debounce = nil
			cur.stop()
			if !r.silent && !r.skipAndSilent {
				fmt.Fprintf(c.Stderr, "Restarting command because %s has changed...\n", changed)
			}
			cur = startWatched(ctx, c, command)
		}
	}
}

// watchedRun is one run of the watched command in its own goroutine.
type watchedRun struct {
	cancel context.CancelFunc
	done   chan error // gets the command's result, once
	ended  bool       // the result was taken from done
}

func startWatched(ctx context.Context, c *engine.Call, command []string) *watchedRun {
	ctx, cancel := context.WithCancel(ctx)
	w := &watchedRun{cancel: cancel, done: make(chan error, 1)}
	go func() { // owned by w: stop (or reading done) waits for it
		w.done <- runCommand(ctx, c, c.Stdin, command)
	}()
	return w
}

// doneChan is the channel the result arrives on; nil (never ready) when
// nothing runs.
func (w *watchedRun) doneChan() <-chan error {
	if w == nil || w.ended {
		return nil
	}
	return w.done
}

// stop cancels the command and waits for it to end.
func (w *watchedRun) stop() {
	if w == nil {
		return
	}
	w.cancel()
	if !w.ended {
		<-w.done
		w.ended = true
	}
}
