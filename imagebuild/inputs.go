package imagebuild

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/redact"
	"github.com/devspace-engine/devspace/statefile"
)

// Inputs are what an image's last successful build was made from. They are
// kept beside the cache, one file per image (.devspace/inputs/NAME.json),
// written when the image is built and read only when its key changed, to
// say exactly what differs; the no-change path never reads them.
type Inputs struct {
	// Files maps context paths to their mode and content digest.
	Files map[string]string `json:"files,omitempty"`
	// Args are the build args; secret ones (secret-looking names, values
	// holding a secret of the run) by hash only, marked secretMark.
	Args    map[string]string `json:"args,omitempty"`
	Target  string            `json:"target,omitempty"`
	Network string            `json:"network,omitempty"`
	Options string            `json:"options,omitempty"`
	// Dockerfile is the in-memory Dockerfile, line by line.
	Dockerfile []string `json:"dockerfile,omitempty"`
	// Bases maps external base references to their digests and project
	// bases ("image:REPO") to their build keys.
	Bases map[string]string `json:"bases,omitempty"`
	// Fingerprints are ImageRecord.Files of the build, kept here.
	Fingerprints []byte `json:"fingerprints,omitempty"`
}

// secretMark starts a stored build arg that is a secret's hash.
const secretMark = "(secret) "

// secretArg reports whether a build arg's value must not be shown or
// stored: its name looks secret or its value holds one of the run's secrets.
func secretArg(secrets *redact.Set, name, value string) bool {
	return redact.LooksSecret(name) || secrets.Contains(value)
}

// InputsOf captures req's inputs (after Hasher.Key and FoldBases).
func InputsOf(req Request) Inputs {
	in := Inputs{Files: map[string]string{}, Args: map[string]string{}, Target: req.Target,
		Network: req.Network, Options: req.Parts.Options, Bases: req.Bases}
	covered := coveredFiles(req)
	var b []byte
	for _, f := range req.Files {
		if !f.Mode.IsDir() && !covered[f.Path] {
			b = fileInput(b[:0], f)
			in.Files[f.Path] = string(b)
		}
	}
	for k, v := range req.BuildArgs {
		switch {
		case v == nil:
			in.Args[k] = "(from the environment)"
		case secretArg(req.Secrets, k, *v):
			in.Args[k] = secretMark + redact.Hash(k, *v)
		default:
			in.Args[k] = *v
		}
	}
	text := req.DockerfileText
	if req.KeyDockerfile != nil {
		text = req.KeyDockerfile
	}
	if len(text) > 0 {
		in.Dockerfile = strings.Split(string(text), "\n")
	}
	return in
}

// fileInput appends how Inputs.Files records f, "MODE:DIGEST" (octal
// mode, the digest's first 8 bytes in hex), to b: formatted without fmt,
// which a context of many files would wait for.
func fileInput(b []byte, f ContextFile) []byte {
	b = strconv.AppendUint(b, uint64(f.Mode), 8)
	b = append(b, ':')
	return hex.AppendEncode(b, f.Digest[:8])
}

// coveredFiles are the context files whose changes other inputs already
// say better: the Dockerfile (its lines) and the ignore files (the files
// they add or drop).
func coveredFiles(req Request) map[string]bool {
	out := map[string]bool{dockerIgnore: true, devspaceIgnore: true}
	for _, p := range []string{req.Dockerfile, req.Dockerfile + ".dockerignore"} {
		if rel, err := filepath.Rel(req.ContextDir, p); err == nil {
			out[filepath.ToSlash(rel)] = true
		}
	}
	return out
}

// inputsPath is where image name's inputs live, beside the cache file.
func (c *Cache) inputsPath(name string) string {
	return filepath.Join(filepath.Dir(c.path), "inputs", name+".json")
}

// PreviousInputs reads the inputs of image name's last recorded build.
func (c *Cache) PreviousInputs(name string) (Inputs, bool) {
	data, err := os.ReadFile(c.inputsPath(name))
	if err != nil {
		return Inputs{}, false
	}
	var in Inputs
	if json.Unmarshal(data, &in) != nil {
		return Inputs{}, false
	}
	return in, true
}

