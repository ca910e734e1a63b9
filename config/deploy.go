package config

// Deployment is one entry of `deployments:`; exactly one of Helm or Kubectl.
type Deployment struct {
	Name            string         `yaml:"name"`
	Namespace       string         `yaml:"namespace"`
	UpdateImageTags *bool          `yaml:"updateImageTags"`
	Helm            *HelmConfig    `yaml:"helm"`
	Kubectl         *KubectlConfig `yaml:"kubectl"`
	// WaitReady false: create_deployments returns once the objects are
	// applied instead of waiting for their workloads to be ready.
	WaitReady *bool `yaml:"waitReady"`
}

// HelmConfig deploys a Helm chart.
type HelmConfig struct {
	ReleaseName             string         `yaml:"releaseName"`
	Chart                   *ChartConfig   `yaml:"chart"`
	Values                  map[string]any `yaml:"values"`
	ValuesFiles             []string       `yaml:"valuesFiles"`
	DisplayOutput           bool           `yaml:"output"`
	UpgradeArgs             []string       `yaml:"upgradeArgs"`
	TemplateArgs            []string       `yaml:"templateArgs"`
	DisableDependencyUpdate bool           `yaml:"disableDependencyUpdate"`
}

// ChartConfig names a chart: a repo chart, a local path, OCI or git.
type ChartConfig struct {
	Name         string `yaml:"name"`
	Version      string `yaml:"version"`
	RepoURL      string `yaml:"repo"`
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	SourceConfig `yaml:",inline"`
}

// KubectlConfig applies manifests.
type KubectlConfig struct {
	Manifests           []string       `yaml:"manifests"`
	InlineManifest      string         `yaml:"inlineManifest"`
	ApplyArgs           []string       `yaml:"applyArgs"`
	CreateArgs          []string       `yaml:"createArgs"`
	KubectlBinaryPath   string         `yaml:"kubectlBinaryPath"`
	Kustomize           *bool          `yaml:"kustomize"`
	KustomizeArgs       []string       `yaml:"kustomizeArgs"`
	KustomizeBinaryPath string         `yaml:"kustomizeBinaryPath"`
	Patches             []KubectlPatch `yaml:"patches"`
}

// KubectlPatch edits a rendered manifest object.
type KubectlPatch struct {
	Target KubectlPatchTarget `yaml:"target"`
	Op     string             `yaml:"op"`
	Path   string             `yaml:"path"`
	Value  any                `yaml:"value"`
}

// KubectlPatchTarget selects the object a patch applies to.
type KubectlPatchTarget struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
}

// DevPod is one entry of `dev:`. Selection, pod replacement (devImage,
// command, args, workingDir, env), ports, logs, terminal and sync have
// behaviour; the other fields load, so that configs work and typos are
// caught, and are refused by start_dev until they are implemented.
type DevPod struct {
	Name          string                   `yaml:"name"`
	ImageSelector string                   `yaml:"imageSelector"`
	LabelSelector map[string]string        `yaml:"labelSelector"`
	Namespace     string                   `yaml:"namespace"`
	Open          []map[string]any         `yaml:"open"`
	Containers    map[string]*DevContainer `yaml:"containers"`
	Patches       []map[string]any         `yaml:"patches"`
	DevContainer  `yaml:",inline"`
}

// DevContainer holds the per-container dev settings.
type DevContainer struct {
	Container string `yaml:"container"`
	// Arch is the container's architecture, amd64 or arm64, for the sync
	// agent; empty: detected.
	Arch               string            `yaml:"arch"`
	Target             string            `yaml:"target"`
	DevImage           string            `yaml:"devImage"`
	Command            []string          `yaml:"command"`
	Args               []string          `yaml:"args"`
	WorkingDir         string            `yaml:"workingDir"`
	Env                []DevEnv          `yaml:"env"`
	Resources          map[string]any    `yaml:"resources"`
	Sync               []DevSync         `yaml:"sync"`
	Ports              []DevPort         `yaml:"ports"`
	ReversePorts       []map[string]any  `yaml:"reversePorts"`
	Terminal           *DevTerminal      `yaml:"terminal"`
	Logs               *DevLogs          `yaml:"logs"`
	Attach             map[string]any    `yaml:"attach"`
	SSH                *DevSSH           `yaml:"ssh"`
	ProxyCommands      []DevProxyCommand `yaml:"proxyCommands"`
	RestartHelper      map[string]any    `yaml:"restartHelper"`
	PersistPaths       []DevPersistPath  `yaml:"persistPaths"`
	PersistenceOptions *DevPersistence   `yaml:"persistenceOptions"`
}

