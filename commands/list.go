package commands

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
)

func listCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "List pipelines, commands, vars, images, dependencies, deployments, ports, sync paths, profiles, contexts or namespaces",
		Subcommands: []*cli.Command{
			sessionTableCommand("pipelines", "List the pipelines (the config's and the defaults)", stdio, infallible(listPipelines)),
			sessionTableCommand("commands", "List the commands of devspace.yaml", stdio, infallible(listCommands)),
			sessionTableCommand("vars", "List the variables and their values", stdio, infallible(listVars)),
			sessionTableCommand("images", "List the images", stdio, infallible(listImages)),
			sessionTableCommand("dependencies", "List the dependencies, the whole tree", stdio, listDependencies),
			sessionTableCommand("deployments", "List the deployments: deployed or not, revision or objects, ready or why not", stdio, listDeployments),
			sessionTableCommand("ports", "List the ports the dev configs forward", stdio, infallible(listPorts)),
			sessionTableCommand("sync", "List the dev configs' sync paths", stdio, infallible(listSync)),
			tableCommand("profiles", "List the config's profiles and which are active", stdio, listProfiles(stdio)),
			tableCommand("contexts", "List the kubeconfig's contexts", stdio, listContexts),
			tableCommand("namespaces", "List the cluster's namespaces", stdio, listNamespaces),
		},
	}
}

// infallible adapts a listing that reads only the loaded config.
func infallible(list func(*session) table) func(context.Context, *session) (table, error) {
	return func(_ context.Context, s *session) (table, error) { return list(s), nil }
}

// pipelineEntry is one pipeline of `list pipelines -o json`.
type pipelineEntry struct {
	Name   string   `json:"name"`
	Source string   `json:"source"`
	Flags  []string `json:"flags"`
}

func listPipelines(s *session) table {
	t := table{header: []string{"NAME", "SOURCE", "FLAGS"}}
	entries := []pipelineEntry{}
	for _, name := range s.eng.PipelineNames() {
		e := pipelineEntry{Name: name, Source: "default", Flags: []string{}}
		if p, ok := s.cfg.Pipelines[name]; ok {
			e.Source = "devspace.yaml"
			for _, f := range p.Flags {
				e.Flags = append(e.Flags, "--"+f.Name)
			}
		}
		entries = append(entries, e)
		t.rows = append(t.rows, []string{name, e.Source, strings.Join(e.Flags, " ")})
	}
	t.json = entries
	return t
}

// commandEntry is one command of `list commands -o json`.
type commandEntry struct {
	Name        string `json:"name"`
	Section     string `json:"section"`
	Description string `json:"description"`
}

// listCommands lists the commands that are not internal; when some have
// a section, they are grouped by it (those without one first) and the
// section is shown.
func listCommands(s *session) table {
	var shown []*config.Command
	sections := false
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Commands)) {
		if cmd := s.cfg.Commands[name]; !cmd.Internal {
			shown = append(shown, cmd)
			sections = sections || cmd.Section != ""
		}
	}
	t := table{header: []string{"NAME", "DESCRIPTION"}}
	if sections {
		slices.SortStableFunc(shown, func(a, b *config.Command) int { return cmp.Compare(a.Section, b.Section) })
		t.header = []string{"NAME", "SECTION", "DESCRIPTION"}
	}
	entries := []commandEntry{}
	for _, cmd := range shown {
		entries = append(entries, commandEntry{Name: cmd.Name, Section: cmd.Section, Description: cmd.Description})
		row := []string{cmd.Name, cmd.Description}
		if sections {
			row = []string{cmd.Name, cmd.Section, cmd.Description}
		}
		t.rows = append(t.rows, row)
	}
	t.json = entries
	return t
}

// varEntry is one variable of `list vars -o json`.
type varEntry struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func listVars(s *session) table {
	t := table{header: []string{"NAME", "VALUE"}}
	entries := []varEntry{}
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Variables)) {
		if !strings.Contains(name, ".") {
			value := s.stdio.secrets.Redact(s.cfg.Variables[name])
			entries = append(entries, varEntry{Name: name, Value: value})
			t.rows = append(t.rows, []string{name, value})
		}
	}
	t.json = entries
	return t
}

