//go:build !go1.27

package main

// Mirror of abi.SwissMapType (Go 1.24, 1.25) / abi.MapType (Go 1.26).
type mapType struct {
	typ       abiType
	key       *abiType
	elem      *abiType
	group     *abiType
	hasher    func(uintptr, uintptr) uintptr
	groupSize uintptr
	slotSize  uintptr
	elemOff   uintptr
	flags     uint32
}

func (t *mapType) keysOff() uintptr    { return 8 }
func (t *mapType) keyStride() uintptr  { return t.slotSize }
func (t *mapType) elemsOff() uintptr   { return 8 + t.elemOff }
func (t *mapType) elemStride() uintptr { return t.slotSize }
