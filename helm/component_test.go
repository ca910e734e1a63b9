package helm

import "testing"

// The built-in chart is compiled in whole, and its digest covers it.
func TestComponentChartFiles(t *testing.T) {
	names, data, err := ComponentChartFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Chart.yaml", "values.yaml", "values.schema.json", "templates/workload.yaml", "templates/service.yaml", "templates/ingress.yaml"} {
		if len(data[want]) == 0 {
			t.Errorf("built-in chart lacks %s (has %v)", want, names)
		}
	}
	a, err := ComponentChartDigest()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := ComponentChartDigest(); a != b || len(a) != 64 {
		t.Errorf("digest %q then %q", a, b)
	}
}
