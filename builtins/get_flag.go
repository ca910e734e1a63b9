package builtins

import (
	"context"
	"fmt"
	"io"

	"github.com/devspace-engine/devspace/engine"
)

var getFlag = simple("get_flag", "get_flag NAME",
	"Print the value of a pipeline flag or CLI flag (no newline); fail if there is none.", true,
	func(_ context.Context, c *engine.Call, args []string) error {
		if len(args) != 1 {
			return engine.Usagef("get_flag NAME")
		}
		v, ok := c.Flag(args[0])
		if !ok {
			return fmt.Errorf("couldn't find flag %s", args[0])
		}
		_, err := io.WriteString(c.Stdout, v)
		return err
	})
