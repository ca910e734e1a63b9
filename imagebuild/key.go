package imagebuild

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
)

// KeyInputs is everything a build key covers. Tags, skipPush,
// createPullSecret and absolute paths are deliberately not part of it, so the
// key is the same on every machine and in every checkout location.
type KeyInputs struct {
	// Dockerfile is the text after in-memory rewriting.
	Dockerfile []byte
	// Files are the context entries after .dockerignore (relative paths,
	// modes, content digests).
	Files     []ContextFile
	BuildArgs map[string]*string
	Target    string
	Network   string
	// Kind is the builder's name (see Kind.Name).
	Kind string
	// Options is the builder's output-affecting options, canonically
	// encoded (see Kind.Options).
	Options string
	// Named are the local named build contexts' entries (--build-context
	// NAME=DIR), by name; other named contexts enter through Options, as
	// written.
	Named []NamedFiles
}

// NamedFiles are the entries of one local named build context.
type NamedFiles struct {
	Name  string
	Files []ContextFile
}

// KeyParts are the digests a build key is made of. The cache keeps them so a
// rebuild can say which part changed.
type KeyParts struct {
	Dockerfile string `json:"dockerfile"`
	Context    string `json:"context"`
	Args       string `json:"args"`
	Options    string `json:"options"`
	// Bases digests the base images (external digests, project keys);
	// empty when the image has none, which leaves older keys unchanged.
	Bases string `json:"bases,omitempty"`
}

// Parts digests each part of in.
func (in KeyInputs) Parts() KeyParts {
	ctx := sha256.New()
	b := hashFiles(ctx, make([]byte, 0, 512), in.Files)
	// Named contexts follow the main one, each after its name; none
	// leaves the keys of images without them as they were.
	for _, n := range in.Named {
		ctx.Write(appendString([]byte("\x00named context\x00"), n.Name))
		b = hashFiles(ctx, b, n.Files)
	}
	b = b[:0]
	for _, k := range slices.Sorted(maps.Keys(in.BuildArgs)) {
		b = appendString(b, k)
		if v := in.BuildArgs[k]; v == nil {
			b = append(b, 0)
		} else {
			b = appendString(append(b, 1), *v)
		}
	}
	args := sha256.Sum256(b)
	b = b[:0]
	for _, s := range []string{in.Kind, in.Target, in.Network, in.Options} {
		b = appendString(b, s)
	}
	opts := sha256.Sum256(b)
	df := sha256.Sum256(in.Dockerfile)
	return KeyParts{
		Dockerfile: hex.EncodeToString(df[:]),
		Context:    hex.EncodeToString(ctx.Sum(nil)),
		Args:       hex.EncodeToString(args[:]),
		Options:    hex.EncodeToString(opts[:]),
	}
}

