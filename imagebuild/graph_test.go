package imagebuild

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// graphRepos are the configured images of the graph tests; "tools" is
// configured but never among the requests.
var graphRepos = map[string]string{
	"base":  "127.0.0.1:5000/base",
	"app":   "127.0.0.1:5000/app",
	"api":   "127.0.0.1:5000/api",
	"tools": "tools",
}

const graphDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// graphReq is a docker image whose Dockerfile lies at /cfg/<name>/Dockerfile.
func graphReq(name, dockerfile string) Request {
	return Request{
		Name: name, Kind: testDocker, Image: graphRepos[name], Dir: "/cfg",
		Dockerfile: "/cfg/" + name + "/Dockerfile", DockerfileText: []byte(dockerfile),
	}
}

func graphWithArgs(r Request, args map[string]*string) Request {
	r.BuildArgs = args
	return r
}

func graphStr(s string) *string { return &s }

func TestNewGraph(t *testing.T) {
	t.Parallel()
	custom := graphReq("api", "FROM 127.0.0.1:5000/base\n")
	custom.Kind = testCustom
	for _, tc := range []struct {
		name  string
		repos map[string]string // nil: graphRepos
		reqs  []Request
		order []string
		deps  map[string][]string
		refs  map[string][]BaseRef // only the images listed are checked
	}{{
		name:  "chain base then app",
		reqs:  []Request{graphReq("app", "FROM 127.0.0.1:5000/base:latest\n"), graphReq("base", "FROM alpine:3\n")},
		order: []string{"base", "app"},
		deps:  map[string][]string{"app": {"base"}, "base": nil},
		refs: map[string][]BaseRef{
			"app":  {{Ref: "127.0.0.1:5000/base:latest", Line: 1, Instr: InstrFrom, Image: "base"}},
			"base": {{Ref: "alpine:3", Line: 1, Instr: InstrFrom}},
		},
	}, {
		name: "two apps on one base keep their input order",
		reqs: []Request{
			graphReq("app", "FROM 127.0.0.1:5000/base\n"),
			graphReq("base", "FROM alpine\n"),
			graphReq("api", "FROM 127.0.0.1:5000/base:dev\n"),
		},
		order: []string{"base", "app", "api"},
		deps:  map[string][]string{"app": {"base"}, "api": {"base"}, "base": nil},
	}, {
		name: "global ARG overridden by a build arg",
		reqs: []Request{graphWithArgs(graphReq("app", "ARG REG=127.0.0.1:5000\nARG BASE=${REG}/nope\n"+
			"FROM ${BASE} AS build\nFROM build\n"),
			map[string]*string{"BASE": graphStr("127.0.0.1:5000/base:dev")})},
		order: []string{"app"},
		deps:  map[string][]string{"app": {"base"}},
		refs:  map[string][]BaseRef{"app": {{Ref: "127.0.0.1:5000/base:dev", Line: 3, Instr: InstrFrom, Image: "base"}}},
	}, {
		name: "nil build arg keeps the default, which expands an earlier ARG",
		reqs: []Request{graphWithArgs(graphReq("app", "ARG REG=127.0.0.1:5000\nARG BASE=${REG}/base\nFROM ${BASE}\n"),
			map[string]*string{"REG": nil})},
		order: []string{"app"},
		deps:  map[string][]string{"app": {"base"}},
		refs:  map[string][]BaseRef{"app": {{Ref: "127.0.0.1:5000/base", Line: 3, Instr: InstrFrom, Image: "base"}}},
	}, {
		name: "stage names are not images",
		reqs: []Request{graphReq("app", "FROM 127.0.0.1:5000/base AS builder\nRUN make\nFROM builder AS test\n"+
			"FROM alpine\nCOPY --from=builder /out /out\nCOPY --from=0 /x /x\nCOPY --from=Test /y /y\n")},
		order: []string{"app"},
		deps:  map[string][]string{"app": {"base"}},
		refs: map[string][]BaseRef{"app": {
			{Ref: "127.0.0.1:5000/base", Line: 1, Instr: InstrFrom, Image: "base"},
			{Ref: "alpine", Line: 4, Instr: InstrFrom},
		}},
	}, {
		name:  "FROM sees only earlier stages",
		reqs:  []Request{graphReq("app", "FROM base AS app\nFROM alpine AS base\n")},
		order: []string{"app"},
		deps:  map[string][]string{"app": nil},
		refs:  map[string][]BaseRef{"app": {{Ref: "base", Line: 1, Instr: InstrFrom}, {Ref: "alpine", Line: 2, Instr: InstrFrom}}},
	}, {
		name:  "COPY --from a project image",
		reqs:  []Request{graphReq("base", "FROM alpine\n"), graphReq("app", "FROM alpine\nCOPY --from=127.0.0.1:5000/base:latest /bin/t /bin/\n")},
		order: []string{"base", "app"},
		deps:  map[string][]string{"app": {"base"}, "base": nil},
		refs: map[string][]BaseRef{"app": {
			{Ref: "alpine", Line: 1, Instr: InstrFrom},
			{Ref: "127.0.0.1:5000/base:latest", Line: 2, Instr: InstrCopyFrom, Image: "base"},
		}},
	}, {
		name: "RUN --mount from a project image, not from a stage",
		reqs: []Request{graphReq("app", "FROM alpine AS src\nFROM golang\n"+
			"RUN --mount=type=cache,from=127.0.0.1:5000/base,target=/c \\\n  --mount=type=bind,from=src,target=/s \\\n  --mount=type=cache,target=/x go build\n")},
		order: []string{"app"},
		deps:  map[string][]string{"app": {"base"}},
		refs: map[string][]BaseRef{"app": {
			{Ref: "alpine", Line: 1, Instr: InstrFrom},
			{Ref: "golang", Line: 2, Instr: InstrFrom},
			{Ref: "127.0.0.1:5000/base", Line: 3, Instr: InstrMount, Image: "base"},
		}},
	}, {
		name:  "digest-pinned reference is external",
		reqs:  []Request{graphReq("app", "FROM 127.0.0.1:5000/base:1@"+graphDigest+"\n"), graphReq("base", "FROM alpine\n")},
		order: []string{"app", "base"},
		deps:  map[string][]string{"app": nil, "base": nil},
		refs:  map[string][]BaseRef{"app": {{Ref: "127.0.0.1:5000/base:1@" + graphDigest, Line: 1, Instr: InstrFrom, Pinned: true}}},
	}, {
		name:  "scratch, own repository, lower-case keyword",
		reqs:  []Request{graphReq("app", "# syntax=docker/dockerfile:1\nfrom scratch\nCOPY --from=127.0.0.1:5000/app:old / /\n")},
		order: []string{"app"},
		deps:  map[string][]string{"app": nil},
		refs:  map[string][]BaseRef{"app": {{Ref: "127.0.0.1:5000/app:old", Line: 3, Instr: InstrCopyFrom}}},
	}, {
		name:  "configured image outside the requests, custom image without Dockerfile",
		reqs:  []Request{graphReq("app", "FROM docker.io/library/tools:1\n"), custom},
		order: []string{"app", "api"},
		deps:  map[string][]string{"app": {"tools"}},
	}, {
		name:  "images sharing a repository: the one with the tag",
		repos: map[string]string{"base": "r/base", "base-dev": "r/base", "app": "r/app"},
		reqs: []Request{
			{Name: "base-dev", Kind: testDocker, Tags: []string{"dev"}, DockerfileText: []byte("FROM alpine\n")},
			{Name: "app", Kind: testDocker, DockerfileText: []byte("FROM r/base:dev\nCOPY --from=r/base:1 / /\n")},
		},
		order: []string{"base-dev", "app"},
		deps:  map[string][]string{"app": {"base", "base-dev"}, "base-dev": nil},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			repos := tc.repos
			if repos == nil {
				repos = graphRepos
			}
			g, err := NewGraph(tc.reqs, repos)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.order, g.Order); diff != "" {
				t.Errorf("Order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.deps, g.Deps); diff != "" {
				t.Errorf("Deps (-want +got):\n%s", diff)
			}
			for name, want := range tc.refs {
				if diff := cmp.Diff(want, g.Refs[name]); diff != "" {
					t.Errorf("Refs[%s] (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func TestNewGraphErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		reqs []Request
		want string
	}{{
		name: "cycle",
		reqs: []Request{
			graphReq("api", "FROM 127.0.0.1:5000/app\n"), // depends on the cycle, is not in it
			graphReq("app", "FROM 127.0.0.1:5000/base\n"),
			graphReq("base", "FROM alpine\nRUN true\nCOPY --from=127.0.0.1:5000/app /x /x\n"),
		},
		want: "build order: images depend on each other: app → base (app/Dockerfile:1 FROM 127.0.0.1:5000/base)" +
			" → app (base/Dockerfile:3 COPY --from 127.0.0.1:5000/app)",
	}, {
		name: "bad FROM",
		reqs: []Request{graphReq("app", "FROM alpine\nRUN true\nFROM a b\n")},
		want: `image "app": app/Dockerfile:3: FROM requires either one or three arguments`,
	}, {
		name: "parser error",
		reqs: []Request{graphReq("app", "FROM alpine\nRUN <<EOF\necho\n")},
		want: `image "app": app/Dockerfile:2: unterminated heredoc`,
	}, {
		name: "variable in COPY --from",
		reqs: []Request{graphReq("app", "FROM alpine\nARG B\nCOPY --from=${B} / /\n")},
		want: `image "app": app/Dockerfile:3: COPY --from ${B}: variable expansion is not supported here; define a stage with FROM and use its name`,
	}, {
		name: "instruction before FROM",
		reqs: []Request{graphReq("app", "ARG A=1\nCOPY a b\nFROM alpine\n")},
		want: `image "app": app/Dockerfile:2: no build stage in current context: only ARG may come before the first FROM`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGraph(tc.reqs, graphRepos)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, %v\nwant %s", g, err, tc.want)
			}
			var cycle *CycleError
			if errors.As(err, &cycle) != (tc.name == "cycle") {
				t.Errorf("error %T, CycleError only for a cycle", err)
			}
		})
	}
}

func TestRewriteBaseRefs(t *testing.T) {
	t.Parallel()
	exact := map[string]string{"base": "127.0.0.1:5000/base:ds-abc"}
	for _, tc := range []struct {
		name, text, want string
	}{{
		name: "FROM, other lines untouched",
		text: "FROM 127.0.0.1:5000/base AS build\nRUN echo 127.0.0.1:5000/base\nFROM alpine\n",
		want: "FROM 127.0.0.1:5000/base:ds-abc AS build\nRUN echo 127.0.0.1:5000/base\nFROM alpine\n",
	}, {
		name: "tag already present",
		text: "FROM 127.0.0.1:5000/base:latest\n",
		want: "FROM 127.0.0.1:5000/base:ds-abc\n",
	}, {
		name: "FROM through an ARG",
		text: "ARG BASE=127.0.0.1:5000/base\nFROM --platform=$BUILDPLATFORM ${BASE} AS b\nRUN echo ${BASE}\n",
		want: "ARG BASE=127.0.0.1:5000/base\nFROM --platform=$BUILDPLATFORM 127.0.0.1:5000/base:ds-abc AS b\nRUN echo ${BASE}\n",
	}, {
		name: "FROM continued on the next line",
		text: "FROM \\\n  # comment\n  127.0.0.1:5000/base:latest\n",
		want: "FROM \\\n  # comment\n  127.0.0.1:5000/base:ds-abc\n",
	}, {
		name: "COPY --from",
		text: "FROM alpine\nCOPY --chown=1 --from=127.0.0.1:5000/base:latest /a /b\nCOPY --from=\"127.0.0.1:5000/base\" /c /d\n",
		want: "FROM alpine\nCOPY --chown=1 --from=127.0.0.1:5000/base:ds-abc /a /b\nCOPY --from=127.0.0.1:5000/base:ds-abc /c /d\n",
	}, {
		name: "RUN --mount from",
		text: "FROM alpine AS s\nRUN --mount=type=cache,from=127.0.0.1:5000/base,target=/c --mount=from=s,target=/d make\n",
		want: "FROM alpine AS s\nRUN --mount=type=cache,from=127.0.0.1:5000/base:ds-abc,target=/c --mount=from=s,target=/d make\n",
	}, {
		name: "escape directive, CRLF",
		text: "# escape=`\r\nFROM `\r\n 127.0.0.1:5000/base\r\n",
		want: "# escape=`\r\nFROM `\r\n 127.0.0.1:5000/base:ds-abc\r\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGraph([]Request{graphReq("app", tc.text)}, graphRepos)
			if err != nil {
				t.Fatal(err)
			}
			in := []byte(tc.text)
			got := RewriteBaseRefs(in, g.Refs["app"], exact)
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if string(in) != tc.text {
				t.Error("the input text changed")
			}
			if none := RewriteBaseRefs(in, g.Refs["app"], nil); string(none) != tc.text {
				t.Errorf("without exact references the text changed:\n%s", none)
			}
		})
	}
}

// TestRewriteBaseRefsForeignRefs: refs that do not match the text's
// instructions leave it alone instead of garbling it.
func TestRewriteBaseRefsForeignRefs(t *testing.T) {
	t.Parallel()
	text := "FROM alpine\nRUN echo hi\n"
	refs := []BaseRef{{Ref: "127.0.0.1:5000/base", Line: 2, Instr: InstrFrom, Image: "base"}, {Line: 9, Instr: InstrFrom, Image: "base"}}
	got := RewriteBaseRefs([]byte(text), refs, map[string]string{"base": "b:1"})
	if string(got) != text || strings.Contains(string(got), "b:1") {
		t.Errorf("got %q", got)
	}
}
