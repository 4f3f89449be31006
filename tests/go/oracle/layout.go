package main

import "unsafe"

// The fields of runtime.hmap up to nevacuate and of runtime.hiter, the same from go1.19
// to go1.24 (go1.24 adds clearSeq after each: layout_go124.go; layout_classic.go for the
// earlier releases). Embedded first, they keep Go's offsets.

// hmapHead mirrors runtime.hmap from count to nevacuate (map.go).
type hmapHead struct {
	count     int
	flags     uint8
	B         uint8
	noverflow uint16
	hash0     uint32

	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
}

// hiterHead mirrors runtime.hiter up to checkBucket (map.go): 12 words.
type hiterHead struct {
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
