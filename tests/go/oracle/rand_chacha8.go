//go:build go1.22

package main

// The ChaCha8 generator of Go 1.22+ (runtime.rand, the calling M's m.chacha8), seeded by
// a trace's `rand` mode. The Swiss oracle builds this same file: gen_composite.go copies
// it to ../swiss_oracle/chacha8_gen.go.

import (
	"fmt"
	"os"
	"unsafe"
)

//go:linkname rand runtime.rand
func rand() uint64

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
		stateOff = findState(base)
		if stateOff < 0 {
			fmt.Fprintln(os.Stderr, os.Args[0]+": m.chacha8 not found")
			os.Exit(1)
		}
	}
	s := (*chachaState)(unsafe.Pointer(base + uintptr(stateOff)))
	s.seed = seed
	s.c = ^uint32(3) // -4: Refill adds 4, giving counter 0 without reseeding
	s.i = 0
	s.n = 0
}

// findState returns the offset of m.chacha8 in the m struct at base: the word i that one
// draw moves up by one, followed by n (32, or 28 in a block before a reseed) and c (a
// multiple of 4 below 16). A draw that empties the buffer refills it instead (i becomes
// 1, not i+1), so up to four draws are watched; and a candidate counts only once the
// next draw returns its buf[i] and moves its i on by one, which no other field of m
// does. (Watching a single draw found a wrong place now and then, about once in a
// hundred runs of a loaded machine: the seed then went elsewhere and the trace's draws
// came from an unseeded generator.)
func findState(base uintptr) int {
	u := (*[mWindow / 4]uint32)(unsafe.Pointer(base))
	for attempt := 0; attempt < 4; attempt++ {
		before := *u
		rand()
		for k := 36 * 2; k+2 < len(u); k++ {
			if u[k] != before[k]+1 || (u[k+1] != 32 && u[k+1] != 28) || u[k+2]%4 != 0 || u[k+2] >= 16 || u[k] > u[k+1] {
				continue
			}
			off := 4*k - 36*8
			s := (*chachaState)(unsafe.Pointer(base + uintptr(off)))
			i := s.i
			if i >= s.n {
				continue // the next draw refills: no check possible now
			}
			want := s.buf[i&31]
			if rand() == want && s.i == i+1 {
				return off
			}
			break // the check drew: look again from a fresh snapshot
		}
	}
	return -1
}

func draw64() uint64 { return rand() }
func draw32() uint32 { return uint32(rand()) }
