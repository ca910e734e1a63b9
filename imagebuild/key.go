package imagebuild

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/config"
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

	// context, when set, has had Files and Named written to it already
	// (streamed by the Hasher, see contextHash): Parts takes the context
	// digest from it.
	context hash.Hash
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
	ctx := in.context
	b := make([]byte, 0, 512)
	if ctx == nil {
		ctx = sha256.New()
		b = hashFiles(ctx, b, in.Files)
		// Named contexts follow the main one, each after its name; none
		// leaves the keys of images without them as they were.
		for _, n := range in.Named {
			writeNamedHeader(ctx, n.Name)
			b = hashFiles(ctx, b, n.Files)
		}
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

// writeNamedHeader starts a named context's entries in the context hash.
func writeNamedHeader(h io.Writer, name string) {
	h.Write(appendString([]byte("\x00named context\x00"), name))
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

// Key computes req's Files (unless h.OmitFiles picks it), Parts and Key, and sets
// the default tag when no tag is configured. Disabled images get no key.
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
	if r.Kind == Disabled {
		return nil
	}
	sum, err := h.contextHash(ctx, r, walks)
	if err != nil {
		return fmt.Errorf("image %q: %w", r.Name, err)
	}
	r.Parts = KeyInputs{
		context:    sum,
		Dockerfile: r.DockerfileText,
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

// contextHash writes r's context entries, then its local named contexts',
// to a new context hash, which it returns; r.Files are set unless
// h.OmitFiles picks r.
func (h *Hasher) contextHash(ctx context.Context, r *Request, walks *walkGroup) (hash.Hash, error) {
	sum := sha256.New()
	if r.Kind.watches() {
		var err error
		if r.Files, err = h.globFiles(ctx, r); err != nil {
			return nil, err
		}
		hashFiles(sum, nil, r.Files)
	} else {
		state, files, err := h.dockerContext(ctx, r, walks)
		if err != nil {
			return nil, err
		}
		if err := sum.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return nil, err
		}
		r.Files = files
	}
	// Named contexts follow the main one, each after its name, sorted by
	// name; none leaves the keys of images without them as they were.
	named, err := h.namedContexts(ctx, r, sum, h.keeps(r))
	if err != nil {
		return nil, err
	}
	if h.keeps(r) {
		r.Named = named
	}
	return sum, nil
}

// namedContexts walks and hashes r's local named build contexts, sorted
// by name, writing each (after its name) to sum; their entries are
// returned when keep is set. Each is what BuildKit's Dockerfile frontend
// loads for a named local context: the directory less what its own
// .dockerignore excludes (never the Dockerfile's
// <Dockerfile>.dockerignore, which is the main context's alone), the
// ignore file itself included unless it excludes itself.
func (h *Hasher) namedContexts(ctx context.Context, r *Request, sum io.Writer, keep bool) ([]NamedFiles, error) {
	local := slices.DeleteFunc(slices.Clone(r.Options.Contexts), func(c config.BuildContext) bool { return !c.Local() })
	slices.SortFunc(local, func(a, b config.BuildContext) int { return strings.Compare(a.Name, b.Name) })
	var out []NamedFiles
	for _, c := range local {
		patterns, err := NamedContextIgnore(c.Value)
		if err != nil {
			return nil, fmt.Errorf("build context %s: %w", c.Name, err)
		}
		writeNamedHeader(sum, c.Name)
		files, err := h.streamContext(ctx, r.Name, c.Value, patterns, sum, keep)
		if err != nil {
			return nil, fmt.Errorf("build context %s: %w", c.Name, err)
		}
		if keep {
			out = append(out, NamedFiles{Name: c.Name, Files: files})
		}
	}
	return out, nil
}

// FilesOf runs Files, concurrently, for the requests need picks.
func (h *Hasher) FilesOf(ctx context.Context, reqs []Request, need func(Request) bool) error {
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		if need(reqs[i]) {
			wg.Go(func() { errs[i] = h.Files(ctx, &reqs[i]) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Files sets req.Files (and req.Named) after Keys with OmitFiles: its
// contexts are walked again (the digests of files unchanged since come from the memo). A file
// changed in between is listed as it is now, as a builder reads the
// content it sends when it sends it. Requests with Files, disabled or
// custom images are left as they are.
func (h *Hasher) Files(ctx context.Context, req *Request) error {
	if req.Files != nil || req.Kind == Disabled || req.Kind.watches() {
		return nil
	}
	patterns, _, err := IgnorePatterns(req.ContextDir, req.Dockerfile)
	if err != nil {
		return fmt.Errorf("image %q: %w", req.Name, err)
	}
	if req.Files, err = h.streamContext(ctx, req.Name, req.ContextDir, patterns, io.Discard, true); err != nil {
		return fmt.Errorf("image %q: %w", req.Name, err)
	}
	if req.Named == nil {
		if req.Named, err = h.namedContexts(ctx, req, io.Discard, true); err != nil {
			return fmt.Errorf("image %q: %w", req.Name, err)
		}
	}
	return nil
}

// dockerContext walks and hashes r's context after its ignore file, and
// returns the context hash's state after its entries and, unless
// h.OmitFiles picks r, the entries.
func (h *Hasher) dockerContext(ctx context.Context, r *Request, walks *walkGroup) ([]byte, []ContextFile, error) {
	patterns, _, err := IgnorePatterns(r.ContextDir, r.Dockerfile)
	if err != nil {
		return nil, nil, err
	}
	keep := h.keeps(r)
	id := fmt.Sprint(keep, "\x00", r.ContextDir, "\x00", strings.Join(patterns, "\x00"))
	c := walks.do(ctx, id, func() (c walkCall) {
		sum := sha256.New()
		if c.files, c.err = h.streamContext(ctx, r.Name, r.ContextDir, patterns, sum, keep); c.err == nil {
			c.state, c.err = sum.(encoding.BinaryMarshaler).MarshalBinary()
		}
		return c
	})
	return c.state, c.files, c.err
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
	state []byte // of the context hash after the entries
	files []ContextFile
	err   error
}

func (g *walkGroup) do(ctx context.Context, id string, fn func() walkCall) walkCall {
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
		r := fn()
		c.state, c.files, c.err = r.state, r.files, r.err
		close(c.done)
	}
	select {
	case <-c.done:
		return *c
	case <-ctx.Done():
		return walkCall{err: ctx.Err()}
	}
}
