package imagebuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// DockerfileEdits are the in-memory changes `images:` asks for. They are
// inserted, in this order, at the end of the Dockerfile, or at the end of
// the Target stage when Target is set.
type DockerfileEdits struct {
	// Append are appendDockerfileInstructions, one instruction each.
	Append []string
	// Entrypoint becomes ENTRYPOINT in exec form; a non-nil empty slice
	// gives `ENTRYPOINT []`, nil adds nothing.
	Entrypoint []string
	// Cmd becomes CMD in exec form, like Entrypoint.
	Cmd []string
	// Target is the stage to edit; it must exist.
	Target string
}

func (e DockerfileEdits) empty() bool {
	return len(e.Append) == 0 && e.Entrypoint == nil && e.Cmd == nil
}

// RewriteDockerfile applies edits to the Dockerfile text read from path (path
// only names it in errors); the file on disk is never changed. Without edits
// the text is returned unchanged, but a Target must still name a stage.
func RewriteDockerfile(path string, text []byte, edits DockerfileEdits) ([]byte, error) {
	lines := strings.Split(string(text), "\n")
	insertAt := len(lines)
	if strings.TrimSpace(lines[len(lines)-1]) == "" {
		insertAt = len(lines) - 1 // before the trailing newline
	}
	if edits.Target != "" {
		end, err := stageEnd(lines, edits.Target)
		if err != nil {
			return nil, fmt.Errorf("Dockerfile %s: %w", path, err)
		}
		if end >= 0 {
			insertAt = end
		}
	}
	if edits.empty() {
		return text, nil
	}
	added, err := editLines(edits)
	if err != nil {
		return nil, fmt.Errorf("Dockerfile %s: %w", path, err)
	}
	out := make([]string, 0, len(lines)+len(added))
	out = append(out, lines[:insertAt]...)
	out = append(out, added...)
	out = append(out, lines[insertAt:]...)
	if insertAt == len(lines) {
		out = append(out, "")
	}
	return []byte(strings.Join(out, "\n")), nil
}

func editLines(e DockerfileEdits) ([]string, error) {
	out := append([]string(nil), e.Append...)
	for _, in := range []struct {
		name string
		args []string
	}{{"ENTRYPOINT", e.Entrypoint}, {"CMD", e.Cmd}} {
		if in.args == nil {
			continue
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(in.args); err != nil {
			return nil, fmt.Errorf("encode %s: %w", in.name, err)
		}
		out = append(out, in.name+" "+strings.TrimSpace(buf.String()))
	}
	return out, nil
}

// stageEnd returns the line index of the FROM that follows the target stage,
// or -1 when the target is the last stage.
func stageEnd(lines []string, target string) (int, error) {
	var names []string
	found, end := false, -1
	for _, in := range scanInstructions(lines) {
		if in.keyword != "FROM" {
			continue
		}
		if found && end < 0 {
			end = in.start
		}
		name := stageName(in.text)
		if name == "" {
			continue
		}
		names = append(names, name)
		if strings.EqualFold(name, target) {
			if found {
				return 0, fmt.Errorf("target stage %q is defined twice", target)
			}
			found = true
		}
	}
	if !found {
		known := "no named stages"
		if len(names) > 0 {
			known = "stages: " + strings.Join(names, ", ")
		}
		return 0, fmt.Errorf("target stage %q not found (%s)", target, known)
	}
	return end, nil
}

// stageName returns NAME of `FROM [--flags] IMAGE AS NAME`, or "".
func stageName(from string) string {
	var f []string
	for _, w := range strings.Fields(from)[1:] {
		if !strings.HasPrefix(w, "--") {
			f = append(f, w)
		}
	}
	if len(f) == 3 && strings.EqualFold(f[1], "AS") {
		return f[2]
	}
	return ""
}

// instruction is one Dockerfile instruction spanning lines start..end.
type instruction struct {
	start, end int
	keyword    string // upper case
	text       string // the whole instruction, continuations joined
}

var (
	escapeDirective = regexp.MustCompile(`(?i)^#\s*escape\s*=\s*(\S)\s*$`)
	heredocStart    = regexp.MustCompile(`<<(-?)\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?`)
)

// scanInstructions splits a Dockerfile into instructions, honouring the
// escape directive, line continuations, comments and RUN/COPY/ADD heredocs,
// so that a "FROM" inside another instruction is never taken for a stage.
func scanInstructions(lines []string) []instruction {
	escape := `\`
	var out []instruction
	directives := true
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if directives {
			if m := escapeDirective.FindStringSubmatch(trimmed); m != nil {
				escape = m[1]
				continue
			}
			directives = false
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		in := instruction{start: i}
		var parts []string
		for ; i < len(lines); i++ {
			t := strings.TrimSpace(lines[i])
			if i > in.start && (t == "" || strings.HasPrefix(t, "#")) {
				continue // comments and blank lines inside a continuation
			}
			if !strings.HasSuffix(t, escape) {
				parts = append(parts, t)
				break
			}
			parts = append(parts, strings.TrimSuffix(t, escape))
		}
		in.text = strings.Join(parts, " ")
		if f := strings.Fields(in.text); len(f) > 0 {
			in.keyword = strings.ToUpper(f[0])
		}
		if in.keyword == "RUN" || in.keyword == "COPY" || in.keyword == "ADD" {
			i = skipHeredocs(lines, i, in.text)
		}
		in.end = min(i, len(lines)-1)
		out = append(out, in)
	}
	return out
}

// skipHeredocs returns the index of the last line of the heredoc bodies that
// the instruction text opens, starting after line i.
func skipHeredocs(lines []string, i int, text string) int {
	for _, m := range heredocStart.FindAllStringSubmatch(text, -1) {
		stripTabs, delim := m[1] == "-", m[2]
		for i++; i < len(lines); i++ {
			l := strings.TrimRight(lines[i], "\r")
			if stripTabs {
				l = strings.TrimLeft(l, "\t")
			}
			if l == delim {
				break
			}
		}
	}
	return i
}
