//go:build !go1.25

package main

// Go 1.24: no tombstonePossible; maps.Clone is runtime.mapclone2 (a new map filled by
// iteration), which draws the new seed and the two iterator offsets from rand().
const hasTombstonePossible = false
const nativeClone = false
