//go:build tools

// Package tools records the Go programs the tests install, so tools/go.mod pins them.
package tools

import _ "github.com/canonical/pebble/cmd/pebble"
