package syncproto

// Proxy commands (dev.*.proxyCommands) between the sync agent in the
// container and devspace use the same frames: one request first, then
// input one way and output and the exit status the other.

// Frame types of proxy calls.
const (
	ProxyRequest = 'r' // client: a ProxyCall, JSON
	ProxyStdin   = 'i' // client: input; an empty one is its end
	ProxyStdout  = 'o' // server: output
	ProxyStderr  = 'e' // server: error output
	ProxyExit    = 'x' // server: the exit status, decimal; the last frame
)

// ProxyCall is a command run in the container that is to run here.
type ProxyCall struct {
	Command string   // the name it was run by in the container
	Args    []string // its arguments
	Dir     string   // its working directory in the container
	Env     []string // its environment
}

// ProxyConfigFile is where the agent finds the port to call devspace on (a
// JSON ProxyConfig), in the container.
const ProxyConfigFile = "/tmp/devspace-proxy-commands.json"

// ProxyConfig is the content of ProxyConfigFile.
type ProxyConfig struct {
	Port int `json:"port"`
}

// ProxyBinDir is where the commands are linked to the agent.
const ProxyBinDir = "/usr/local/bin"

// GitCredentialHelper is the name the agent is linked as in ProxyBinDir
// when a proxy command sets gitCredentials: the container's git credential
// helper (named in the container user's ~/.gitconfig), whose `get` devspace
// answers with this machine's `git credential fill`.
const GitCredentialHelper = "devspace-git-credential"
