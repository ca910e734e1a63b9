package config

import "cmp"

// Image is one entry of `images:`. It covers DevSpace v6's v2beta1 fields and
// the older nested `build:` block, which Normalize maps onto the same model.
type Image struct {
	Name                         string             `yaml:"name"`
	Image                        string             `yaml:"image"`
	Tags                         []string           `yaml:"tags"`
	Tag                          string             `yaml:"tag"` // older single-tag form, folded into Tags
	Dockerfile                   string             `yaml:"dockerfile"`
	Context                      string             `yaml:"context"`
	BuildArgs                    map[string]*string `yaml:"buildArgs"`
	Target                       string             `yaml:"target"`
	Network                      string             `yaml:"network"`
	Entrypoint                   []string           `yaml:"entrypoint"`
	Cmd                          []string           `yaml:"cmd"`
	AppendDockerfileInstructions []string           `yaml:"appendDockerfileInstructions"`
	RebuildStrategy              string             `yaml:"rebuildStrategy"`
	SkipPush                     bool               `yaml:"skipPush"`
	CreatePullSecret             *bool              `yaml:"createPullSecret"`
	Insecure                     bool               `yaml:"insecure"`
	Docker                       *DockerBuild       `yaml:"docker"`
	BuildKit                     *BuildKitBuild     `yaml:"buildKit"`
	Kaniko                       *KanikoBuild       `yaml:"kaniko"`
	Custom                       *CustomBuild       `yaml:"custom"`
	Build                        *LegacyBuild       `yaml:"build"`
	InjectRestartHelper          bool               `yaml:"injectRestartHelper"`
	InjectLegacyRestartHelper    bool               `yaml:"injectLegacyRestartHelper"`
	RestartHelperPath            string             `yaml:"restartHelperPath"`
	// Disabled comes from the older `build.disabled`: nothing is built, but
	// runtime variables still resolve to the configured image and tag.
	Disabled bool `yaml:"-"`
}

// DockerBuild holds options for builds on a Docker Engine.
type DockerBuild struct {
	PreferMinikube  *bool    `yaml:"preferMinikube"`
	DisableFallback *bool    `yaml:"disableFallback"`
	UseCli          bool     `yaml:"useCli"`
	UseBuildKit     bool     `yaml:"useBuildKit"`
	Args            []string `yaml:"args"`
	SkipPush        bool     `yaml:"skipPush"` // older `build.docker.skipPush`
}

// BuildKitBuild holds options for BuildKit builds (buildx or in-cluster).
type BuildKitBuild struct {
	InCluster      *BuildKitInCluster `yaml:"inCluster"`
	PreferMinikube *bool              `yaml:"preferMinikube"`
	Args           []string           `yaml:"args"`
	Command        []string           `yaml:"command"`
	SkipPush       bool               `yaml:"skipPush"`
}

// BuildKitInCluster runs a BuildKit daemon inside the cluster.
type BuildKitInCluster struct {
	Name         string            `yaml:"name"`
	Namespace    string            `yaml:"namespace"`
	Rootless     bool              `yaml:"rootless"`
	Image        string            `yaml:"image"`
	NodeSelector string            `yaml:"nodeSelector"`
	NoCreate     bool              `yaml:"noCreate"`
	NoRecreate   bool              `yaml:"noRecreate"`
	NoLoad       bool              `yaml:"noLoad"`
	CreateArgs   []string          `yaml:"createArgs"`
	Labels       map[string]string `yaml:"labels"`
	Annotations  map[string]string `yaml:"annotations"`
	// HostNetwork runs buildkitd in the node's network namespace, so that
	// it reaches a registry listening on the node's loopback (a
	// devspace extension; DevSpace v6 has no such field).
	HostNetwork bool `yaml:"hostNetwork"`
	// Privileged runs buildkitd privileged (default true for rootful, as
	// buildx's kubernetes driver does). false gives it SYS_ADMIN and
	// unconfined seccomp/AppArmor instead, for clusters that refuse
	// privileged pods, with an image that can cope (a devspace extension).
	Privileged *bool `yaml:"privileged"`
}

