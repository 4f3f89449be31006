package main

// Composite key kinds: struct, array and interface types spelled as in gomap's
// src/maptype/spell.rs (`struct{i8,i64}`, `[4]str`, `any`, `iface`). A value in an
// `iface` (interface { M() }) has one of the defined types of named_types.txt
// (`main.MI64:5`), which have the method M. A trace's `type K E` with
// such a K (E one of i64, i32, e0) runs a compiled map[K]E; with `reflect:K` (E a bN
// kind, never compiled with K) a map made by reflect.MapOf(K, [N]uint8), which hashes
// with runtime.typehash. Values are
// written into memory from their spelling; the dump spells slots structurally
// (appendComp, in compvalue.go with the parsing). Go's runtime panics on such keys (an
// interface holding an unhashable value) print `panic <message>`.
//
// Values live in untyped buffers ([]uint64) that may hold the only pointers to strings
// and interface data, so the oracle runs with the collector off once a composite map is
// made (traces are short).

import (
	"reflect"
	"unsafe"
)

// keyComp is the composite key type of the map being dumped, or nil.
var keyComp reflect.Type

// appendCompSlot is appendSlot for a composite key slot.
func appendCompSlot(dst []byte, p unsafe.Pointer, indirect bool, t reflect.Type, evacuated bool) []byte {
	if indirect {
		target := *(*unsafe.Pointer)(p)
		switch {
		case target == nil:
			return append(dst, "*nil"...)
		case evacuated:
			return append(dst, "*moved"...)
		}
		return appendComp(append(dst, '*'), t, target)
	}
	return appendComp(dst, t, p)
}
