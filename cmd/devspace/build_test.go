package main

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/client"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/testbed"
)

// builders are the daemon's two build paths, forced in turn through
// DEVSPACE_DOCKER_BUILDER: a BuildKit session (what a daemon with BuildKit
// gets) and the classic builder with a tar upload (a daemon without).
var builders = []string{"buildkit", "legacy"}

// legacyScripts are the scripts of testdata/build that also run on the
// classic builder: those whose outcome depends on how the context, the
// in-memory Dockerfile and the options reach the daemon, or on how a
// build is stopped. The others (skip decisions, tags, cache, runtime
// variables) do not depend on the build path.
var legacyScripts = []string{
	"args_target_network", "config_dir", "dockerignore", "entrypoint_cmd",
	"failure", "push", "rebuild_context",
}

// TestBuildScripts runs testdata/build/*.txtar: build_images end to end,
// the real binary against the test bed's Docker Engine and registry, on
// BuildKit, then legacyScripts on the classic builder (one after the
// other: the scripts of both would use the same image names). Each script
// sees
//
//	DOCKER_HOST  the test bed's daemon
//	REGISTRY     its registry, 127.0.0.1:PORT (plain HTTP)
//	BUSYBOX      a local base image (FROM scratch + static busybox)
//	UNIQUE       a token unique to the script's run, for build args that
//	             must defeat the daemon's layer cache
//
// and the commands of buildCmds besides testscript's own.
func TestBuildScripts(t *testing.T) {
	env := testbed.Docker(t)
	t.Run("buildkit", func(t *testing.T) {
		runBuildScripts(t, env, "buildkit", testscript.Params{Dir: "testdata/build"})
	})
	t.Run("legacy", func(t *testing.T) {
		var files []string
		for _, name := range legacyScripts {
			files = append(files, filepath.Join("testdata/build", name+".txtar"))
		}
		runBuildScripts(t, env, "legacy", testscript.Params{Files: files})
	})
}

// TestBuildTiming runs testdata/build-timing/*.txtar like TestBuildScripts
// on both builders, but on its own rather than beside twenty other
// scripts: it measures time.
func TestBuildTiming(t *testing.T) {
	env := testbed.Docker(t)
	for _, builder := range builders {
		t.Run(builder, func(t *testing.T) {
			runBuildScripts(t, env, builder, testscript.Params{Dir: "testdata/build-timing"})
		})
	}
}

// runBuildScripts runs the scripts p names with the build environment and
// commands, on the given builder.
func runBuildScripts(t *testing.T, env *testbed.DockerEnv, builder string, p testscript.Params) {
	busybox := env.Busybox(t)
	extraCmds, extraSetup := p.Cmds, p.Setup // a caller's own, beside these
	p.Cmds = buildCmds(env.API(t))
	maps.Copy(p.Cmds, extraCmds)
	p.Setup = func(e *testscript.Env) error {
		scriptEnv(e)
		// testscript's TMPDIR is $WORK/.tmp, inside the build context of
		// the scripts' projects: the temp directory each devspace run
		// makes there would change the context.
		tmp, err := os.MkdirTemp("", "devspace-build-script-")
		if err != nil {
			return err
		}
		e.Defer(func() { os.RemoveAll(tmp) })
		e.Setenv("TMPDIR", tmp)
		e.Setenv("DOCKER_HOST", env.Host)
		e.Setenv(docker.EnvBuilder, builder)
		e.Setenv("REGISTRY", env.Registry)
		e.Setenv("BUSYBOX", busybox)
		e.Setenv("UNIQUE", fmt.Sprintf("%016x", rand.Uint64()))
		if extraSetup != nil {
			return extraSetup(e)
		}
		return nil
	}
	testscript.Run(t, p)
}

// buildCmds are the script commands that look at builds, the daemon and
// the registry (through the Engine API and HTTP, not the docker CLI).
func buildCmds(api *client.Client) map[string]func(*testscript.TestScript, bool, []string) {
	withAPI := func(cmd func(*testscript.TestScript, *client.Client, bool, []string)) func(*testscript.TestScript, bool, []string) {
		return func(ts *testscript.TestScript, neg bool, args []string) { cmd(ts, api, neg, args) }
	}
	return map[string]func(*testscript.TestScript, bool, []string){
		"exits":                    exits,
		"builds-overlap":           buildsOverlap,
		"json-valid":               jsonValid,
		"registry-has":             registryHas,
		"registry-delete":          registryDelete,
		"docker-image-exists":      withAPI(imageExists),
		"docker-rmi":               withAPI(imageRemove),
		"docker-prune-build-cache": withAPI(pruneBuildCache),
		"image-platform":           withAPI(imagePlatform),
		"docker-tag":               withAPI(imageTag),
		"image-config":             withAPI(imageConfig),
		"image-holds":              withAPI(imageHolds),
		"go-build-static":          goBuildStatic,
		"no-build-left":            withAPI(noBuildLeft),
		"line-before":              lineBefore,
		"max-overlap":              maxOverlap,
		"registry-proxy":           registryProxy,
		"env-file":                 envFile,
	}
}
