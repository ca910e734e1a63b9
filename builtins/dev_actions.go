package builtins

import "context"

// RestartDev runs the process of dev config name's running session again
// through the restart helper (`devspace restart` on its pod), its message
// on the session's log; for devspace ui's restart button.
func (s *Services) RestartDev(ctx context.Context, name string) error {
	return s.dev().Restart(ctx, name)
}

// OpenDevPort waits for a forwarded local port of dev config name's
// running session to answer, says "Open URL" on the session's log and
// returns the URL; for devspace ui's open button.
func (s *Services) OpenDevPort(ctx context.Context, name string, local int) (string, error) {
	return s.dev().OpenPort(ctx, name, local)
}
