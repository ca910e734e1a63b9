package hook

import (
	"regexp"
	"strings"
	"sync"
)

// eventPatterns are the events the cores emit, compiled on first use (not
// at start-up: most runs have no hooks). A hook naming any other event
// would never run, so it is refused at load time (see Check).
var eventPatterns = sync.OnceValue(func() (p struct{ item, step, command, dev *regexp.Regexp }) {
	// item: an event about one image, deployment, sync or port
	// forwarding: PHASE:SUBJECT:NAME, where NAME may be * for every one.
	p.item = regexp.MustCompile(`^(?:(?:before|after|error|skip):(?:build|deploy|render)|(?:before|after|error):purge|(?:start|restart|error|stop):(?:sync|portForwarding|reversePortForwarding)|(?:before|after|error):initialSync):[^:]+$`)
	// step: an event about a whole step.
	p.step = regexp.MustCompile(`^(?:(?:before|after):(?:build|deploy|render|purge|(?:deploy|build|render|purge)Dependencies)|(?:before|after|error):(?:createPullSecrets|resolveDependencies))$`)
	// command: an event of a CLI command's run.
	p.command = regexp.MustCompile(`^(?:dev|deploy|build|purge|render|runPipeline)Command:(?:before:execute|after:execute|error|interrupt)$`)
	// dev: an event of a dev config's start.
	p.dev = regexp.MustCompile(`^devCommand:(?:before|after):(?:sync|portForwarding)$`)
	return p
})

// Known says whether the cores ever emit event (a hook's `events:` entry,
// where an item's name may be *).
func Known(event string) bool {
	p := eventPatterns()
	return p.item.MatchString(event) || p.step.MatchString(event) || p.command.MatchString(event) || p.dev.MatchString(event)
}

// candidates are the names hooks are matched against for an emitted event,
// in the order they run: for an item's event, the hooks on every item
// (before:build:*) first, then those on this one (before:build:app), as
// DevSpace runs them.
func candidates(event string) []string {
	if !eventPatterns().item.MatchString(event) {
		return []string{event}
	}
	i := strings.LastIndexByte(event, ':')
	if event[i+1:] == "*" {
		return []string{event}
	}
	return []string{event[:i+1] + "*", event}
}

// warnOnly says whether a failing hook of event only warns: hooks on
// errors and interrupts run when the step already failed; those on a dev
// service's restart and stop run while it goes on or after it ended, as
// DevSpace runs them.
func warnOnly(event string) bool {
	for _, p := range []string{"error:", "restart:", "stop:"} {
		if strings.HasPrefix(event, p) {
			return true
		}
	}
	return strings.HasSuffix(event, ":error") || strings.HasSuffix(event, ":interrupt")
}
