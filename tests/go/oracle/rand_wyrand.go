//go:build !go1.22

package main

import (
	"fmt"
	"os"
	_ "unsafe" // for go:linkname
)

//go:linkname fastrand runtime.fastrand
func fastrand() uint32

//go:linkname fastrand64 runtime.fastrand64
func fastrand64() uint64

// fastrandOff is the byte offset of m.fastrand, found on first use.
var fastrandOff = -1

// seedState sets m.fastrand (wyrand's state) to seed[0].
func seedState(seed [4]uint64) {
	w := mWords()
	if fastrandOff < 0 {
		before := *w
		fastrand64()
		for i := range w {
			if w[i]-before[i] == 0xa0761d6478bd642f {
				fastrandOff = i
				break
			}
		}
		if fastrandOff < 0 {
			fmt.Fprintln(os.Stderr, "randvec: m.fastrand not found")
			os.Exit(1)
		}
	}
	w[fastrandOff] = seed[0]
}

func draw64() uint64 { return fastrand64() }
func draw32() uint32 { return fastrand() }
