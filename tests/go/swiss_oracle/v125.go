//go:build go1.25

package main

// Go 1.25 on: tombstonePossible and a native Map.Clone.
const hasTombstonePossible = true
const nativeClone = true
