// Package config owns devspace.yaml: it finds the file, decodes it strictly
// into typed structs (schema version v2beta1), resolves `vars`, applies
// profiles and substitutes ${VAR} references at load time. Every decoded
// value can be traced back to its file:line:col through Config.Pos.
package config

// Config is a decoded devspace.yaml after variables and profiles were applied.
type Config struct {
	Version       string                 `yaml:"version"`
	Name          string                 `yaml:"name"`
	Imports       []Import               `yaml:"imports"`
	Require       *Require               `yaml:"require"`
	Vars          map[string]*Var        `yaml:"vars"`
	Images        map[string]*Image      `yaml:"images"`
	Deployments   map[string]*Deployment `yaml:"deployments"`
	Dev           map[string]*DevPod     `yaml:"dev"`
	Pipelines     map[string]*Pipeline   `yaml:"pipelines"`
	Commands      map[string]*Command    `yaml:"commands"`
	Functions     map[string]string      `yaml:"functions"`
	Profiles      []*Profile             `yaml:"profiles"`
	Hooks         []*Hook                `yaml:"hooks"`
	Dependencies  map[string]*Dependency `yaml:"dependencies"`
	PullSecrets   map[string]*PullSecret `yaml:"pullSecrets"`
	LocalRegistry *LocalRegistry         `yaml:"localRegistry"`

	// Path is the absolute path of the devspace.yaml this config came from.
	Path string `yaml:"-"`
	// Dir is the directory of Path; relative paths in the config resolve here.
	Dir string `yaml:"-"`
	// Source is the file's text, for error snippets.
	Source []byte `yaml:"-"`
	// Variables holds every resolved variable (config vars, predefined ones,
	// --var values); scripts see them as environment variables.
	Variables map[string]string `yaml:"-"`
	// Environ is the environment the config was loaded with plus the
	// entries of its DEVSPACE_ENV_FILE that the environment did not set;
	// scripts and commands run with it.
	Environ []string `yaml:"-"`
	// ActiveProfiles lists the selected profiles in the order they were
	// applied: activated ones, then -p ones. Parents applied on the way are
	// not listed.
	ActiveProfiles []string `yaml:"-"`
	// Raw is the config as plain data (maps, slices, scalars) after variables
	// and profiles, for get_config_value and `devspace print`.
	Raw map[string]any `yaml:"-"`

	positions map[string]Pos
	// files maps positions' lines to the config and its imports.
	files *fileTable
}

// Pipeline is one entry of `pipelines:`. A plain string is shorthand for run.
type Pipeline struct {
	Name            string         `yaml:"name"`
	Run             string         `yaml:"run"`
	Flags           []PipelineFlag `yaml:"flags"`
	ContinueOnError bool           `yaml:"continueOnError"`

	// Script locates the run text in devspace.yaml so that script parse
	// errors can point at the file rather than at the script's own line.
	Script ScriptSource `yaml:"-"`
}

// PipelineFlag declares a flag of a pipeline (`devspace run-pipeline NAME --flag`).
type PipelineFlag struct {
	Name        string `yaml:"name"`
	Short       string `yaml:"short"`
	Type        string `yaml:"type"`
	Default     any    `yaml:"default"`
	Description string `yaml:"description"`
}

// Command is one entry of `commands:`. A plain string is shorthand for command.
type Command struct {
	Name        string   `yaml:"name"`
	Command     string   `yaml:"command"`
	Args        []string `yaml:"args"`
	AppendArgs  bool     `yaml:"appendArgs"`
	Description string   `yaml:"description"`
	Section     string   `yaml:"section"`
	Internal    bool     `yaml:"internal"`
	After       string   `yaml:"after"`

	Script ScriptSource `yaml:"-"`
}

// Var is one entry of `vars:`. A plain scalar is shorthand for value, and a
// string of the form $(cmd) is shorthand for command.
type Var struct {
	Name              string       `yaml:"name"`
	Value             any          `yaml:"value"`
	Question          string       `yaml:"question"`
	Default           any          `yaml:"default"`
	Options           []string     `yaml:"options"`
	Password          bool         `yaml:"password"`
	ValidationPattern string       `yaml:"validationPattern"`
	ValidationMessage string       `yaml:"validationMessage"`
	NoCache           bool         `yaml:"noCache"`
	Command           string       `yaml:"command"`
	Args              []string     `yaml:"args"`
	Commands          []VarCommand `yaml:"commands"`
	AlwaysResolve     *bool        `yaml:"alwaysResolve"`
	Source            string       `yaml:"source"`
}

// VarCommand is an OS-specific command for a variable.
type VarCommand struct {
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
	OS      string   `yaml:"os"`
}

// Import merges another config file into this one.
type Import struct {
	Enabled      *bool `yaml:"enabled"`
	SourceConfig `yaml:",inline"`
}

// SourceConfig points at a local path or a git repository.
type SourceConfig struct {
	Path           string   `yaml:"path"`
	Git            string   `yaml:"git"`
	SubPath        string   `yaml:"subPath"`
	Branch         string   `yaml:"branch"`
	Tag            string   `yaml:"tag"`
	Revision       string   `yaml:"revision"`
	CloneArgs      []string `yaml:"cloneArgs"`
	DisableShallow bool     `yaml:"disableShallow"`
	DisablePull    bool     `yaml:"disablePull"`
}

// Require states what a project needs to run.
type Require struct {
	DevSpace string              `yaml:"devspace"`
	Commands []RequireCommand    `yaml:"commands"`
	Plugins  []map[string]string `yaml:"plugins"`
}

