package commands

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Commit is the git commit devspace is built from, set at build time with
// -ldflags "-X ...commands.Commit=…" (task release does); else the one Go
// recorded (a build in a checkout).
var Commit string

func versionCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Print the version and the commit devspace is built from",
		Action: func(*cli.Context) error {
			version, commit := buildVersion()
			fmt.Fprintf(stdio.Stdout, "devspace %s (commit %s, %s, %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// buildVersion is the stamped version and commit; what is not stamped
// comes from the build information Go records: the module's version
// (go install …@v1.2.3) and the checkout's commit.
func buildVersion() (version, commit string) {
	version, commit = Version, Commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, orUnknown(commit)
	}
	if version == defaultVersion && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	if commit == "" {
		commit = vcsCommit(info.Settings)
	}
	return version, orUnknown(commit)
}

// vcsCommit is the commit a build in a checkout recorded (12 digits),
// -dirty when files were changed.
func vcsCommit(settings []debug.BuildSetting) string {
	var rev, dirty string
	for _, s := range settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
