package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"

	"github.com/devspace-engine/devspace/statefile"
)

// Answers to `vars:` questions are remembered in the project's state
// (.devspace/vars.json beside the config), so that a question is asked
// once; `devspace reset vars` forgets them. The file is written
// atomically, readable by its owner only: a password answer is in it.
type answerFile struct {
	Vars map[string]string `json:"vars"`
}

// AnswersFile is where the answers for the config at configPath are kept.
func AnswersFile(configPath string) string {
	return statefile.ProjectFile(configPath, "vars")
}

// ForgetAnswers removes the remembered answers of the config at
// configPath; it reports whether there were any.
func ForgetAnswers(configPath string) (bool, error) {
	path := AnswersFile(configPath)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	err := statefile.Locked(path, func() error { return os.Remove(path) })
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func readAnswers(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f answerFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w (run `devspace reset vars` to start afresh)", displayPath(path), err)
	}
	if f.Vars == nil {
		f.Vars = map[string]string{}
	}
	return f.Vars, nil
}

// remembered returns the answer given to a question in an earlier run.
func (l *loader) remembered(name string) (string, bool, error) {
	if l.answers == nil {
		a, err := readAnswers(AnswersFile(l.path))
		if err != nil {
			return "", false, err
		}
		l.answers = a
	}
	v, ok := l.answers[name]
	return v, ok, nil
}

// remember keeps an answer for the next runs, merged under the state
// file's lock with what other devspace processes wrote meanwhile.
func (l *loader) remember(name, value string) error {
	path := AnswersFile(l.path)
	return statefile.Locked(path, func() error {
		current, err := readAnswers(path)
		if err != nil {
			return err
		}
		current[name] = value
		if l.answers != nil {
			l.answers[name] = value
		}
		data, err := json.MarshalIndent(answerFile{Vars: current}, "", "  ")
		if err != nil {
			return err
		}
		return statefile.WriteAtomic(path, append(data, '\n'))
	})
}

// CheckAnswer says why answer is not a valid value for the question: not
// one of its options, or not matching its validationPattern (with its
// validationMessage).
func (v *Var) CheckAnswer(answer string) error {
	if len(v.Options) > 0 {
		if !slices.Contains(v.Options, answer) {
			return fmt.Errorf("%q is not one of the options: %s", answer, quoteList(v.Options))
		}
		return nil
	}
	if v.ValidationPattern == "" {
		return nil
	}
	re, err := regexp.Compile(v.ValidationPattern)
	if err != nil {
		return err
	}
	if !re.MatchString(answer) {
		if v.ValidationMessage != "" {
			return errors.New(v.ValidationMessage)
		}
		return fmt.Errorf("the answer must match %s", v.ValidationPattern)
	}
	return nil
}

func quoteList(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", s)
	}
	return out
}
