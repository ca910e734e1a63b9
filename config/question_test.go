package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// asker is a Prompt that answers from a map and records what it was asked.
type asker struct {
	answers map[string]string
	asked   []Var
}

func (a *asker) prompt(v *Var) (string, error) {
	a.asked = append(a.asked, *v)
	return a.answers[v.Name], nil
}

const questions = `version: v2beta1
name: app
vars:
  DB:
    question: Which database?
    options: [postgres, mysql]
    default: mysql
  TOKEN:
    password: true
  PORT:
    question: Port?
    validationPattern: "^[0-9]+$"
    validationMessage: a number, please
    noCache: true
  REGION:
    default: eu
  UNUSED:
    question: Never asked?
    alwaysResolve: false
  USED:
    question: Asked?
    alwaysResolve: false
pipelines:
  p: |
    echo ${USED}
`

func TestQuestionsAskedAndRemembered(t *testing.T) {
	dir := writeConfig(t, questions)
	a := &asker{answers: map[string]string{"DB": "postgres", "TOKEN": "s3cret", "PORT": "8080", "USED": "yes"}}
	cfg, err := Load(LoadOptions{Dir: dir, Prompt: a.prompt})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range a.asked {
		names = append(names, q.Name)
	}
	if got := strings.Join(names, " "); got != "DB PORT TOKEN USED" {
		t.Errorf("asked %q, want DB PORT TOKEN USED (REGION has a default and no question; UNUSED is not used)", got)
	}
	if a.asked[0].Default != "mysql" || a.asked[0].Question != "Which database?" {
		t.Errorf("DB asked as %+v: want its question and default", a.asked[0])
	}
	for k, want := range map[string]string{"DB": "postgres", "TOKEN": "s3cret", "PORT": "8080", "REGION": "eu", "USED": "yes"} {
		if got := cfg.Variables[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, ok := cfg.Variables["UNUSED"]; ok {
		t.Error("UNUSED (alwaysResolve: false, not used) was resolved")
	}
	state := filepath.Join(dir, ".devspace", "vars.json")
	info, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600 (it holds a password answer)", state, info.Mode().Perm())
	}

	// The next run, even one that cannot ask, has the answers; PORT is
	// noCache and must be given again.
	_, err = Load(LoadOptions{Dir: dir})
	checkError(t, err, wantPos{10, 3, `variable "PORT" has no value`})
	cfg, err = Load(LoadOptions{Dir: dir, Vars: []string{"PORT=9"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Variables["DB"] != "postgres" || cfg.Variables["TOKEN"] != "s3cret" {
		t.Errorf("remembered answers not used: %v", cfg.Variables)
	}

	// An answer the options no longer allow is asked again.
	changed := strings.Replace(questions, "[postgres, mysql]", "[sqlite, mysql]", 1)
	if err := os.WriteFile(filepath.Join(dir, DefaultFile), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	a = &asker{answers: map[string]string{"DB": "sqlite", "PORT": "1"}}
	if _, err := Load(LoadOptions{Dir: dir, Prompt: a.prompt}); err != nil {
		t.Fatal(err)
	}
	if len(a.asked) != 2 || a.asked[0].Name != "DB" {
		t.Errorf("asked %+v, want DB again and PORT", a.asked)
	}

	// reset vars forgets them.
	if had, err := ForgetAnswers(filepath.Join(dir, DefaultFile)); err != nil || !had {
		t.Fatalf("ForgetAnswers = %v, %v", had, err)
	}
	_, err = Load(LoadOptions{Dir: dir, Vars: []string{"PORT=9", "USED=1"}})
	checkError(t, err, wantPos{8, 3, `variable "TOKEN" has no value`})
}

func TestQuestionAnswerChecked(t *testing.T) {
	v := &Var{ValidationPattern: "^[0-9]+$", ValidationMessage: "a number, please"}
	if err := v.CheckAnswer("80"); err != nil {
		t.Error(err)
	}
	if err := v.CheckAnswer("x"); err == nil || err.Error() != "a number, please" {
		t.Errorf("CheckAnswer(x) = %v", err)
	}
	o := &Var{Options: []string{"a", "b"}}
	if err := o.CheckAnswer("c"); err == nil || !strings.Contains(err.Error(), `"c" is not one of the options: "a", "b"`) {
		t.Errorf("CheckAnswer(c) = %v", err)
	}
	// A prompt that returns what the question does not accept is refused.
	a := &asker{answers: map[string]string{"DB": "oracle"}}
	_, err := load(t, "version: v2beta1\nname: app\nvars:\n  DB:\n    options: [a, b]\n", LoadOptions{Prompt: a.prompt})
	if err == nil || !strings.Contains(err.Error(), `"oracle" is not one of the options`) {
		t.Errorf("err = %v", err)
	}
}

func TestQuestionBadPattern(t *testing.T) {
	_, err := load(t, "version: v2beta1\nname: app\nvars:\n  X:\n    question: x?\n    validationPattern: \"([\"\n", LoadOptions{})
	checkError(t, err, wantPos{6, 24, "invalid validationPattern"})
}
