package imagebuild

import (
	"time"

	rt "github.com/devspace-engine/devspace/runvars"
)

// ImageReport is one image's line of a build report (`--output json`).
type ImageReport struct {
	Name     string   `json:"name"`
	Image    string   `json:"image"`
	Tags     []string `json:"tags"`
	Key      string   `json:"key,omitempty"`
	Digest   string   `json:"digest,omitempty"`
	ImageID  string   `json:"imageID,omitempty"`
	Status   string   `json:"status"` // skipped, built, shared, failed, cancelled, disabled
	Reasons  []string `json:"reasons,omitempty"`
	Error    string   `json:"error,omitempty"`
	Duration float64  `json:"durationSeconds"`
	LogFile  string   `json:"logFile,omitempty"`
	// ContextBytes is the build context the builder sent (see Sent);
	// absent when it does not count (a custom command) or did not build.
	ContextBytes *int64 `json:"contextBytes,omitempty"`
}

// Report joins the requests, their decisions and the outcomes of those that
// were built (outcomes[i] belongs to the i-th request with Rebuild set).
func Report(reqs []Request, ds []Decision, outcomes []Outcome) []ImageReport {
	out := make([]ImageReport, 0, len(reqs))
	next := 0
	for i, req := range reqs {
		r := ImageReport{Name: req.Name, Image: req.Image, Tags: ds[i].Tags, Key: req.Key, Status: "skipped", Digest: ds[i].Digest}
		switch {
		case req.Kind == Disabled:
			r.Status = "disabled"
		case ds[i].FoundIn != "":
			r.Reasons = []string{ds[i].foundReason()}
		case ds[i].Rebuild && next < len(outcomes):
			o := outcomes[next]
			next++
			r.Status, r.Reasons, r.LogFile = string(o.Status), ds[i].Reasons, o.LogFile
			r.Digest, r.ImageID = o.Result.Digest, o.Result.ID
			r.Duration = o.Duration.Round(time.Millisecond).Seconds()
			if n, ok := o.Request.Sent.Bytes(); ok {
				r.ContextBytes = &n
			}
			if o.Err != nil {
				r.Error = o.Err.Error()
			}
		}
		out = append(out, r)
	}
	return out
}

// RuntimeImage is what the runtime store gets for a built (or shared)
// image.
func (o Outcome) RuntimeImage() rt.Image {
	return runtimeImage(o.Request.Image, o.Request.Tags, o.Result.Digest, true)
}

// RuntimeImage is what the runtime store gets for an image that was not
// rebuilt (skipped or disabled).
func (d Decision) RuntimeImage(req Request) rt.Image {
	return runtimeImage(req.Image, d.Tags, d.Digest, false)
}

// RuntimeImage is what a later process (get_image) gets from the cache.
func (r ImageRecord) RuntimeImage() rt.Image {
	return runtimeImage(r.Image, r.Tags, r.Digest, false)
}

func runtimeImage(image string, tags []string, digest string, built bool) rt.Image {
	img := rt.Image{Image: image, Tags: tags, Digest: digest, Built: built}
	if len(tags) > 0 {
		img.Tag = tags[0]
	}
	return img
}

// RecordOutcomes records every successful outcome (built or shared) in the
// cache; failed and cancelled images keep their previous record.
func (c *Cache) RecordOutcomes(outcomes []Outcome) {
	for _, o := range outcomes {
		if o.Status == StatusBuilt || o.Status == StatusShared {
			c.RecordBuild(o.Request, o.Result)
		}
	}
}
