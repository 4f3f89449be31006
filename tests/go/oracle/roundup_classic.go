//go:build !go1.22

package main

import _ "unsafe" // for go:linkname

// runtime.roundupsize (go1.19 msize.go): the malloc size class of a request.
//
//go:linkname roundupsize runtime.roundupsize
func roundupsize(size uintptr) uintptr

// allocRound is what makeBucketArray rounds a bucket array of sz bytes up to.
func allocRound(sz uintptr, noscan bool) uintptr { return roundupsize(sz) }
