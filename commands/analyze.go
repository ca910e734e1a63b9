package commands

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/rollout"
)

// analyzeOwnFlags are analyze's own: DevSpace's --wait and --timeout
// (seconds, or a duration here), and -o json.
var analyzeOwnFlags = []flagSpec{
	{name: "wait", kind: kindBool, def: "true", usage: "wait for workloads still starting, up to --timeout (false: a short look at each)"},
	{name: "timeout", kind: kindString, def: "120", usage: "how long --wait waits: seconds, or a duration such as 5m"},
	listOutputFlag,
}

func analyzeCommand(stdio IO) *cli.Command {
	global := globalFlagsNoC()
	return &cli.Command{
		Name:  "analyze",
		Usage: "Report every workload of the namespace that is not ready, and why (exit 1 when there is one)",
		Flags: urfaveFlags(append(slices.Clip(global), analyzeOwnFlags...)),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, global)
			flags.fromURFave(c, analyzeOwnFlags)
			return analyze(c.Context, flags, stdio.Stdout)
		},
	}
}

// analyze checks the namespace's workloads with rollout.Analyze and
// prints the problems (or that there are none); problems exit 1.
func analyze(ctx context.Context, flags *flagValues, out io.Writer) error {
	format := flags.str("output")
	if format != "" && format != "json" {
		return &exitError{code: 2, msg: fmt.Sprintf("devspace analyze: --output %q: the only format is json (-o json)", format)}
	}
	timeout, err := analyzeTimeout(flags)
	if err != nil {
		return err
	}
	cl, err := kube.Open(kube.Options{Getenv: kubeGetenv(flags), Context: flags.str("kube-context"), Namespace: flags.str("namespace")})
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	problems, err := rollout.Analyze(ctx, cl, cl.Namespace, timeout)
	if err != nil {
		return fmt.Errorf("analyze namespace %s: %w", cl.Namespace, err)
	}
	if format == "json" {
		err = writeJSON(out, struct {
			Namespace string           `json:"namespace"`
			Problems  []rollout.Result `json:"problems"`
		}{cl.Namespace, problems})
	} else {
		err = writeProblems(out, cl.Namespace, problems)
	}
	if err != nil || len(problems) == 0 {
		return err
	}
	return &exitError{code: 1, msg: fmt.Sprintf("analyze: %d problem(s) in namespace %s", len(problems), cl.Namespace)}
}

// analyzeTimeout is how long to look at each workload: --timeout with
// --wait, else the short look list deployments takes.
func analyzeTimeout(flags *flagValues) (time.Duration, error) {
	if !flags.boolean("wait") {
		return readyCheck, nil
	}
	s := flags.str("timeout")
	if _, err := strconv.Atoi(s); err == nil {
		s += "s" // DevSpace counts seconds
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, &exitError{code: 2, msg: fmt.Sprintf("devspace analyze: --timeout %q: want seconds or a duration such as 5m", flags.str("timeout"))}
	}
	return d, nil
}

func writeProblems(w io.Writer, ns string, problems []rollout.Result) error {
	if len(problems) == 0 {
		_, err := fmt.Fprintf(w, "No problems found in namespace %s\n", ns)
		return err
	}
	for _, p := range problems {
		if _, err := fmt.Fprintf(w, "%s/%s: %s\n", p.Kind, p.Name, p.Failure); err != nil {
			return err
		}
	}
	return nil
}
