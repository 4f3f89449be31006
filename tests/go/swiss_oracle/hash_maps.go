//go:build go1.27

package main

import _ "unsafe"

// From Go 1.27 the AES hash lives in internal/runtime/maps with its own key schedule.
//
//go:linkname aeskeysched internal/runtime/maps.aeskeysched
var aeskeysched [128]byte

//go:linkname useAeshash internal/runtime/maps.UseAeshash
var useAeshash bool
