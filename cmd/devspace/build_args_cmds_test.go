package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"

	"github.com/moby/moby/client"
	"github.com/rogpeppe/go-internal/testscript"
)

// image-holds REF TEXT exports REF from the daemon (as `docker save`
// would: config, history, every layer) and fails unless TEXT occurs in
// it; with ! it fails if TEXT occurs. Gzipped blobs are searched
// uncompressed.
func imageHolds(ts *testscript.TestScript, api *client.Client, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: image-holds REF TEXT")
	}
	rc, err := api.ImageSave(context.Background(), []string{args[0]})
	ts.Check(err)
	defer rc.Close()
	found, err := tarHolds(rc, []byte(args[1]))
	ts.Check(err)
	switch {
	case found && neg:
		ts.Fatalf("image %s holds %q", args[0], args[1])
	case !found && !neg:
		ts.Fatalf("image %s does not hold %q", args[0], args[1])
	}
}

// tarHolds searches every file of a tar stream, and of the tar streams
// and gzipped blobs inside it.
func tarHolds(r io.Reader, text []byte) (bool, error) {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return false, err
		}
		if bytes.Contains(data, text) {
			return true, nil
		}
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			plain, err := io.ReadAll(zr)
			if err == nil && bytes.Contains(plain, text) {
				return true, nil
			}
		}
	}
}

// go-build-static DIR OUT [GOARCH] builds the Go main package in DIR
// (stdlib only) as a static Linux binary OUT (for GOARCH, default the
// host's), for a build step to run in a busybox image. It runs with the test's own environment, so the Go build cache
// is the usual one.
func goBuildStatic(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: go-build-static DIR OUT [GOARCH]")
	}
	cmd := exec.Command("go", "build", "-o", ts.MkAbs(args[1]), ".")
	cmd.Dir = ts.MkAbs(args[0])
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=-mod=mod", "GOWORK=off")
	if len(args) == 3 {
		cmd.Env = append(cmd.Env, "GOARCH="+args[2])
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		ts.Fatalf("go build: %v\n%s", err, out)
	}
}
