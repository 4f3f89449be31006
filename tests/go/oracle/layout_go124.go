//go:build go1.24 && !goexperiment.swissmap

package main

import "unsafe"

// Mirror of runtime.hmap (go1.24 map_noswiss.go): clearSeq before extra.
type hmap struct {
	count     int
	flags     uint8
	B         uint8
	noverflow uint16
	hash0     uint32

	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	clearSeq   uint64

	extra *mapextra
}

// Mirror of runtime.hiter (go1.24 map_noswiss.go): 8 + 12 words.
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
	clearSeq    uint64
}

const (
	hmapSize    = 56
	hiterSize   = 8 + 12*ptrSize
	hasClearSeq = true
)

func clearSeqOf(h *hmap) uint64          { return h.clearSeq }
func setIterClearSeq(it *hiter, h *hmap) { it.clearSeq = h.clearSeq }