// DevSSH runs an SSH server in the container, reached through a local
// port and a Host entry in ~/.ssh/config (dev.*.ssh).
type DevSSH struct {
	Enabled       *bool  `yaml:"enabled"`
	LocalHostname string `yaml:"localHostname"` // default NAME.PROJECT.devspace
	LocalPort     int    `yaml:"localPort"`     // default a free port, the same next time
	RemoteAddress string `yaml:"remoteAddress"` // default :8022
	UseInclude    bool   `yaml:"useInclude"`
}

// DevProxyCommand is a command of the container that runs on this
// machine (dev.*.proxyCommands).
type DevProxyCommand struct {
	Command          string `yaml:"command"`
	LocalCommand     string `yaml:"localCommand"` // default: command
	GitCredentials   bool   `yaml:"gitCredentials"`
	SkipContainerEnv bool   `yaml:"skipContainerEnv"`
}

// DevPersistPath keeps a directory of the container on the dev config's
// volume claim (persistPaths).
type DevPersistPath struct {
	Path          string         `yaml:"path"`
	VolumePath    string         `yaml:"volumePath"`
	ReadOnly      bool           `yaml:"readOnly"`
	SkipPopulate  bool           `yaml:"skipPopulate"`
	ContainerName string         `yaml:"containerName"`
	InitContainer map[string]any `yaml:"initContainer"`
}

// DevPersistence is the volume claim of persistPaths (persistenceOptions).
type DevPersistence struct {
	Name             string   `yaml:"name"`
	Size             string   `yaml:"size"`
	StorageClassName string   `yaml:"storageClassName"`
	AccessModes      []string `yaml:"accessModes"`
	ReadOnly         bool     `yaml:"readOnly"`
}

// DevPort forwards a local port to the pod: "8080" or "LOCAL:REMOTE".
type DevPort struct {
	Port        string `yaml:"port"`
	BindAddress string `yaml:"bindAddress"`
}

// DevLogs streams the container's log.
type DevLogs struct {
	Enabled   *bool `yaml:"enabled"`
	LastLines int   `yaml:"lastLines"`
}

// DevEnv is an environment variable of a replaced container.
type DevEnv struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// DevSync syncs a local directory with one in the container.
type DevSync struct {
	Path                 string           `yaml:"path"`
	ExcludePaths         []string         `yaml:"excludePaths"`
	ExcludeFile          string           `yaml:"excludeFile"`
	DownloadExcludePaths []string         `yaml:"downloadExcludePaths"`
	DownloadExcludeFile  string           `yaml:"downloadExcludeFile"`
	UploadExcludePaths   []string         `yaml:"uploadExcludePaths"`
	UploadExcludeFile    string           `yaml:"uploadExcludeFile"`
	StartContainer       bool             `yaml:"startContainer"`
	OnUpload             *DevSyncOnUpload `yaml:"onUpload"`
	InitialSync          string           `yaml:"initialSync"`
	WaitInitialSync      *bool            `yaml:"waitInitialSync"`
	InitialSyncCompareBy string           `yaml:"initialSyncCompareBy"`
	DisableDownload      bool             `yaml:"disableDownload"`
	DisableUpload        bool             `yaml:"disableUpload"`
	BandwidthLimits      map[string]any   `yaml:"bandwidthLimits"`
	Polling              bool             `yaml:"polling"`
	NoWatch              bool             `yaml:"noWatch"`
	File                 bool             `yaml:"file"`
	PrintLogs            bool             `yaml:"printLogs"`
}

// DevSyncOnUpload is what happens after sync uploaded files.
type DevSyncOnUpload struct {
	RestartContainer bool          `yaml:"restartContainer"`
	Exec             []DevSyncExec `yaml:"exec"`
}

// DevSyncExec is a command run in the container after an upload of files
// that OnChange matches (gitignore-style; every upload when empty). A
// Command without Args runs through sh -c.
type DevSyncExec struct {
	Name        string   `yaml:"name"`
	Command     string   `yaml:"command"`
	Args        []string `yaml:"args"`
	FailOnError bool     `yaml:"failOnError"`
	Local       bool     `yaml:"local"`
	Once        bool     `yaml:"once"`
	OnChange    []string `yaml:"onChange"`
}

// DevTerminal opens an interactive shell in the container.
type DevTerminal struct {
	Command        string `yaml:"command"`
	WorkDir        string `yaml:"workDir"`
	Enabled        *bool  `yaml:"enabled"`
	DisableReplace bool   `yaml:"disableReplace"`
	DisableScreen  bool   `yaml:"disableScreen"`
	DisableTTY     bool   `yaml:"disableTTY"`
}
