//go:build tools

// Package tools records the Go programs the tests install, so tools/go.mod pins them:
// Pebble, and the Candid server and its client for the candid auth tests.
package tools

import (
	_ "github.com/canonical/candid/cmd/candid"
	_ "github.com/canonical/candid/cmd/candidsrv"
	_ "github.com/canonical/pebble/cmd/pebble"
)
