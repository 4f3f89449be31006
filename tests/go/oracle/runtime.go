package main

// Mirrors of the runtime map structures and the runtime symbols the oracle reaches
// through //go:linkname. The layouts are copied field for field from runtime/map.go and
// type.go (go1.19; unchanged through go1.24 noswissmap, whose maptype is
// abi.OldMapType), except hmap and hiter, which gain clearSeq in go1.24: they are in
// layout_classic.go (go1.19-1.23) and layout_go124.go. main() checks the sizes.

import (
	"unsafe"
)

// runtime.aeskeysched (alg.go): the 128 random bytes behind aeshash. Written by the
// `aeskey` directive before any map of the trace is made.
//
//go:linkname aeskeysched runtime.aeskeysched
var aeskeysched [128]byte

// runtime.useAeshash (alg.go): true when the CPU has AES-NI; otherwise Go hashes with
// memhashFallback and ignores aeskeysched.
//
//go:linkname useAeshash runtime.useAeshash
var useAeshash bool

// runtime.mapiternext (map.go).
//
//go:linkname mapiternext runtime.mapiternext
func mapiternext(it *hiter)

// runtime.mapclear (map.go): what `for k := range m { delete(m, k) }` compiles to.
//
//go:linkname mapclear runtime.mapclear
func mapclear(t *maptype, h *hmap)

// runtime.mapiterinit (map.go), used in the seeded-random mode (`rand`), where Go
// draws the iterator's start itself.
//
//go:linkname mapiterinit runtime.mapiterinit
func mapiterinit(t *maptype, h *hmap, it *hiter)

// Constants of runtime/map.go.
const (
	bucketCnt    = 8
	dataOffset   = 8 // unsafe.Offsetof(struct{ b bmap; v int64 }{}.v) on amd64
	iterator     = 1
	oldIterator  = 2
	hashWriting  = 4
	sameSizeGrow = 8

	evacuatedX     = 2
	evacuatedY     = 3
	evacuatedEmpty = 4

	ptrSize = 8 // amd64/arm64; main() checks unsafe.Sizeof(uintptr(0))
)

// Mirror of runtime._type (type.go).
type _type struct {
	size       uintptr
	ptrdata    uintptr
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

// Mirror of runtime.maptype (type.go).
type maptype struct {
	typ        _type
	key        *_type
	elem       *_type
	bucket     *_type
	hasher     func(unsafe.Pointer, uintptr) uintptr
	keysize    uint8
	elemsize   uint8
	bucketsize uint16
	flags      uint32
}

func (t *maptype) indirectkey() bool  { return t.flags&1 != 0 }
func (t *maptype) indirectelem() bool { return t.flags&2 != 0 }

// Mirror of runtime.mapextra (map.go).
type mapextra struct {
	overflow     *[]unsafe.Pointer
	oldoverflow  *[]unsafe.Pointer
	nextOverflow unsafe.Pointer
}

// Mirror of runtime.eface (runtime2.go).
type eface struct {
	_type *maptype
	data  unsafe.Pointer
}

// maptypeOf returns the *maptype in the type word of a map held in an interface.
func maptypeOf(m any) *maptype {
	return (*eface)(unsafe.Pointer(&m))._type
}

func bucketShift(b uint8) uintptr { return uintptr(1) << (b & (ptrSize*8 - 1)) }
func bucketMask(b uint8) uintptr  { return bucketShift(b) - 1 }

// createOverflow is runtime.(*hmap).createOverflow (map.go).
func (h *hmap) createOverflow() {
	if h.extra == nil {
		h.extra = new(mapextra)
	}
	if h.extra.overflow == nil {
		h.extra.overflow = new([]unsafe.Pointer)
	}
}

// mapiterinitR is runtime.mapiterinit (go1.19 map.go) with fastrand's result given
// as r. The race-detector hook is left out (the oracle is not built with -race).
func mapiterinitR(t *maptype, h *hmap, it *hiter, r uint64) {
	it.t = t
	if h == nil || h.count == 0 {
		return
	}
	if unsafe.Sizeof(hiter{}) != hiterSize {
		panic("hash_iter size incorrect")
	}
	it.h = h
	setIterClearSeq(it, h) // go1.24

	// grab snapshot of bucket state
	it.B = h.B
	it.buckets = h.buckets
	if t.bucket.ptrdata == 0 {
		// Allocate the current slice and remember pointers to both current and old.
		h.createOverflow()
		it.overflow = h.extra.overflow
		it.oldoverflow = h.extra.oldoverflow
	}

	// decide where to start (Go takes r from fastrand64 when B > 28, fastrand otherwise;
	// the trace gives r directly)
	rr := uintptr(r)
	it.startBucket = rr & bucketMask(h.B)
	it.offset = uint8(rr >> h.B & (bucketCnt - 1))

	// iterator state
	it.bucket = it.startBucket

	// Remember we have an iterator. (Go uses atomic.Or8; the oracle is single-threaded.)
	if old := h.flags; old&(iterator|oldIterator) != iterator|oldIterator {
		h.flags |= iterator | oldIterator
	}

	mapiternext(it)
}
