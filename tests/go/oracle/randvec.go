package main

// The generator seeding behind the `rand` directive, and a check of it.
//
// Go's map draws come from the calling M's generator: wyrand `m.fastrand` through Go
// 1.21, ChaCha8 `m.chacha8` from Go 1.22. The m struct's layout changes between
// releases, so seedState (rand_wyrand.go, rand_chacha8.go) finds the field by watching
// which word one draw changes, and checks what it found. main() locks the goroutine to
// its thread and keeps the runtime's own draws off it (no GC, no heap profiling
// samples, which 1.19-1.21 draw from fastrand).

import (
	"fmt"
	"os"
	"runtime"
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

// randvecMain is `gomap-oracle -randvec S0 S1 S2 S3 N`: it seeds the calling M's
// generator and prints N 64-bit draws, N 32-bit draws and a new map's hash0 (see
// tools/tests/go_releases.rs, which compares gomap's port with them).
func randvecMain(args []string) {
	if len(args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: gomap-oracle -randvec S0 S1 S2 S3 N")
		os.Exit(2)
	}
	var seed [4]uint64
	for i := range seed {
		v, err := strconv.ParseUint(args[i], 16, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		seed[i] = v
	}
	n, _ := strconv.Atoi(args[4])

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
	fmt.Printf("hash0 %08x\n", (*(**hmap)(unsafe.Pointer(&m))).hash0)
}
