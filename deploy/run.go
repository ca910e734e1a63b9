package deploy

import (
	"context"
	"io"
	"maps"
	"slices"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/runvars"
)

// Services are what a create or purge call uses from the process and the
// calling script.
type Services struct {
	// Kube connects to the cluster of the call's kube flags; it is not
	// called when rendering or when nothing was ever deployed.
	Kube func() (*kube.Client, error)
	// Records returns the deployment records of the config at a path,
	// shared by every call in the process.
	Records func(configPath string) (*Records, error)
	// Runtime holds the images' runtime variables (repository, tag).
	Runtime *runvars.Store
	// Helm runs helm deployments; nil refuses them.
	Helm HelmRunner
	// Log returns where deployment name's progress goes.
	Log func(name string) io.Writer
	// Events receives the deploy, render and purge events, for hooks;
	// nil emits none.
	Events engine.Events
}

// emit reports an event of the whole call to the hooks.
func (s Services) emit(ctx context.Context, event string) error {
	if s.Events == nil {
		return nil
	}
	return s.Events.Emit(ctx, event, nil)
}

// CreateOptions are one create_deployments call.
type CreateOptions struct {
	Config *config.Config
	// Names are the deployments to deploy, in the order given.
	Names []string
	// Patch changes the named deployments for this call (--set, --from, …).
	Patch config.SetValues
	Options
	Services
}

// Create deploys opts.Names (renders them when opts.Render is set, without
// a cluster), with the images of the runtime store put in.
func Create(ctx context.Context, opts CreateOptions) error {
	var client *kube.Client
	if opts.Render == nil {
		var err error
		if client, err = opts.Kube(); err != nil {
			return err
		}
	}
	cfg, err := patched(opts.Config, opts.Names, opts.Patch)
	if err != nil {
		return err
	}
	d, err := opts.deployer(cfg, client)
	if err != nil {
		return err
	}
	return d.Deploy(ctx, opts.Names, opts.Options)
}

// RemoveOptions are one purge_deployments call.
type RemoveOptions struct {
	Config *config.Config
	// All purges every deployment recorded in the target namespaces but
	// those in Except; Names are purged too.
	All    bool
	Except []string
	Names  []string
	PurgeOptions
	Services
}

// Remove purges what earlier deploys of the chosen deployments created
// (see Deployer.Purge). When nothing was ever deployed from this config no
// cluster is contacted.
func Remove(ctx context.Context, opts RemoveOptions) error {
	if err := opts.emit(ctx, "before:purge"); err != nil {
		return err
	}
	if err := remove(ctx, opts); err != nil {
		return err
	}
	return opts.emit(ctx, "after:purge")
}

func remove(ctx context.Context, opts RemoveOptions) error {
	recs, err := opts.Records(opts.Config.Path)
	if err != nil {
		return err
	}
	if !recs.Any() {
		return nil
	}
	client, err := opts.Kube()
	if err != nil {
		return err
	}
	d, err := opts.deployer(opts.Config, client)
	if err != nil {
		return err
	}
	var names []string
	if opts.All {
		for _, r := range d.Targeted() {
			if !slices.Contains(opts.Except, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	names = append(names, opts.Names...)
	if len(names) == 0 {
		return nil
	}
	return d.Purge(ctx, names, opts.PurgeOptions)
}

// deployer is the Deployer of cfg through client (nil when rendering).
func (s Services) deployer(cfg *config.Config, client *kube.Client) (*Deployer, error) {
	recs, err := s.Records(cfg.Path)
	if err != nil {
		return nil, err
	}
	return &Deployer{
		Config:  cfg,
		Client:  client,
		Images:  StoreImages(cfg.Images, s.Runtime),
		Records: recs,
		Log:     s.Log,
		Helm:    s.Helm,
		Events:  s.Events,
	}, nil
}

// patched is cfg with the named deployments changed by sv (cfg itself
// when sv is empty).
func patched(cfg *config.Config, names []string, sv config.SetValues) (*config.Config, error) {
	if sv.Empty() {
		return cfg, nil
	}
	out := *cfg
	out.Deployments = maps.Clone(cfg.Deployments)
	for _, name := range names {
		d, err := cfg.PatchDeployment(name, sv)
		if err != nil {
			return nil, err
		}
		out.Deployments[name] = d
	}
	return &out, nil
}

// StoreImages shows a runtime store to deployments: the images of
// images: that have a tag there.
func StoreImages(images map[string]*config.Image, store *runvars.Store) Images {
	return storeImages{images: images, store: store}
}

type storeImages struct {
	images map[string]*config.Image
	store  *runvars.Store
}

func (s storeImages) Lookup(key string) (string, error) { return s.store.Lookup(key) }

func (s storeImages) Built() []BuiltImage {
	var out []BuiltImage
	for name := range s.images {
		img, ok := s.store.Image(name)
		if !ok || img.Tag == "" {
			continue
		}
		built := BuiltImage{Name: name, Repository: img.Image, Tag: img.Tag, Fresh: img.Built}
		if conf := s.images[name]; conf != nil && conf.Image != img.Image {
			built.Configured = conf.Image
		}
		out = append(out, built)
	}
	return out
}
