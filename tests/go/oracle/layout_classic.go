//go:build !go1.24

package main

import "unsafe"

// Mirror of runtime.hmap (go1.19-go1.23 map.go).
type hmap struct {
	count     int
	flags     uint8
	B         uint8
	noverflow uint16
	hash0     uint32

	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr

	extra *mapextra
}

// Mirror of runtime.hiter (go1.19-go1.23 map.go); 12 words, as mapiterinit checks.
type hiter struct {
	key         unsafe.Pointer
	elem        unsafe.Pointer
	t           *maptype
	h           *hmap
	buckets     unsafe.Pointer
	bptr        unsafe.Pointer
	overflow    *[]unsafe.Pointer
	oldoverflow *[]unsafe.Pointer
	startBucket uintptr
	offset      uint8
	wrapped     bool
	B           uint8
	i           uint8
	bucket      uintptr
	checkBucket uintptr
}

const (
	hmapSize  = 48
	hiterSize = 12 * ptrSize
	// hasClearSeq: whether hmap and hiter have clearSeq (go1.24).
	hasClearSeq = false
)

func clearSeqOf(h *hmap) uint64          { return 0 }
func setIterClearSeq(it *hiter, h *hmap) {}
