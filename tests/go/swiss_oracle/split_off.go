//go:build !goexperiment.mapsplitgroup

package main

// The interleaved group layout (every release's default): 8 key/elem slots.
const splitGroup = false
