package testbed

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	apibuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// BusyboxImage is the base image Busybox makes: FROM scratch plus a static
// busybox installed as /bin/sh, /bin/sleep, /bin/ls, …
const BusyboxImage = "devspace-test/busybox:latest"

const busyboxDockerfile = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
`

// Busybox makes sure the daemon has BusyboxImage, building it through the
// API from the host's static busybox (nothing is pulled), and returns its
// reference, so test Dockerfiles can say `FROM devspace-test/busybox` and
// `RUN sleep 2`. It builds at most once per process; an image already in
// the daemon is reused.
func (e *DockerEnv) Busybox(t testing.TB) string {
	t.Helper()
	e.busyboxMu.Lock()
	defer e.busyboxMu.Unlock()
	if e.busyboxRef != "" {
		return e.busyboxRef
	}
	bin, skip := staticBusybox()
	if !usable(t, skip, nil, inCI()) {
		return ""
	}
	api := e.API(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := api.ImageInspect(ctx, BusyboxImage); err == nil {
		e.busyboxRef = BusyboxImage
		return e.busyboxRef
	} else if !cerrdefs.IsNotFound(err) {
		t.Fatalf("testbed: inspecting %s: %v", BusyboxImage, err)
	}
	if err := buildBusybox(ctx, api, bin); err != nil {
		t.Fatalf("testbed: building %s: %v", BusyboxImage, err)
	}
	e.busyboxRef = BusyboxImage
	return e.busyboxRef
}

// staticBusybox finds a statically linked busybox (busybox-static); a
// dynamically linked one cannot run in a FROM scratch image.
func staticBusybox() (path, skip string) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		static := true
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				static = false
			}
		}
		f.Close()
		if static {
			return p, ""
		}
	}
	return "", "no statically linked busybox (/bin/busybox from busybox-static): " + installHint
}

func buildBusybox(ctx context.Context, api *client.Client, bin string) error {
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(busyboxDockerfile)}, {"busybox", 0o755, data}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	resp, err := api.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Version:     apibuild.BuilderV1,
		Tags:        []string{BusyboxImage},
		Remove:      true,
		ForceRemove: true,
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return streamError(resp.Body)
}

// streamError reads a build's JSON messages and returns the error one
// reports, with the output before it.
func streamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	var out bytes.Buffer
	for {
		var m struct {
			Stream      string
			ErrorDetail *struct{ Message string }
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		out.WriteString(m.Stream)
		if m.ErrorDetail != nil {
			return fmt.Errorf("%s\n%s", m.ErrorDetail.Message, out.String())
		}
	}
}

// RegistryBusybox returns the Busybox image pushed to the test bed's
// registry (REGISTRY/devspace-test/busybox:latest), for builds that pull
// their base image from a registry, as kaniko in the cluster does: the
// local name alone would make them ask Docker Hub.
func (e *DockerEnv) RegistryBusybox(t testing.TB) string {
	t.Helper()
	return e.RegistryBusyboxTag(t, "latest")
}

// RegistryBusyboxTag pushes the Busybox image to the test bed's registry
// as REGISTRY/devspace-test/busybox:TAG and returns that reference, for
// tests that tell images apart by tag (pod selectors). Each tag is pushed
// at most once per process, so a test never relies on what an earlier
// run left in the registry.
func (e *DockerEnv) RegistryBusyboxTag(t testing.TB, tag string) string {
	t.Helper()
	local := e.Busybox(t)
	if local == "" {
		return ""
	}
	e.busyboxMu.Lock()
	defer e.busyboxMu.Unlock()
	if ref, ok := e.registryBusybox[tag]; ok {
		return ref
	}
	ref := e.Registry + "/" + strings.TrimSuffix(BusyboxImage, ":latest") + ":" + tag
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api := e.API(t)
	if _, err := api.ImageTag(ctx, client.ImageTagOptions{Source: local, Target: ref}); err != nil {
		t.Fatalf("testbed: tagging %s as %s: %v", local, ref, err)
	}
	resp, err := api.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: "e30="})
	if err != nil {
		t.Fatalf("testbed: pushing %s: %v", ref, err)
	}
	defer resp.Close()
	if err := streamError(resp); err != nil {
		t.Fatalf("testbed: pushing %s: %v", ref, err)
	}
	if e.registryBusybox == nil {
		e.registryBusybox = map[string]string{}
	}
	e.registryBusybox[tag] = ref
	return ref
}
