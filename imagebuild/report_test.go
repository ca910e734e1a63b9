package imagebuild

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	rt "github.com/devspace-engine/devspace/runvars"
)

func TestReportAndRuntime(t *testing.T) {
	t.Parallel()
	reqs := []Request{
		{Name: "a", Image: "r/a", Tags: []string{"ds-1"}, Key: "ka", Kind: testDocker},
		{Name: "b", Image: "r/b", Tags: []string{"v2", "latest"}, Key: "kb", Kind: testDocker},
		{Name: "c", Image: "r/c", Tags: []string{"v1"}, Kind: Disabled},
		{Name: "d", Image: "r/d", Tags: []string{"ds-4"}, Key: "kd", Kind: testDocker},
	}
	ds := []Decision{
		{Name: "a", Tags: []string{"ds-0"}, Digest: "sha256:old"},
		{Name: "b", Rebuild: true, Reasons: []string{ReasonDockerfile}, Tags: reqs[1].Tags},
		{Name: "c", Tags: reqs[2].Tags},
		{Name: "d", Rebuild: true, Reasons: []string{ReasonForced}, Tags: reqs[3].Tags},
	}
	outs := []Outcome{
		{Request: reqs[1], Status: StatusBuilt, Result: Result{ID: "id-b", Digest: "sha256:b"}, Duration: 1500 * time.Millisecond, LogFile: "/l/b.log"},
		{Request: reqs[3], Status: StatusFailed, Err: errors.New("boom")},
	}
	outs[0].Request.Sent = &Sent{}
	outs[0].Request.Sent.Add(1234) // b's builder sent 1234 bytes of context
	sentB := int64(1234)
	want := []ImageReport{
		{Name: "a", Image: "r/a", Tags: []string{"ds-0"}, Key: "ka", Digest: "sha256:old", Status: "skipped"},
		{Name: "b", Image: "r/b", Tags: []string{"v2", "latest"}, Key: "kb", Digest: "sha256:b", ImageID: "id-b", Status: "built", Reasons: []string{ReasonDockerfile}, Duration: 1.5, LogFile: "/l/b.log", ContextBytes: &sentB},
		{Name: "c", Image: "r/c", Tags: []string{"v1"}, Status: "disabled"},
		{Name: "d", Image: "r/d", Tags: []string{"ds-4"}, Key: "kd", Status: "failed", Reasons: []string{ReasonForced}, Error: "boom"},
	}
	if diff := cmp.Diff(want, Report(reqs, ds, outs)); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(rt.Image{Image: "r/a", Tag: "ds-0", Tags: []string{"ds-0"}, Digest: "sha256:old"}, ds[0].RuntimeImage(reqs[0])); diff != "" {
		t.Errorf("skipped runtime image (-want +got):\n%s", diff)
	}
	if got := outs[0].RuntimeImage(); got.Ref() != "r/b:v2" || !got.Built || got.Digest != "sha256:b" {
		t.Errorf("built runtime image = %+v", got)
	}
	c := &Cache{memo: NewMemo(), images: map[string]ImageRecord{}, changed: map[string]ImageRecord{}}
	c.RecordOutcomes(outs)
	if r, ok := c.Image("b"); !ok || r.RuntimeImage().Ref() != "r/b:v2" {
		t.Errorf("recorded b = %+v", r)
	}
	if _, ok := c.Image("d"); ok {
		t.Error("failed image recorded")
	}
}
