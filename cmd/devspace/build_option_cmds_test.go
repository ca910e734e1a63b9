package main

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"
	"github.com/rogpeppe/go-internal/testscript"
)

// docker-prune-build-cache empties the daemon's build cache (every record
// no build is using), as on a fresh CI machine, and prints how much it
// freed.
func pruneBuildCache(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: docker-prune-build-cache")
	}
	res, err := api.BuildCachePrune(context.Background(), client.BuildCachePruneOptions{All: true})
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "pruned %d build cache records, %d bytes\n", len(res.Report.CachesDeleted), res.Report.SpaceReclaimed)
}

// image-platform REF prints the OS/ARCH[/VARIANT] that the daemon's copy
// of REF says it is for.
func imagePlatform(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: image-platform REF")
	}
	img, err := api.ImageInspect(context.Background(), args[0])
	ts.Check(err)
	p := img.Os + "/" + img.Architecture
	if img.Variant != "" {
		p += "/" + img.Variant
	}
	fmt.Fprintln(ts.Stdout(), p)
}
