package imagebuild

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/statefile"
)

// Cache is the build cache of one config, kept in .devspace/ beside the
// config file: per image the last successful build (key, tags, digest, image
// ID, time, file fingerprints) in cache.json, and the file Memo in a binary
// file beside it (cache.memo; a hint only, so it may lag the JSON). It is
// safe for concurrent use. Save merges this run's changes into the files
// under a file lock and replaces them atomically, so concurrent devspace runs
// never corrupt them.
type Cache struct {
	path string
	memo *Memo

	mu      sync.Mutex
	images  map[string]ImageRecord
	changed map[string]ImageRecord // recorded in this run, not yet saved
	inputs  map[string]Inputs      // of this run's builds, not yet saved
}

// ImageRecord is the last successful build of an image.
type ImageRecord struct {
	Key   string   `json:"key"`
	Parts KeyParts `json:"parts"`
	Image string   `json:"image"`
	// Configured is images.NAME.image when Image is another name for it
	// (the local registry's).
	Configured string    `json:"configured,omitempty"`
	Tags       []string  `json:"tags"`
	Digest     string    `json:"digest,omitempty"`
	ImageID    string    `json:"imageID,omitempty"`
	Pushed     bool      `json:"pushed"`
	BuiltAt    time.Time `json:"builtAt"`
	// Files are compact fingerprints of the context files (see
	// fingerprints), to count changed files on the next rebuild. Records
	// written by RecordBuild keep them in the image's inputs instead (see
	// Inputs.Fingerprints): cache.json is read on every run, and they were
	// most of it.
	Files []byte `json:"files,omitempty"`
}

// Ref returns image:tag for the first tag.
func (r ImageRecord) Ref() string {
	if len(r.Tags) == 0 {
		return r.Image
	}
	return r.Image + ":" + r.Tags[0]
}

const cacheVersion = 1

type cacheFile struct {
	Version int                    `json:"version"`
	Images  map[string]ImageRecord `json:"images,omitempty"`
}

// CachePath is where the cache of the config at configPath lives:
// .devspace/cache.json for devspace.yaml (or .yml), else
// .devspace/cache-NAME.json for NAME.yaml.
func CachePath(configPath string) string {
	return statefile.ProjectFile(configPath, "cache")
}

// LoadCache reads the cache of the config at configPath. It never fails: a
// missing file gives an empty cache; an unreadable or corrupt one gives an
// empty cache and a non-nil warning for the caller to print (the next Save
// replaces the file).
func LoadCache(configPath string) (c *Cache, warning error) {
	c = &Cache{path: CachePath(configPath), memo: NewMemo(), images: map[string]ImageRecord{}, changed: map[string]ImageRecord{}}
	var warnings []error
	if f, err := readCacheFile(c.path); err != nil {
		warnings = append(warnings, fmt.Errorf("build cache %s ignored: %w", c.path, err))
	} else if f.Images != nil {
		c.images = f.Images
	}
	if err := readMemoFile(c.memoPath(), c.memo); err != nil {
		warnings = append(warnings, fmt.Errorf("file memo %s ignored: %w", c.memoPath(), err))
	}
	return c, errors.Join(warnings...)
}

func (c *Cache) memoPath() string { return strings.TrimSuffix(c.path, ".json") + ".memo" }

func readMemoFile(path string, memo *Memo) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if err := memo.UnmarshalBinary(data); err != nil {
		return fmt.Errorf("corrupt: %w", err)
	}
	return nil
}

// readCacheFile decodes the cache file; a missing file is empty.
func readCacheFile(path string) (cacheFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cacheFile{}, nil
	} else if err != nil {
		return cacheFile{}, err
	}
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil {
		return cacheFile{}, fmt.Errorf("corrupt: %w", err)
	}
	if f.Version != cacheVersion {
		return cacheFile{}, fmt.Errorf("unknown version %d (want %d)", f.Version, cacheVersion)
	}
	return f, nil
}

// Path returns the cache file's path.
func (c *Cache) Path() string { return c.path }

// Memo returns the file memo to give to NewHasher.
func (c *Cache) Memo() *Memo { return c.memo }

// previous returns the last successful build of an image for a request
// with the given key: when the key changed, with the fingerprints of its
// files (from its inputs, where RecordBuild keeps them).
func (c *Cache) previous(name, key string) (ImageRecord, bool) {
	rec, ok := c.Image(name)
	if ok && rec.Key != key && rec.Files == nil {
		if in, found := c.PreviousInputs(name); found {
			rec.Files = in.Fingerprints
		}
	}
	return rec, ok
}

