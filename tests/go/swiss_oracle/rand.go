package main

// The seeded-random mode (`rand`): the trace seeds the calling M's ChaCha8 generator
// (`m.chacha8`, runtime.rand) and Go draws every map seed, iterator offset and NaN hash
// from it, as gomap draws from its own seeded copy. The m struct's layout changes between
// releases, so seedState finds the generator by watching which words one draw changes
// (as the classic oracle does). main() locks the goroutine to its thread and keeps the
// runtime's own draws off the generator (no GC, no heap profiling samples).

import (
	"fmt"
	"os"
	"unsafe"
)

//go:linkname rand runtime.rand
func rand() uint64

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

// stateOff is the byte offset of m.chacha8 (a chacha8rand.State: buf [32]uint64,
// seed [4]uint64, i, n, c uint32), found on first use.
var stateOff = -1

type chachaState struct {
	buf     [32]uint64
	seed    [4]uint64
	i, n, c uint32
}

// seedState gives m.chacha8 the state Init64(seed) leaves: it stores the seed and sets
// the counter so that the next draw's Refill computes block 0 of that seed and hands out
// all 32 words, exactly what Init64 does.
func seedState(seed [4]uint64) {
	base := getm()
	if stateOff < 0 {
		u := (*[mWindow / 4]uint32)(unsafe.Pointer(base))
		before := *u
		rand()
		for k := 0; k+2 < len(u); k++ {
			// i went up by one; n is 32 or 28; c is a multiple of 4 below 16.
			if u[k] == before[k]+1 && (u[k+1] == 32 || u[k+1] == 28) && u[k+2]%4 == 0 && u[k+2] < 16 && u[k] <= u[k+1] {
				stateOff = 4*k - 36*8
				break
			}
		}
		if stateOff < 0 {
			fmt.Fprintln(os.Stderr, "gomap-swiss-oracle: m.chacha8 not found")
			os.Exit(1)
		}
	}
	s := (*chachaState)(unsafe.Pointer(base + uintptr(stateOff)))
	s.seed = seed
	s.c = ^uint32(3) // -4: Refill adds 4, giving counter 0 without reseeding
	s.i = 0
	s.n = 0
}
