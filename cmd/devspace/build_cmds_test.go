package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/rogpeppe/go-internal/testscript"
)

// The commands of the build scripts (see buildCmds).

// builds-overlap RATIO PROGRAM [ARGS...] runs a program like exec and
// requires its wall time to be at most RATIO times the sum of the image
// builds' own durations, read from its "Done building image REF (D)"
// lines; with ! it requires more. Builds that ran one after another take
// at least that sum, builds that ran at the same time less. Unlike a fixed
// bound in seconds, this holds on a loaded machine, where every build is
// slower.
func buildsOverlap(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: [!] builds-overlap RATIO PROGRAM [ARGS...]")
	}
	ratio, err := strconv.ParseFloat(args[0], 64)
	ts.Check(err)
	start := time.Now()
	err = ts.Exec(args[1], args[2:]...)
	wall := time.Since(start)
	if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	var sum time.Duration
	matches := doneLine.FindAllStringSubmatch(ts.ReadFile("stdout"), -1)
	for _, m := range matches {
		d, err := time.ParseDuration(m[1])
		ts.Check(err)
		sum += d
	}
	if len(matches) < 2 {
		ts.Fatalf("builds-overlap: %d builds finished, want at least 2", len(matches))
	}
	got := wall.Seconds() / sum.Seconds()
	ts.Logf("%d builds took %s together, in %s of wall time (%.2f)", len(matches), sum.Round(time.Millisecond), wall.Round(time.Millisecond), got)
	switch {
	case got > ratio && !neg:
		ts.Fatalf("wall time %.2f times the builds' durations, want at most %s: they did not run in parallel", got, args[0])
	case got <= ratio && neg:
		ts.Fatalf("wall time %.2f times the builds' durations, want more than %s: they ran in parallel", got, args[0])
	}
}

var doneLine = regexp.MustCompile(`(?m)Done building image \S+ \(([0-9.]+[µmn]?s)\)$`)

// json-valid FILE fails unless FILE holds one JSON value and nothing else.
func jsonValid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: json-valid FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	valid := json.Valid(data)
	switch {
	case valid && neg:
		ts.Fatalf("%s is valid JSON", args[0])
	case !valid && !neg:
		ts.Fatalf("%s is not valid JSON:\n%s", args[0], data)
	}
}

// registry-has REPO TAG asks the test bed's registry for the manifest
// of REPO:TAG (HTTP HEAD /v2/REPO/manifests/TAG).
func registryHas(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: registry-has REPO TAG")
	}
	resp := registryRequest(ts, http.MethodHead, args[0], args[1])
	found := resp.StatusCode == http.StatusOK
	switch {
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound:
		ts.Fatalf("registry-has %s %s: %s", args[0], args[1], resp.Status)
	case found && neg:
		ts.Fatalf("the registry has %s:%s", args[0], args[1])
	case !found && !neg:
		ts.Fatalf("the registry has no %s:%s", args[0], args[1])
	}
}

// registry-delete REPO TAG deletes the manifest REPO:TAG points to from
// the test bed's registry (and so every tag of it).
func registryDelete(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: registry-delete REPO TAG")
	}
	resp := registryRequest(ts, http.MethodHead, args[0], args[1])
	digest := resp.Header.Get("Docker-Content-Digest")
	if resp.StatusCode != http.StatusOK || digest == "" {
		ts.Fatalf("registry-delete: HEAD %s:%s: %s, digest %q", args[0], args[1], resp.Status, digest)
	}
	resp = registryRequest(ts, http.MethodDelete, args[0], digest)
	if resp.StatusCode != http.StatusAccepted {
		ts.Fatalf("registry-delete: DELETE %s@%s: %s", args[0], digest, resp.Status)
	}
}

// registryRequest sends a bodiless request for a manifest of the test
// bed's registry; the body is closed.
func registryRequest(ts *testscript.TestScript, method, repo, ref string) *http.Response {
	url := fmt.Sprintf("http://%s/v2/%s/manifests/%s", ts.Getenv("REGISTRY"), repo, ref)
	req, err := http.NewRequest(method, url, nil)
	ts.Check(err)
	// Without these the registry may answer 404 for a schema 2 manifest.
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.oci.image.index.v1+json",
	}, ", "))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	ts.Check(err)
	resp.Body.Close()
	return resp
}