// saveInputs writes the inputs of this run's builds, each file atomically,
// all at once: each write waits for its fsync, and a run that records many
// images (a fresh checkout found in the registry) would wait for them in
// turn.
func (c *Cache) saveInputs(inputs map[string]Inputs) error {
	errs := make(chan error, len(inputs))
	var wg sync.WaitGroup
	for name, in := range inputs {
		wg.Go(func() { errs <- c.saveInput(name, in) })
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func (c *Cache) saveInput(name string, in Inputs) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	p := c.inputsPath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := statefile.WriteAtomic(p, data); err != nil {
		return fmt.Errorf("inputs of %s: %w", name, err)
	}
	return nil
}

// maxNamed is how many items a reason names before "… and N more".
const maxNamed = 3

// DiffInputs lists exactly what differs between two builds' inputs, one
// phrase per kind of change; context files only when withFiles.
func DiffInputs(old, cur Inputs, withFiles bool) []string {
	var out []string
	if withFiles {
		out = append(out, diffFiles(old.Files, cur.Files)...)
	}
	out = append(out, diffArgs(old.Args, cur.Args)...)
	if old.Target != cur.Target {
		out = append(out, fmt.Sprintf("target %s → %s", orNone(old.Target), orNone(cur.Target)))
	}
	if old.Network != cur.Network || old.Options != cur.Options {
		out = append(out, ReasonOptions)
	}
	if r := diffLines(old.Dockerfile, cur.Dockerfile); r != "" {
		out = append(out, r)
	}
	return append(out, diffBases(old.Bases, cur.Bases)...)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func diffFiles(old, cur map[string]string) []string {
	var changed []string
	added, removed := 0, 0
	for p, d := range cur {
		switch o, ok := old[p]; {
		case !ok:
			added++
		case o != d:
			changed = append(changed, p)
		}
	}
	for p := range old {
		if _, ok := cur[p]; !ok {
			removed++
		}
	}
	var parts []string
	if len(changed) > 0 {
		parts = append(parts, named(changed)+" changed")
	}
	if added > 0 {
		parts = append(parts, fmt.Sprintf("%d added", added))
	}
	if removed > 0 {
		parts = append(parts, fmt.Sprintf("%d removed", removed))
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{strings.Join(parts, ", ")}
}

// named lists up to maxNamed sorted names, then how many more.
func named(names []string) string {
	slices.Sort(names)
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s … and %d more", strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
}

func diffArgs(old, cur map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(cur)) {
		o, had := old[k]
		switch v := cur[k]; {
		case !had:
			out = append(out, fmt.Sprintf("build arg %s set", k))
		case o == v:
		case strings.HasPrefix(o, secretMark) || strings.HasPrefix(v, secretMark) || redact.LooksSecret(k):
			out = append(out, fmt.Sprintf("build arg %s changed (secret)", k))
		default:
			out = append(out, fmt.Sprintf("build arg %s %s → %s", k, o, v))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(old)) {
		if _, ok := cur[k]; !ok {
			out = append(out, fmt.Sprintf("build arg %s removed", k))
		}
	}
	return out
}

// diffLines names the Dockerfile lines that differ: after the lines both
// versions start and end with, what is left was changed, added or removed.
func diffLines(old, cur []string) string {
	old, cur = trimBlankEnd(old), trimBlankEnd(cur)
	p := 0
	for p < len(old) && p < len(cur) && old[p] == cur[p] {
		p++
	}
	q := 0
	for q < len(old)-p && q < len(cur)-p && old[len(old)-1-q] == cur[len(cur)-1-q] {
		q++
	}
	gone, added := len(old)-p-q, len(cur)-p-q
	switch {
	case gone == 0 && added == 0:
		return ""
	case gone == 0:
		return "Dockerfile " + lineRange(p+1, added) + " added"
	case added == 0:
		return "Dockerfile " + lineRange(p+1, gone) + " removed"
	}
	return "Dockerfile " + lineRange(p+1, added) + " changed"
}

func trimBlankEnd(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineRange is "line 4" or "lines 4-6".
func lineRange(first, n int) string {
	if n == 1 {
		return fmt.Sprintf("line %d", first)
	}
	return fmt.Sprintf("lines %d-%d", first, first+n-1)
}

func diffBases(old, cur map[string]string) []string {
	var out []string
	for _, ref := range slices.Sorted(maps.Keys(cur)) {
		o, had := old[ref]
		v := cur[ref]
		switch {
		case had && o == v:
		case strings.HasPrefix(ref, projectBasePrefix):
			out = append(out, "base "+strings.TrimPrefix(ref, projectBasePrefix)+" changed")
		case !had:
			out = append(out, baseLabel(v)+" "+ref+" added")
		default:
			out = append(out, fmt.Sprintf("%s %s moved (%s → %s)", baseLabel(v), ref, short(o), short(v)))
		}
	}
	return out
}

// baseLabel names what a Bases entry of digest d is: a Git build
// context's commit, or a base image.
func baseLabel(d string) string {
	if strings.HasPrefix(d, GitCommitPrefix) {
		return "build context"
	}
	return "base"
}

// short abbreviates a digest: sha256:1a2b3c4d….
func short(d string) string {
	algo, hexd, ok := strings.Cut(d, ":")
	if !ok || len(hexd) <= 12 {
		return d
	}
	return algo + ":" + hexd[:12] + "…"
}
