package config

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// loadWithFiles writes src as devspace.yaml beside files and loads it.
func loadWithFiles(t *testing.T, src string, files map[string]string, opts LoadOptions) (*Config, error) {
	t.Helper()
	dir := writeConfig(t, src)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts.Dir = dir
	opts.Environ = append([]string{"PATH=" + os.Getenv("PATH")}, opts.Environ...)
	return Load(opts)
}

func TestEnvFile(t *testing.T) {
	const dotenv = "# settings\nFROM_FILE=file\nBOTH=file\nDEFAULTED=file\nexport QUOTED=\"a b\"\n"
	cases := []struct {
		name    string
		vars    string
		environ []string
	}{
		{"named in vars", "  DEVSPACE_ENV_FILE: .env\n", nil},
		{"named in the environment", "", []string{"DEVSPACE_ENV_FILE=.env"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadWithFiles(t, `version: v2beta1
name: app
vars:
`+tc.vars+`  DEFAULTED:
    default: from-default
  FROM_CMD: $(echo "cmd saw $FROM_FILE")
images:
  app:
    image: reg/app
    tags: ["${FROM_FILE}-${BOTH}-${DEFAULTED}"]
`, map[string]string{".env": dotenv}, LoadOptions{Environ: append(tc.environ, "BOTH=env")})
			if err != nil {
				t.Fatal(err)
			}
			// The environment wins over the file, the file over a default.
			if got := cfg.Images["app"].Tags[0]; got != "file-env-file" {
				t.Errorf("tag = %q, want file-env-file", got)
			}
			if got := cfg.Variables["FROM_CMD"]; got != "cmd saw file" {
				t.Errorf("FROM_CMD = %q: a variable's command must see the file's entries", got)
			}
			for _, want := range []string{"FROM_FILE=file", "QUOTED=a b"} {
				if !slices.Contains(cfg.Environ, want) {
					t.Errorf("Environ lacks %q (scripts would not see it)", want)
				}
			}
			if slices.Contains(cfg.Environ, "BOTH=file") {
				t.Error("the file overrode the environment's BOTH")
			}
		})
	}
}

func TestEnvFileMissingIsNoError(t *testing.T) {
	cfg, err := loadWithFiles(t, "version: v2beta1\nname: app\nvars:\n  DEVSPACE_ENV_FILE: .env\n", nil, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Environ) != 1 {
		t.Errorf("Environ = %q, want only PATH", cfg.Environ)
	}
}

func TestEnvFileBroken(t *testing.T) {
	_, err := loadWithFiles(t, "version: v2beta1\nname: app\nvars:\n  DEVSPACE_ENV_FILE: broken.env\n",
		map[string]string{"broken.env": "GOOD=1\nnot a line\n"}, LoadOptions{})
	checkError(t, err, wantPos{4, 22, "DEVSPACE_ENV_FILE: read broken.env"})
}
