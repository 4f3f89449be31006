// Command randvec prints draws of the Go runtime's own per-thread generator after
// seeding it, so that gomap's port (src/runtime/rand.rs) can be compared with the real
// thing for each release:
//
//	randvec S0 S1 S2 S3 N
//
// seeds the calling M's generator (wyrand `m.fastrand = S0` through Go 1.21, ChaCha8
// `m.chacha8.Init64([S0, S1, S2, S3])` from Go 1.22; hex words) and prints N 64-bit draws
// (`fastrand64` / `rand`) then N 32-bit draws (`fastrand` / `uint32(rand())`), one hex
// value a line. Then, after seeding again, it makes a map and prints its hash0, which
// must be the low 32 bits of the first draw.
//
// The generator lives in the runtime's `m` struct, whose layout changes between
// releases: seedState (rand_wyrand.go, rand_chacha8.go) finds the field by watching
// which word one draw changes, and checks what it found.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"unsafe"
)

// runtime.getm (proc.go): the current M, as a uintptr.
//
//go:linkname getm runtime.getm
func getm() uintptr

// mWindow is how many bytes of the m struct are searched for the generator state.
const mWindow = 4096

func mWords() *[mWindow / 8]uint64 {
	return (*[mWindow / 8]uint64)(unsafe.Pointer(getm()))
}

func main() {
	// Keep the runtime's own draws off this M: no GC, no heap profiling samples
	// (1.19-1.21 draw those from fastrand), one OS thread for this goroutine.
	runtime.LockOSThread()
	debug.SetGCPercent(-1)
	runtime.MemProfileRate = 0

	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: randvec S0 S1 S2 S3 N")
		os.Exit(2)
	}
	var seed [4]uint64
	for i := range seed {
		v, err := strconv.ParseUint(os.Args[1+i], 16, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		seed[i] = v
	}
	n, _ := strconv.Atoi(os.Args[5])

	fmt.Println("release", runtime.Version())
	seedState(seed)
	for i := 0; i < n; i++ {
		fmt.Printf("r64 %016x\n", draw64())
	}
	for i := 0; i < n; i++ {
		fmt.Printf("r32 %08x\n", draw32())
	}
	seedState(seed)
	m := make(map[int]int)
	h := *(**struct {
		count     int
		flags     uint8
		B         uint8
		noverflow uint16
		hash0     uint32
	})(unsafe.Pointer(&m))
	fmt.Printf("hash0 %08x\n", h.hash0)
}
