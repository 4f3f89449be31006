//go:build go1.22

package main

import _ "unsafe" // for go:linkname

// runtime.roundupsize (go1.22 msize_allocheaders.go, go1.23 msize.go): the malloc size
// class of a request, less the allocation header an object with pointers may carry.
//
//go:linkname roundupsize runtime.roundupsize
func roundupsize(size uintptr, noscan bool) uintptr

// allocRound is what makeBucketArray rounds a bucket array of sz bytes up to.
func allocRound(sz uintptr, noscan bool) uintptr { return roundupsize(sz, noscan) }
