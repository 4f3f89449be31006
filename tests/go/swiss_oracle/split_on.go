//go:build goexperiment.mapsplitgroup

package main

// Go 1.27 built with GOEXPERIMENT=mapsplitgroup: a group holds its 8 keys, then its 8
// elems (the trace's release is "1.27-mapsplitgroup", and the swissmaptype line names
// the four offset fields of abi.MapType).
const splitGroup = true
