//go:build go1.24 && goexperiment.swissmap

package main

// Go 1.24 and later use the Swiss-table map unless built with GOEXPERIMENT=noswissmap;
// this oracle mirrors the classic map only. Refuse to build rather than misread memory.
var _ int = "gomap-oracle: build Go 1.24 with GOEXPERIMENT=noswissmap (the classic map)"