// Key combines the parts into the build key, a sha256 hex digest.
func (p KeyParts) Key() string {
	fields := []string{"devspace build key v1", p.Dockerfile, p.Context, p.Args, p.Options}
	if p.Bases != "" {
		fields = append(fields, p.Bases)
	}
	s := strings.Join(fields, "\n")
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// hashFiles writes each file's path, mode and digest to h, with b as
// scratch space, which it returns.
func hashFiles(h io.Writer, b []byte, files []ContextFile) []byte {
	for _, f := range files {
		b = appendString(b[:0], f.Path)
		b = binary.BigEndian.AppendUint32(b, uint32(f.Mode))
		b = append(b, f.Digest[:]...)
		h.Write(b)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// DefaultTagPrefix starts every key-derived default tag.
const DefaultTagPrefix = "ds-"

// DefaultTag is the tag of an image without configured tags: the prefix and
// the first 12 hex digits of its build key, so the same inputs give the same
// tag on any machine.
func DefaultTag(key string) string {
	return DefaultTagPrefix + key[:min(12, len(key))]
}

// Key computes req's Files, Parts and Key, and sets the default tag when no
// tag is configured. Disabled images get no key.
func (h *Hasher) Key(ctx context.Context, req *Request) error {
	return h.key(ctx, req, nil)
}

// Keys runs Key for every request concurrently; requests with the same
// context and ignore patterns share one walk. The errors name their images.
func (h *Hasher) Keys(ctx context.Context, reqs []Request) error {
	walks := &walkGroup{calls: map[string]*walkCall{}}
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() { errs[i] = h.key(ctx, &reqs[i], walks) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (h *Hasher) key(ctx context.Context, r *Request, walks *walkGroup) error {
	var err error
	switch {
	case r.Kind == Disabled:
		return nil
	case r.Kind.watches():
		r.Files, err = h.globFiles(ctx, r)
	default:
		r.Files, err = h.dockerContext(ctx, r, walks)
	}
	if err != nil {
		return fmt.Errorf("image %q: %w", r.Name, err)
	}
	if r.Named, err = h.namedContexts(ctx, r); err != nil {
		return fmt.Errorf("image %q: %w", r.Name, err)
	}
	r.Parts = KeyInputs{
		Named:      r.Named,
		Dockerfile: r.DockerfileText,
		Files:      r.Files,
		BuildArgs:  r.BuildArgs,
		Target:     r.Target,
		Network:    r.Network,
		Kind:       r.Kind.String(),
		Options:    r.Kind.options(r.Config),
	}.Parts()
	r.Key = r.Parts.Key()
	if len(r.Tags) == 0 || r.DefaultTag {
		r.Tags, r.DefaultTag = []string{DefaultTag(r.Key)}, true
	}
	return nil
}

func (h *Hasher) dockerContext(ctx context.Context, r *Request, walks *walkGroup) ([]ContextFile, error) {
	patterns, _, err := IgnorePatterns(r.ContextDir, r.Dockerfile)
	if err != nil {
		return nil, err
	}
	id := r.ContextDir + "\x00" + strings.Join(patterns, "\x00")
	return walks.do(ctx, id, func() ([]ContextFile, error) {
		if err := h.acquire(ctx); err != nil {
			return nil, err
		}
		w, err := walkContext(r.ContextDir, patterns)
		<-h.slots
		if err != nil {
			return nil, err
		}
		return h.hashEntries(ctx, r.Name, w)
	})
}

// namedContexts walks and hashes r's local named build contexts, by
// name. Each is what BuildKit's Dockerfile frontend loads for a named
// local context: the directory less what its own .dockerignore excludes
// (never the Dockerfile's <Dockerfile>.dockerignore, which is the main
// context's alone), the ignore file itself included unless it excludes
// itself.
func (h *Hasher) namedContexts(ctx context.Context, r *Request) ([]NamedFiles, error) {
	var out []NamedFiles
	for _, c := range r.Options.Contexts {
		if !c.Local() {
			continue
		}
		patterns, err := NamedContextIgnore(c.Value)
		if err != nil {
			return nil, fmt.Errorf("build context %s: %w", c.Name, err)
		}
		if err := h.acquire(ctx); err != nil {
			return nil, err
		}
		entries, err := walkContext(c.Value, patterns)
		<-h.slots
		if err != nil {
			return nil, fmt.Errorf("build context %s: %w", c.Name, err)
		}
		files, err := h.hashEntries(ctx, r.Name, entries)
		if err != nil {
			return nil, fmt.Errorf("build context %s: %w", c.Name, err)
		}
		out = append(out, NamedFiles{Name: c.Name, Files: files})
	}
	slices.SortFunc(out, func(a, b NamedFiles) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (h *Hasher) globFiles(ctx context.Context, r *Request) ([]ContextFile, error) {
	if len(r.OnChange) == 0 {
		return nil, nil
	}
	w, err := walkGlobs(r.Dir, r.OnChange)
	if err != nil {
		return nil, err
	}
	return h.hashEntries(ctx, r.Name, w)
}

// walkGroup lets requests with the same context share one walk and hash.
type walkGroup struct {
	mu    sync.Mutex
	calls map[string]*walkCall
}

type walkCall struct {
	done  chan struct{}
	files []ContextFile
	err   error
}

func (g *walkGroup) do(ctx context.Context, id string, fn func() ([]ContextFile, error)) ([]ContextFile, error) {
	if g == nil {
		return fn()
	}
	g.mu.Lock()
	c, ok := g.calls[id]
	if !ok {
		c = &walkCall{done: make(chan struct{})}
		g.calls[id] = c
	}
	g.mu.Unlock()
	if !ok {
		c.files, c.err = fn()
		close(c.done)
	}
	select {
	case <-c.done:
		return c.files, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
