package config

import (
	"fmt"
	"regexp"
)

// fromUser takes a variable's value from the user: the answer remembered
// from an earlier run (unless noCache), else the answer to its question
// when this run can ask. A variable that has a default is a question only
// when it says so (question, options, password or source input);
// otherwise its default is its value, as before, and no state is read. It
// reports false when neither gave a value.
func (r *varResolver) fromUser(name string, def *Var, source string) (string, bool, error) {
	if err := r.checkQuestion(name, def); err != nil {
		return "", false, err
	}
	asks := source == "input" || def.Question != "" || len(def.Options) > 0 || def.Password || def.Default == nil
	if !asks {
		return "", false, nil
	}
	if !def.NoCache {
		v, ok, err := r.l.remembered(name)
		if err != nil {
			return "", false, err
		}
		// An answer the question no longer accepts (its options changed)
		// is asked again.
		if ok && def.CheckAnswer(v) == nil {
			return v, true, nil
		}
	}
	if r.l.opts.Prompt == nil {
		return "", false, nil
	}
	q := *def
	q.Name = name
	if def.Default != nil {
		d, err := r.valueOf(name, "default", def.Default)
		if err != nil {
			return "", false, err
		}
		q.Default = d
	}
	answer, err := r.l.opts.Prompt(&q)
	if err != nil {
		return "", false, fmt.Errorf("variable %s: %w", name, err)
	}
	if err := q.CheckAnswer(answer); err != nil { // the prompt checks; this guards
		return "", false, fmt.Errorf("variable %s: %w", name, err)
	}
	if !def.NoCache {
		if err := r.l.remember(name, answer); err != nil {
			return "", false, fmt.Errorf("remember the answer for %s: %w", name, err)
		}
	}
	return answer, true, nil
}

// checkQuestion refuses a question that no answer could satisfy.
func (r *varResolver) checkQuestion(name string, def *Var) error {
	if def.ValidationPattern != "" {
		if _, err := regexp.Compile(def.ValidationPattern); err != nil {
			return r.l.errorAtPath("vars."+name+".validationPattern", "variable %q: invalid validationPattern: %v", name, err)
		}
	}
	if def.ValidationMessage != "" && def.ValidationPattern == "" {
		return r.l.errorAtPath("vars."+name+".validationMessage", "variable %q: validationMessage without validationPattern: add the pattern it explains", name)
	}
	return nil
}
