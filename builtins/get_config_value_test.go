package builtins_test

import (
	"testing"
)

// p13 is the config of P13 in the behaviour doc, plus a few values.
const p13 = `deployments:
  test:
    helm:
      chart:
        name: test_chart
  test1:
    helm:
      values:
        containers:
          - image: alpine
            command: [sleep, "99999999"]
          - image: ubuntu
            command: [sleep, "99999999"]
        replicas: 2
        ratio: 0.5
        enabled: true
        empty:
        dotted.key: yes-dots
`

func TestGetConfigValueP13(t *testing.T) {
	t.Parallel()
	script := `if is_equal $(get_config_value deployments.test.helm.chart.name) "test_chart"; then echo 1; else exit 1; fi
if is_equal $(get_config_value deployments.test1.helm.values.containers[0].image) "alpine"; then echo 2; else exit 1; fi
if is_equal $(get_config_value deployments.test1.helm.values.containers[1].image) "ubuntu"; then echo 3; else exit 1; fi
if is_equal $(get_config_value deployments.test1.helm.values.containers[1].command[0]) "sleep"; then echo 4; else exit 1; fi`
	stdout, stderr, status := runOne(t, script, p13, nil)
	if stdout != "1\n2\n3\n4\n" || stderr != "" || status != 0 {
		t.Errorf("stdout %q stderr %q status %d", stdout, stderr, status)
	}
}

func TestGetConfigValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path       string
		wantOut, wantErr string
		want             int
	}{
		{"string", "deployments.test.helm.chart.name", "test_chart", "", 0},
		{"jsonpath prefix", "$.deployments.test.helm.chart.name", "test_chart", "", 0},
		{"int", "deployments.test1.helm.values.replicas", "2", "", 0},
		{"float", "deployments.test1.helm.values.ratio", "0.5", "", 0},
		{"bool", "deployments.test1.helm.values.enabled", "true", "", 0},
		{"quoted number", "deployments.test1.helm.values.containers[0].command[1]", "99999999", "", 0},
		{"quoted key", `'deployments.test1.helm.values["dotted.key"]'`, "yes-dots", "", 0},
		{"null prints nothing", "deployments.test1.helm.values.empty", "", "", 0},
		{"list", "deployments.test1.helm.values.containers[0].command", "- sleep\n- \"99999999\"\n", "", 0},
		{"map", "deployments.test.helm", "chart:\n  name: test_chart\n", "", 0},
		{"missing key", "deployments.nope.helm",
			"", onlyPipeline + "get_config_value: deployments.nope: no such key (keys: test, test1)\n", 1},
		{"missing top level", "does.not.exist", "",
			onlyPipeline + "get_config_value: does: no such key (keys: deployments, name, pipelines, version)\n", 1},
		{"index out of range", "deployments.test1.helm.values.containers[5].image", "",
			onlyPipeline + "get_config_value: deployments.test1.helm.values.containers[5]: index 5 out of range (2 items)\n", 1},
		{"index on a mapping", "deployments[0]", "",
			onlyPipeline + "get_config_value: deployments[0]: not a list but a mapping (use .KEY)\n", 1},
		{"key on a list", "deployments.test1.helm.values.containers.image", "",
			onlyPipeline + "get_config_value: deployments.test1.helm.values.containers.image: not a mapping but a list (use [INDEX])\n", 1},
		{"below a scalar", "deployments.test.helm.chart.name.x", "",
			onlyPipeline + "get_config_value: deployments.test.helm.chart.name.x: the value before it is a scalar (test_chart), not a mapping or list\n", 1},
		{"below null", "deployments.test1.helm.values.empty.x", "",
			onlyPipeline + "get_config_value: deployments.test1.helm.values.empty.x: no such key: the value before it is null\n", 1},
		{"bad path", "deployments..test", "", onlyPipeline + "get_config_value: invalid path \"deployments..test\": empty key\n", 1},
		{"bad index", "deployments[x]", "", onlyPipeline + "get_config_value: invalid path \"deployments[x]\": [x] is neither a list index nor a quoted key\n", 1},
		{"no path", "", "", onlyPipeline + "get_config_value: usage: get_config_value [--dependency NAME] deployments.my-deployment.helm.chart.name\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, status := runOne(t, "get_config_value "+tt.path, p13, nil)
			if stdout != tt.wantOut || stderr != tt.wantErr || status != tt.want {
				t.Errorf("got stdout %q stderr %q status %d\nwant stdout %q stderr %q status %d",
					stdout, stderr, status, tt.wantOut, tt.wantErr, tt.want)
			}
		})
	}
}
