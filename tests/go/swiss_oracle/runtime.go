package main

// Mirrors of the Swiss map structures of internal/runtime/maps (Go 1.24 to 1.27) and the
// runtime symbols the oracle reaches through //go:linkname. Build with
// -ldflags=-checklinkname=0. The release-dependent parts are in v124.go, v125.go,
// hash_runtime.go and hash_maps.go (build tags go1.25, go1.27).

import (
	"unsafe"
)

// Mirror of abi.Type (48 bytes on 64-bit platforms).
type abiType struct {
	size       uintptr
	ptrBytes   uintptr
	hash       uint32
	tflag      uint8
	align      uint8
	fieldAlign uint8
	kind       uint8
	equal      func(unsafe.Pointer, unsafe.Pointer) bool
	gcdata     *byte
	str        int32
	ptrToThis  int32
}

// Flags of abi.MapType.
const (
	mapNeedKeyUpdate  = 1
	mapHashMightPanic = 2
	mapIndirectKey    = 4
	mapIndirectElem   = 8
)

// Mirror of maps.Map.
type swissMap struct {
	used              uint64
	seed              uintptr
	dirPtr            unsafe.Pointer
	dirLen            int
	globalDepth       uint8
	globalShift       uint8
	writing           uint8
	tombstonePossible bool // padding in Go 1.24
	clearSeq          uint64
}

// Mirror of maps.groupsReference.
type groupsReference struct {
	data       unsafe.Pointer
	lengthMask uint64
}

// Mirror of maps.table.
type table struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
	groups     groupsReference
}

// Mirror of maps.Iter.
type swissIter struct {
	key         unsafe.Pointer
	elem        unsafe.Pointer
	typ         *mapType
	m           *swissMap
	entryOffset uint64
	dirOffset   uint64
	clearSeq    uint64
	globalDepth uint8
	dirIdx      int
	tab         *table
	group       unsafe.Pointer
	entryIdx    uint64
}

// internal/runtime/maps.(*Iter).Next.
//
//go:linkname iterNext internal/runtime/maps.(*Iter).Next
func iterNext(it *swissIter)

// internal/runtime/maps.(*Map).Put (used by Go 1.24's mapclone2).
//
//go:linkname mapPut internal/runtime/maps.(*Map).Put
func mapPut(m *swissMap, t *mapType, key, elem unsafe.Pointer)

//go:linkname mapclear runtime.mapclear
func mapclear(t *mapType, m *swissMap)

//go:linkname mapclone maps.clone
func mapclone(m any) any

//go:linkname mapaccess2 runtime.mapaccess2
func mapaccess2(t *mapType, m *swissMap, key unsafe.Pointer) (unsafe.Pointer, bool)

//go:linkname mapassign runtime.mapassign
func mapassign(t *mapType, m *swissMap, key unsafe.Pointer) unsafe.Pointer

//go:linkname mapassign_fast32 runtime.mapassign_fast32
func mapassign_fast32(t *mapType, m *swissMap, key uint32) unsafe.Pointer

//go:linkname mapassign_fast64 runtime.mapassign_fast64
func mapassign_fast64(t *mapType, m *swissMap, key uint64) unsafe.Pointer

//go:linkname mapassign_faststr runtime.mapassign_faststr
func mapassign_faststr(t *mapType, m *swissMap, key string) unsafe.Pointer

//go:linkname mapdelete runtime.mapdelete
func mapdelete(t *mapType, m *swissMap, key unsafe.Pointer)

//go:linkname mapdelete_fast32 runtime.mapdelete_fast32
func mapdelete_fast32(t *mapType, m *swissMap, key uint32)

//go:linkname mapdelete_fast64 runtime.mapdelete_fast64
func mapdelete_fast64(t *mapType, m *swissMap, key uint64)

//go:linkname mapdelete_faststr runtime.mapdelete_faststr
func mapdelete_faststr(t *mapType, m *swissMap, key string)

// Mirror of runtime.eface.
type eface struct {
	typ  *mapType
	data unsafe.Pointer
}

// iterInitR is maps.(*Iter).Init with its two rand() draws given: the entry offset,
// then the directory offset, in Go's order.
func iterInitR(it *swissIter, t *mapType, m *swissMap, r1, r2 uint64) {
	*it = swissIter{}
	it.typ = t
	if m == nil || m.used == 0 {
		return
	}
	dirIdx := 0
	var groupSmall unsafe.Pointer
	if m.dirLen <= 0 {
		dirIdx = -1
		groupSmall = m.dirPtr
	}
	it.m = m
	it.entryOffset = r1
	it.dirOffset = r2
	it.globalDepth = m.globalDepth
	it.dirIdx = dirIdx
	it.group = groupSmall
	it.clearSeq = m.clearSeq
}
