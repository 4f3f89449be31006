//go:build go1.27

package main

// Mirror of abi.MapType (Go 1.27), for either group layout (split_on.go, split_off.go).
type mapType struct {
	typ         abiType
	key         *abiType
	elem        *abiType
	group       *abiType
	hasher      func(uintptr, uintptr) uintptr
	groupSize   uintptr
	keysOff_    uintptr
	keyStride_  uintptr
	elemsOff_   uintptr
	elemStride_ uintptr
	elemOff     uintptr
	flags       uint32
}

func (t *mapType) keysOff() uintptr    { return t.keysOff_ }
func (t *mapType) keyStride() uintptr  { return t.keyStride_ }
func (t *mapType) elemsOff() uintptr   { return t.elemsOff_ }
func (t *mapType) elemStride() uintptr { return t.elemStride_ }
