package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
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
		rec.Namespace = "ns"
		if err := r.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	again, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range again.In(Cluster{Context: "k"}) {
		names = append(names, rec.Name+":"+rec.Hash)
	}
	if strings.Join(names, " ") != "b: a:h2" {
		t.Fatalf("records of context k in deploy order: %v", names)
	}
	if got, _ := again.Get(Cluster{Context: "k"}, "ns", "a"); len(got.Objects) != 1 || got.Objects[0] != obj {
		t.Fatalf("objects did not round-trip: %+v", got.Objects)
	}
	if err := again.Remove(Record{Context: "k", Namespace: "ns", Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := again.Get(Cluster{Context: "k"}, "ns", "b"); ok || !again.Any() {
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

// recordKeys lists "context@server/namespace/name" of every record in
// the file at path, in file order.
func recordKeys(t *testing.T, path string) []string {
	t.Helper()
	r, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, rec := range r.list {
		keys = append(keys, rec.Context+"@"+rec.Server+"/"+rec.Namespace+"/"+rec.Name)
	}
	return keys
}

func TestRecordsAreKeptPerClusterAndNamespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deployments.json")
	r, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	one := Cluster{Context: "k", Server: "https://one"}
	two := Cluster{Context: "k", Server: "https://two"} // the same context name, another cluster
	for _, rec := range []Record{
		{Name: "app", Context: one.Context, Server: one.Server, Namespace: "staging", Hash: "s"},
		{Name: "app", Context: one.Context, Server: one.Server, Namespace: "dev", Hash: "d"},
		{Name: "app", Context: two.Context, Server: two.Server, Namespace: "dev", Hash: "t"},
		{Name: "app", Context: "other", Server: one.Server, Namespace: "dev", Hash: "o"},
		{Name: "app", Context: one.Context, Server: one.Server, Namespace: "dev", Hash: "d2"}, // redeploy
	} {
		if err := r.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"k@https://one/staging/app", "k@https://two/dev/app", "other@https://one/dev/app", "k@https://one/dev/app"}
	if got := recordKeys(t, path); !slices.Equal(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	for _, c := range []struct {
		cluster   Cluster
		ns, hash  string
		recorded  bool
		inCluster int
	}{
		{one, "staging", "s", true, 2},
		{one, "dev", "d2", true, 2},
		{two, "dev", "t", true, 1},
		{two, "staging", "", false, 1},
		{Cluster{Context: "other", Server: one.Server}, "dev", "o", true, 1},
	} {
		got, ok := r.Get(c.cluster, c.ns, "app")
		if ok != c.recorded || got.Hash != c.hash {
			t.Errorf("Get(%v, %s) = %q, %v; want %q, %v", c.cluster, c.ns, got.Hash, ok, c.hash, c.recorded)
		}
		if n := len(r.In(c.cluster)); n != c.inCluster {
			t.Errorf("In(%v) has %d records, want %d", c.cluster, n, c.inCluster)
		}
	}
	if err := r.Remove(Record{Name: "app", Context: one.Context, Server: one.Server, Namespace: "dev"}); err != nil {
		t.Fatal(err)
	}
	want = []string{"k@https://one/staging/app", "k@https://two/dev/app", "other@https://one/dev/app"}
	if got := recordKeys(t, path); !slices.Equal(got, want) {
		t.Fatalf("after removing dev in cluster one: %v, want %v", got, want)
	}
}

func TestVersion1RecordsAreReadForTheirOwnNamespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deployments.json")
	v1 := `{"version": 1, "deployments": [
  {"name": "app", "context": "k", "namespace": "staging", "hash": "s", "deployedAt": "2026-01-02T03:04:05Z",
   "objects": [{"apiVersion": "v1", "kind": "ConfigMap", "namespace": "staging", "name": "settings", "uid": "u1", "created": true}]},
  {"name": "web", "context": "other", "namespace": "dev", "hash": "w", "deployedAt": "2026-01-02T03:04:05Z"}
]}`
	if err := os.WriteFile(path, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	k := Cluster{Context: "k", Server: "https://one"}
	got, ok := r.Get(k, "staging", "app")
	if !ok || got.Hash != "s" || len(got.Objects) != 1 || !got.Objects[0].Created {
		t.Fatalf("the version 1 record of app in staging: %+v, %v", got, ok)
	}
	if _, ok := r.Get(k, "dev", "app"); ok {
		t.Fatal("a version 1 record was taken for another namespace")
	}
	// A deploy to another namespace adds a record; one to staging replaces
	// the old record, which then knows its server.
	for _, rec := range []Record{
		{Name: "app", Context: k.Context, Server: k.Server, Namespace: "dev", Hash: "d"},
		{Name: "app", Context: k.Context, Server: k.Server, Namespace: "staging", Hash: "s2"},
	} {
		if err := r.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"other@/dev/web", "k@https://one/dev/app", "k@https://one/staging/app"}
	if got := recordKeys(t, path); !slices.Equal(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"version": 2`) {
		t.Fatalf("the rewritten file is not version 2:\n%s", data)
	}
}

func TestRecordsOfAnUnknownVersionAreAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deployments.json")
	if err := os.WriteFile(path, []byte(`{"version": 9, "deployments": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRecords(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("error %v", err)
	}
}

func TestPurgeTargetsTheNamespaceADeployWouldUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deployments.json")
	recs, err := LoadRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	client := &kube.Client{Context: "k", Server: "https://one", Namespace: "dev"}
	for _, rec := range []Record{
		{Name: "app", Namespace: "staging"},
		{Name: "app", Namespace: "dev"},
		{Name: "db", Namespace: "dev"},    // db has namespace: data
		{Name: "db", Namespace: "data"},   // ...so this one is targeted
		{Name: "gone", Namespace: "dev"},  // no longer in the config
		{Name: "gone", Namespace: "prod"}, // nor is prod the target
	} {
		rec.Context, rec.Server = client.Context, client.Server
		if err := recs.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	d := &Deployer{Client: client, Records: recs, Config: &config.Config{Deployments: map[string]*config.Deployment{
		"app": {}, "db": {Namespace: "data"},
	}}}
	var got []string
	for _, rec := range d.Targeted() {
		got = append(got, rec.Namespace+"/"+rec.Name)
	}
	if want := []string{"dev/app", "data/db", "dev/gone"}; !slices.Equal(got, want) {
		t.Fatalf("targeted %v, want %v", got, want)
	}
}
