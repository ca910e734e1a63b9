package engine

import "github.com/devspace-engine/devspace/config"

// DefaultPipelineNames are the pipelines every project has, as in DevSpace v6.
var DefaultPipelineNames = []string{"build", "deploy", "dev", "purge"}

var defaultScripts = map[string]string{
	"build": "run_dependencies --all --pipeline build\nbuild_images --all\n",
	"deploy": "run_dependencies --all\nensure_pull_secrets --all\nbuild_images --all\n" +
		"create_deployments --all\n",
	"dev": "run_dependencies --all\nensure_pull_secrets --all\nbuild_images --all\n" +
		"create_deployments --all\nstart_dev --all\n",
	"purge": "stop_dev --all\npurge_deployments --all\nrun_dependencies --all --pipeline purge\n",
}

// DefaultPipeline returns a copy of one of the built-in pipelines.
func DefaultPipeline(name string) (*config.Pipeline, bool) {
	run, ok := defaultScripts[name]
	if !ok {
		return nil, false
	}
	return &config.Pipeline{Name: name, Run: run}, true
}