// Image returns the last successful build of an image.
func (c *Cache) Image(name string) (ImageRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.images[name]
	return r, ok
}

// Record stores an image's successful build, to be written by Save.
func (c *Cache) Record(name string, rec ImageRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.images[name] = rec
	c.changed[name] = rec
}

// RecordBuild records req, built and (if req.Push) pushed as res, now.
func (c *Cache) RecordBuild(req Request, res Result) {
	in := InputsOf(req)
	in.Fingerprints = fingerprints(req.Files)
	c.mu.Lock()
	if c.inputs == nil {
		c.inputs = map[string]Inputs{}
	}
	c.inputs[req.Name] = in
	c.mu.Unlock()
	var configured string
	if req.Config != nil && req.Config.Image != req.Image {
		configured = req.Config.Image
	}
	c.Record(req.Name, ImageRecord{
		Configured: configured,
		Key:        req.Key,
		Parts:      req.Parts,
		Image:      req.Image,
		Tags:       req.Tags,
		Digest:     res.Digest,
		ImageID:    res.ID,
		Pushed:     req.Push,
		BuiltAt:    time.Now().UTC(),
	})
}

// Save writes this run's records and memo changes. Under a lock on
// <cache>.lock it re-reads the file, applies only this run's changes, and
// replaces the file atomically (temp file, fsync, rename). Saving with no
// changes does nothing. On error the records and memo changes are kept
// for a later Save. The builds' inputs (see saveInputs) are written
// meanwhile: each file's fsync waits for the disk at the same time.
func (c *Cache) Save() error {
	c.mu.Lock()
	images, inputs := c.changed, c.inputs
	c.changed, c.inputs = map[string]ImageRecord{}, nil
	c.mu.Unlock()
	var inputsErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := c.saveInputs(inputs); err != nil {
			inputsErr = fmt.Errorf("save build inputs: %w", err)
		}
	})
	memo := c.memo.takeChanges()
	if len(images) == 0 && len(memo) == 0 {
		wg.Wait()
		return inputsErr
	}
	err := c.merge(images, memo)
	wg.Wait()
	if err != nil {
		c.mu.Lock()
		for name, rec := range images {
			if _, newer := c.changed[name]; !newer {
				c.changed[name] = rec
			}
		}
		c.mu.Unlock()
		c.memo.restoreChanges(memo)
		return errors.Join(inputsErr, fmt.Errorf("save build cache %s: %w", c.path, err))
	}
	return inputsErr
}

func (c *Cache) merge(images map[string]ImageRecord, memoChanges map[fileID]memoEntry) error {
	return statefile.Locked(c.path, func() error { return c.mergeLocked(images, memoChanges) })
}

// mergeLocked writes the records and the memo, the two files at once.
func (c *Cache) mergeLocked(images map[string]ImageRecord, memoChanges map[fileID]memoEntry) error {
	var imagesErr error
	var wg sync.WaitGroup
	if len(images) > 0 {
		wg.Go(func() { imagesErr = c.mergeImages(images) })
	}
	var memoErr error
	if len(memoChanges) > 0 {
		memoErr = c.mergeMemo(memoChanges)
	}
	wg.Wait()
	return errors.Join(imagesErr, memoErr)
}

func (c *Cache) mergeImages(images map[string]ImageRecord) error {
	disk, err := readCacheFile(c.path)
	if err != nil || disk.Images == nil { // a corrupt file was reported by LoadCache
		disk = cacheFile{Images: map[string]ImageRecord{}}
	}
	maps.Copy(disk.Images, images)
	disk.Version = cacheVersion
	data, err := json.MarshalIndent(disk, "", "  ")
	if err != nil {
		return err
	}
	return statefile.WriteAtomic(c.path, append(data, '\n'))
}

func (c *Cache) mergeMemo(changes map[fileID]memoEntry) error {
	memo := NewMemo()
	if readMemoFile(c.memoPath(), memo) != nil {
		memo = NewMemo()
	}
	memo.apply(changes)
	data, err := memo.MarshalBinary()
	if err != nil {
		return err
	}
	if err := statefile.WriteAtomic(c.memoPath(), data); err != nil {
		return err
	}
	c.memo.adopt(memo)
	return nil
}

// ReadRecords returns the images recorded in a config's cache without
// loading the file memo: what a later process (`devspace builtin get_image
// app` in the next CI step) needs. A missing or corrupt cache gives none.
func ReadRecords(configPath string) map[string]ImageRecord {
	f, err := readCacheFile(CachePath(configPath))
	if err != nil {
		return nil
	}
	return f.Images
}
