//go:build !go1.27

package main

import _ "unsafe"

// runtime.aeskeysched: the 128 bytes behind aeshash (Go 1.24 to 1.26).
//
//go:linkname aeskeysched runtime.aeskeysched
var aeskeysched [128]byte

//go:linkname useAeshash runtime.useAeshash
var useAeshash bool
