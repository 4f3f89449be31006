//go:build go1.22

package main

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
			fmt.Fprintln(os.Stderr, "randvec: m.chacha8 not found")
			os.Exit(1)
		}
	}
	s := (*chachaState)(unsafe.Pointer(base + uintptr(stateOff)))
	s.seed = seed
	s.c = ^uint32(3) // -4: Refill adds 4, giving counter 0 without reseeding
	s.i = 0
	s.n = 0
}

func draw64() uint64 { return rand() }
func draw32() uint32 { return uint32(rand()) }
