package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/kube"
)

func TestRecordsPersistInDeployOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".devspace", "deployments.json")
	r, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	obj := ObjectRecord{Ref: kube.Ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "c", UID: "u1"}, Created: true}
	for _, rec := range []Record{{Name: "a", Context: "k"}, {Name: "b", Context: "k"}, {Name: "a", Context: "other"}, {Name: "a", Context: "k", Hash: "h2", Objects: []ObjectRecord{obj}}} {
		if err := r.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	again, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range again.In("k") {
		names = append(names, rec.Name+":"+rec.Hash)
	}
	if strings.Join(names, " ") != "b: a:h2" {
		t.Fatalf("records of context k in deploy order: %v", names)
	}
	if got, _ := again.Get("k", "a"); len(got.Objects) != 1 || got.Objects[0] != obj {
		t.Fatalf("objects did not round-trip: %+v", got.Objects)
	}
	if err := again.Remove("k", "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := again.Get("k", "b"); ok || !again.Any() {
		t.Fatal("Remove removed the wrong record")
	}
}

func TestCorruptRecordsAreAnErrorThatNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deployments.json")
	if err := os.WriteFile(path, []byte("{nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRecords(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v", err)
	}
}
