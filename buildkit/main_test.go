package buildkit_test

import (
	"os"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// TestMain stops the daemon and registry the test bed started.
func TestMain(m *testing.M) { os.Exit(testbed.Main(m)) }
