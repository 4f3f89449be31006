package main

// The seeded-random mode (`rand`): the trace seeds the calling M's ChaCha8 generator
// (`m.chacha8`, runtime.rand) and Go draws every map seed, iterator offset and NaN hash
// from it, as gomap draws from its own seeded copy. The m struct's layout changes between
// releases, so seedState finds the generator by watching which words draws change
// (chacha8_gen.go, the classic oracle's rand_chacha8.go). main() locks the goroutine to
// its thread and keeps the runtime's own draws off the generator (no GC, no heap
// profiling samples).

import _ "unsafe" // for go:linkname

// runtime.getm (proc.go): the current M, as a uintptr.
//
//go:linkname getm runtime.getm
func getm() uintptr

// internal/runtime/maps.(*Iter).Init: Go's own, with its two rand() draws.
//
//go:linkname iterInit internal/runtime/maps.(*Iter).Init
func iterInit(it *swissIter, t *mapType, m *swissMap)

// mWindow is how many bytes of the m struct are searched for the generator state.
const mWindow = 4096
