package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/buildkit"
	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkPlatformsBuild times `devspace build` of a FROM scratch + COPY
// image whose copied file changed, pushed to the test bed's registry: for
// one platform (the host's, built by the Docker Engine's BuildKit) and
// for two (linux/amd64 and linux/arm64 as one index, on the buildkitd
// container, already started). It reports the median wall time of the
// whole process.
func BenchmarkPlatformsBuild(b *testing.B) {
	env := testbed.Docker(b)
	image := buildKitImage(b)
	if image == "" {
		return
	}
	container := fmt.Sprintf("devspace-buildkitd-bench-%016x", rand.Uint64())
	api := env.API(b)
	b.Cleanup(func() {
		if err := removeContainer(api, container); err != nil {
			b.Error(err)
		}
	})
	unique := fmt.Sprintf("%016x", rand.Uint64())
	for _, tc := range []struct{ name, args string }{
		{"one", "[]"},
		{"two", `[--platform, "linux/amd64,linux/arm64"]`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			testbed.WriteTree(b, dir, map[string]string{
				"devspace.yaml": fmt.Sprintf("version: v2beta1\nname: platforms\nimages:\n  app:\n    image: %s/bench/platforms-%s-%s\n    docker:\n      args: %s\n",
					env.Registry, tc.name, unique, tc.args),
				"Dockerfile": "FROM scratch\nCOPY file.txt /file.txt\n",
			})
			n := 0
			build := func() time.Duration {
				n++
				testbed.WriteTree(b, dir, map[string]string{"file.txt": fmt.Sprintf("content %d\n", n)})
				cmd := exec.Command(filepath.Join(binDir, "devspace"), "build")
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "DOCKER_HOST="+env.Host, "KUBECONFIG="+filepath.Join(dir, "none"),
					buildkit.EnvLocalImage+"="+image, buildkit.EnvLocalName+"="+container)
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				return time.Since(start)
			}
			build() // the daemon's warm-up (and the container's start)
			var walls []time.Duration
			for b.Loop() {
				walls = append(walls, build())
			}
			slices.Sort(walls)
			b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "median-ms")
		})
	}
}