// KanikoBuild holds options for in-cluster kaniko builds.
type KanikoBuild struct {
	Cache               *bool             `yaml:"cache"`
	SnapshotMode        string            `yaml:"snapshotMode"`
	Image               string            `yaml:"image"`
	InitImage           string            `yaml:"initImage"`
	Args                []string          `yaml:"args"`
	Command             []string          `yaml:"command"`
	Namespace           string            `yaml:"namespace"`
	Insecure            *bool             `yaml:"insecure"`
	PullSecret          string            `yaml:"pullSecret"`
	SkipPullSecretMount bool              `yaml:"skipPullSecretMount"`
	NodeSelector        map[string]string `yaml:"nodeSelector"`
	Tolerations         []map[string]any  `yaml:"tolerations"`
	ServiceAccount      string            `yaml:"serviceAccount"`
	GenerateName        string            `yaml:"generateName"`
	Annotations         map[string]string `yaml:"annotations"`
	Labels              map[string]string `yaml:"labels"`
	InitEnv             map[string]string `yaml:"initEnv"`
	Env                 map[string]string `yaml:"env"`
	EnvFrom             map[string]any    `yaml:"envFrom"`
	AdditionalMounts    []map[string]any  `yaml:"additionalMounts"`
	Resources           *KanikoResources  `yaml:"resources"`
	// HostNetwork runs the build pod in the node's network namespace, so
	// that kaniko reaches a registry listening on the node's loopback (a
	// devspace extension; DevSpace v6 has no such field).
	HostNetwork bool `yaml:"hostNetwork"`
}

// KanikoResources sets the build pod's resource requests and limits.
type KanikoResources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

// CustomBuild runs a user command to build the image.
type CustomBuild struct {
	Command      string               `yaml:"command"`
	OnChange     []string             `yaml:"onChange"`
	Commands     []CustomBuildCommand `yaml:"commands"`
	Args         []string             `yaml:"args"`
	AppendArgs   []string             `yaml:"appendArgs"`
	ImageFlag    string               `yaml:"imageFlag"`
	ImageTagOnly bool                 `yaml:"imageTagOnly"`
	SkipImageArg *bool                `yaml:"skipImageArg"`
}

// CustomBuildCommand is an OS-specific custom build command.
type CustomBuildCommand struct {
	Command string `yaml:"command"`
	OS      string `yaml:"os"`
}

// LegacyBuild is the nested `build:` block of older configs.
type LegacyBuild struct {
	Disabled   bool                `yaml:"disabled"`
	Dockerfile string              `yaml:"dockerfile"`
	Context    string              `yaml:"context"`
	Docker     *DockerBuild        `yaml:"docker"`
	Kaniko     *KanikoBuild        `yaml:"kaniko"`
	BuildKit   *BuildKitBuild      `yaml:"buildKit"`
	Custom     *CustomBuild        `yaml:"custom"`
	Options    *LegacyBuildOptions `yaml:"options"`
}

// LegacyBuildOptions are the builder-independent options of the older block.
type LegacyBuildOptions struct {
	Target    string             `yaml:"target"`
	Network   string             `yaml:"network"`
	BuildArgs map[string]*string `yaml:"buildArgs"`
}

// foldLegacy maps the older nested `build:` block and the single `tag:` onto
// the flat v2beta1 fields. Flat fields that are already set win.
func (img *Image) foldLegacy() {
	if img.Tag != "" {
		img.Tags = append([]string{img.Tag}, img.Tags...)
		img.Tag = ""
	}
	img.foldSkipPush()
	b := img.Build
	if b == nil {
		return
	}
	img.Disabled = b.Disabled
	img.Dockerfile = cmp.Or(img.Dockerfile, b.Dockerfile)
	img.Context = cmp.Or(img.Context, b.Context)
	if img.Docker == nil {
		img.Docker = b.Docker
	}
	if img.Kaniko == nil {
		img.Kaniko = b.Kaniko
	}
	if img.BuildKit == nil {
		img.BuildKit = b.BuildKit
	}
	if img.Custom == nil {
		img.Custom = b.Custom
	}
	if o := b.Options; o != nil {
		img.Target = cmp.Or(img.Target, o.Target)
		img.Network = cmp.Or(img.Network, o.Network)
		if img.BuildArgs == nil {
			img.BuildArgs = o.BuildArgs
		}
	}
	img.Build = nil
}

// foldSkipPush maps the older builder-level skipPush (`docker.skipPush`,
// `buildKit.skipPush`, also under `build:`) onto the image's.
func (img *Image) foldSkipPush() {
	docker, buildKit := []*DockerBuild{img.Docker}, []*BuildKitBuild{img.BuildKit}
	if b := img.Build; b != nil {
		docker, buildKit = append(docker, b.Docker), append(buildKit, b.BuildKit)
	}
	for _, d := range docker {
		img.SkipPush = img.SkipPush || (d != nil && d.SkipPush)
	}
	for _, bk := range buildKit {
		img.SkipPush = img.SkipPush || (bk != nil && bk.SkipPush)
	}
}
