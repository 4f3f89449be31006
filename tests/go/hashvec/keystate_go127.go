//go:build go1.27

package main

import _ "unsafe" // for go:linkname

// Go 1.27 moved the hash functions' key state into internal/runtime/maps
// (runtime_alg.go), where useAeshash is the exported UseAeshash. Linking to the old
// runtime names there would make variables of this program's own, which the hashes never
// read.

//go:linkname aeskeysched internal/runtime/maps.aeskeysched
var aeskeysched [128]byte

//go:linkname hashkey internal/runtime/maps.hashkey
var hashkey [4]uintptr

//go:linkname useAeshash internal/runtime/maps.UseAeshash
var useAeshash bool
