//go:build !go1.27

package main

import _ "unsafe" // for go:linkname

// The key state of the hash functions, in package runtime through Go 1.26 (alg.go).

//go:linkname aeskeysched runtime.aeskeysched
var aeskeysched [128]byte

//go:linkname hashkey runtime.hashkey
var hashkey [4]uintptr

//go:linkname useAeshash runtime.useAeshash
var useAeshash bool