// docker-image-exists REF looks REF up in the daemon's image store.
func imageExists(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: docker-image-exists REF")
	}
	_, err := api.ImageInspect(context.Background(), args[0])
	found := err == nil
	switch {
	case err != nil && !cerrdefs.IsNotFound(err):
		ts.Fatalf("inspect %s: %v", args[0], err)
	case found && neg:
		ts.Fatalf("the daemon has image %s", args[0])
	case !found && !neg:
		ts.Fatalf("the daemon has no image %s", args[0])
	}
}

// docker-rmi REF... removes images (tags) from the daemon.
func imageRemove(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: docker-rmi REF...")
	}
	for _, ref := range args {
		_, err := api.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true})
		ts.Check(err)
	}
}

// docker-tag SRC DST tags a daemon image.
func imageTag(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: docker-tag SRC DST")
	}
	_, err := api.ImageTag(context.Background(), client.ImageTagOptions{Source: args[0], Target: args[1]})
	ts.Check(err)
}

// image-config REF prints the image's Entrypoint, Cmd and Labels as JSON
// lines:
//
//	Entrypoint: ["/bin/sh","-c"]
//	Cmd: null
//	Labels: {"a":"b"}
//
// lineBefore FILE RE1 RE2: the first line of FILE matching RE1 comes
// before the first matching RE2 (both must match).
func lineBefore(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: line-before FILE RE1 RE2")
	}
	first := func(re string) int {
		rx, err := regexp.Compile(re)
		ts.Check(err)
		for i, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
			if rx.MatchString(line) {
				return i
			}
		}
		ts.Fatalf("no line of %s matches %s", args[0], re)
		return -1
	}
	if a, b := first(args[1]), first(args[2]); a > b {
		ts.Fatalf("line %d (%s) comes after line %d (%s)", a+1, args[1], b+1, args[2])
	}
}

func imageConfig(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: image-config REF")
	}
	ref := args[0]
	if file, ok := strings.CutPrefix(ref, "@"); ok { // the ref is in a file (e.g. get_image's stdout)
		ref = strings.TrimSpace(ts.ReadFile(file))
	}
	img, err := api.ImageInspect(context.Background(), ref)
	ts.Check(err)
	var fields [3]any
	if c := img.Config; c != nil {
		fields = [3]any{c.Entrypoint, c.Cmd, c.Labels}
	}
	for i, name := range []string{"Entrypoint", "Cmd", "Labels"} {
		b, err := json.Marshal(fields[i])
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s: %s\n", name, b)
	}
}

// no-build-left MARKER fails while a build step whose command holds MARKER
// is still there, waiting up to 2 s for it to go: when a build is
// cancelled the daemon removes a container it created in the instant
// before the cancel itself, shortly after. MARKER keeps scripts running in
// parallel on one daemon apart.
func noBuildLeft(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: no-build-left MARKER")
	}
	left, err := waitNoBuildLeft(context.Background(), api, args[0], 2*time.Second)
	ts.Check(err)
	if len(left) > 0 {
		ts.Fatalf("build steps left behind: %s", strings.Join(left, ", "))
	}
}

// waitNoBuildLeft waits up to settle until nothing buildLeftovers finds is
// left, and returns what still is.
func waitNoBuildLeft(ctx context.Context, api *client.Client, marker string, settle time.Duration) ([]string, error) {
	deadline := time.Now().Add(settle)
	for {
		left, err := buildLeftovers(ctx, api, marker)
		if err != nil || len(left) == 0 || time.Now().After(deadline) {
			return left, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// buildLeftovers lists the build steps whose command holds marker: the
// containers the classic builder runs them in ("container ID (state)"),
// and their processes on this host ("process PID"), which is all there is
// of a BuildKit step (the test bed's daemon runs on this host).
func buildLeftovers(ctx context.Context, api *client.Client, marker string) ([]string, error) {
	list, err := api.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	var left []string
	for _, c := range list.Items {
		if strings.Contains(c.Command, marker) {
			left = append(left, fmt.Sprintf("container %.12s (%s)", c.ID, c.State))
		}
	}
	for _, pid := range markerProcesses(marker) {
		left = append(left, "process "+pid)
	}
	return left, nil
}

// markerProcesses returns the PIDs of the processes whose command line
// holds marker, but for this one.
func markerProcesses(marker string) []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := strconv.Itoa(os.Getpid())
	var pids []string
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		pid := filepath.Base(dir)
		if err == nil && pid != self && strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), marker) {
			pids = append(pids, pid)
		}
	}
	return pids
}