// imageEntry is one image of `list images -o json`.
type imageEntry struct {
	Name       string   `json:"name"`
	Image      string   `json:"image"`
	Tags       []string `json:"tags"`
	Dockerfile string   `json:"dockerfile"`
	Context    string   `json:"context"`
}

func listImages(s *session) table {
	t := table{header: []string{"NAME", "IMAGE", "TAGS", "DOCKERFILE", "CONTEXT"}}
	entries := []imageEntry{}
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Images)) {
		img := s.cfg.Images[name]
		e := imageEntry{Name: name, Image: img.Image, Tags: append([]string{}, img.Tags...),
			Dockerfile: cmp.Or(img.Dockerfile, "./Dockerfile"), Context: cmp.Or(img.Context, "./")}
		entries = append(entries, e)
		t.rows = append(t.rows, []string{name, e.Image, strings.Join(e.Tags, ","), e.Dockerfile, e.Context})
	}
	t.json = entries
	return t
}

// dependencyEntry is one project of `list dependencies -o json`.
type dependencyEntry struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Pipeline string `json:"pipeline"`
	Note     string `json:"note"`
}

// listDependencies loads the whole tree (each project once) and lists it
// depth first; paths are relative to the root project.
func listDependencies(ctx context.Context, s *session) (table, error) {
	tree, err := s.svc.Dependencies.Tree(ctx)
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"NAME", "PATH", "PIPELINE", "NOTE"}}
	entries := []dependencyEntry{}
	for _, e := range tree {
		path := e.Dir
		if rel, err := filepath.Rel(s.cfg.Dir, e.Dir); err == nil {
			path = rel
		}
		d := dependencyEntry{Name: strings.Join(e.Chain, "/"), Path: path, Pipeline: e.Pipeline, Note: e.Note}
		entries = append(entries, d)
		t.rows = append(t.rows, []string{d.Name, d.Path, d.Pipeline, d.Note})
	}
	t.json = entries
	return t, nil
}

// readyCheck bounds how long list deployments looks at each workload: a
// crash or a failed image pull shows at once; a workload still rolling
// out is listed as not ready after this long.
const readyCheck = 3 * time.Second

// deploymentEntry is one deployment of `list deployments -o json`.
type deploymentEntry struct {
	Name       string     `json:"name"`
	Namespace  string     `json:"namespace"`
	Deployed   bool       `json:"deployed"`
	DeployedAt *time.Time `json:"deployedAt,omitempty"`
	// Objects applied, or the Helm release's revision (0 for kubectl).
	Objects  int    `json:"objects"`
	Revision int    `json:"helmRevision,omitempty"`
	Ready    bool   `json:"ready"`
	Reason   string `json:"reason,omitempty"`
}

// listDeployments lists every deployment of the config with its record
// in the namespace a deploy would use, and the readiness of its workloads.
func listDeployments(ctx context.Context, s *session) (table, error) {
	wd, err := os.Getwd()
	if err != nil {
		return table{}, err
	}
	list, err := s.svc.DeploymentStatuses(ctx, s.eng.NewCall("list deployments", wd), readyCheck)
	if err != nil {
		return table{}, fmt.Errorf("list deployments: %w", err)
	}
	t := table{header: []string{"NAME", "NAMESPACE", "DEPLOYED", "REVISION", "STATUS"}}
	entries := []deploymentEntry{}
	for _, st := range list {
		e := deploymentEntry{Name: st.Name, Namespace: st.Namespace, Deployed: st.Deployed}
		deployed, revision, status := "no", "-", "-"
		if st.Deployed {
			at := st.DeployedAt
			e.DeployedAt, e.Objects, e.Revision, e.Ready, e.Reason = &at, st.Objects, st.Revision, st.Ready, st.Reason
			deployed = st.DeployedAt.Local().Format(time.DateTime)
			revision = fmt.Sprintf("%d object(s)", st.Objects)
			if st.Revision > 0 {
				revision = fmt.Sprintf("helm revision %d", st.Revision)
			}
			status = "ready"
			if !st.Ready {
				status = "not ready: " + st.Reason
			}
		}
		entries = append(entries, e)
		t.rows = append(t.rows, []string{st.Name, st.Namespace, deployed, revision, status})
	}
	t.json = entries
	return t, nil
}