// RequireCommand is a command that must be installed.
type RequireCommand struct {
	Name         string   `yaml:"name"`
	VersionArgs  []string `yaml:"versionArgs"`
	VersionRegEx string   `yaml:"versionRegEx"`
	Version      string   `yaml:"version"`
}

// Profile changes the config when activated with -p or by its activation rules.
type Profile struct {
	Name        string              `yaml:"name"`
	Description string              `yaml:"description"`
	Parent      string              `yaml:"parent"`
	Parents     []ProfileParent     `yaml:"parents"`
	Patches     []ProfilePatch      `yaml:"patches"`
	Replace     map[string]any      `yaml:"replace"`
	Merge       map[string]any      `yaml:"merge"`
	Activation  []ProfileActivation `yaml:"activation"`
}

// ProfileParent names a profile to apply before this one.
type ProfileParent struct {
	Source  *SourceConfig `yaml:"source"`
	Profile string        `yaml:"profile"`
}

// ProfilePatch is one JSON-patch-like edit.
type ProfilePatch struct {
	Op    string `yaml:"op"`
	Path  string `yaml:"path"`
	Value any    `yaml:"value"`
}

// ProfileActivation activates a profile when all its patterns match.
type ProfileActivation struct {
	Env  map[string]string `yaml:"env"`
	Vars map[string]string `yaml:"vars"`
}

// Hook runs a command on an event.
type Hook struct {
	Name       string         `yaml:"name"`
	Events     []string       `yaml:"events"`
	Command    string         `yaml:"command"`
	Args       []string       `yaml:"args"`
	OS         string         `yaml:"os"`
	Upload     *HookSyncPath  `yaml:"upload"`
	Download   *HookSyncPath  `yaml:"download"`
	Logs       *HookLogs      `yaml:"logs"`
	Wait       *HookWait      `yaml:"wait"`
	Background bool           `yaml:"background"`
	Silent     bool           `yaml:"silent"`
	Disabled   bool           `yaml:"disabled"`
	Container  *HookContainer `yaml:"container"`
}

// HookSyncPath is a local/container path pair.
type HookSyncPath struct {
	LocalPath     string `yaml:"localPath"`
	ContainerPath string `yaml:"containerPath"`
}

// HookLogs prints container logs.
type HookLogs struct {
	TailLines *int64 `yaml:"tailLines"`
}

// HookWait waits for a container state.
type HookWait struct {
	Running            bool   `yaml:"running"`
	TerminatedWithCode *int32 `yaml:"terminatedWithCode"`
	Timeout            int64  `yaml:"timeout"`
}

// HookContainer selects the container a hook runs in.
type HookContainer struct {
	LabelSelector map[string]string `yaml:"labelSelector"`
	Pod           string            `yaml:"pod"`
	Namespace     string            `yaml:"namespace"`
	ImageSelector string            `yaml:"imageSelector"`
	ContainerName string            `yaml:"containerName"`
	Wait          *bool             `yaml:"wait"`
	Timeout       int64             `yaml:"timeout"`
	Once          *bool             `yaml:"once"`
}

// Dependency is another DevSpace project this one depends on.
type Dependency struct {
	Name                     string            `yaml:"name"`
	Disabled                 bool              `yaml:"disabled"`
	Pipeline                 string            `yaml:"pipeline"`
	Vars                     map[string]string `yaml:"vars"`
	OverwriteVars            bool              `yaml:"overwriteVars"`
	IgnoreDependencies       bool              `yaml:"ignoreDependencies"`
	Namespace                string            `yaml:"namespace"`
	Profiles                 []string          `yaml:"profiles"`
	DisableProfileActivation bool              `yaml:"disableProfileActivation"`
	SourceConfig             `yaml:",inline"`
}

// PullSecret describes an image pull secret to create in the cluster.
type PullSecret struct {
	Name            string   `yaml:"name"`
	Registry        string   `yaml:"registry"`
	Username        string   `yaml:"username"`
	Password        string   `yaml:"password"`
	Email           string   `yaml:"email"`
	Secret          string   `yaml:"secret"`
	ServiceAccounts []string `yaml:"serviceAccounts"`
}

// LocalRegistry configures the registry devspace runs in the cluster for
// images that have no registry to be pushed to (see package localregistry).
type LocalRegistry struct {
	// Enabled: true always uses it for images built on the Docker Engine,
	// false never; unset uses it for Docker Hub images this machine has no
	// login for, when the kube context is not a local cluster.
	Enabled *bool `yaml:"enabled"`
	// LocalBuild: images are built on this machine and pushed through a
	// port-forward (only true is supported; see Unsupported).
	LocalBuild    bool                      `yaml:"localbuild"`
	Namespace     string                    `yaml:"namespace"`
	Name          string                    `yaml:"name"`
	Image         string                    `yaml:"image"`
	BuildKitImage string                    `yaml:"buildKitImage"`
	Port          *int                      `yaml:"port"`
	Persistence   *LocalRegistryPersistence `yaml:"persistence"`
}

// LocalRegistryPersistence keeps the local registry's images on a
// persistent volume (a StatefulSet) instead of an emptyDir.
type LocalRegistryPersistence struct {
	Enabled          *bool  `yaml:"enabled"`
	Size             string `yaml:"size"`
	StorageClassName string `yaml:"storageClassName"`
}

// ScriptSource locates a script's text inside devspace.yaml.
type ScriptSource struct {
	// Line and Col are where the script's first character sits in the file.
	Line, Col int
	// Block is true for `|`/`>` scalars: script line N is file line Line+N-1
	// at column Col (the block's indentation + 1).
	Block bool
}
