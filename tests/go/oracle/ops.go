package main

import (
	"encoding/binary"
	"math"
	"reflect"
	"unsafe"
)

// mapOps is one map of the trace. Keys and elements travel as their raw bytes
// (little-endian for numbers, the contents for strings, nothing for struct{}).
type mapOps interface {
	mapCore
	hmap() *hmap
	maptype() *maptype
}

func to_f64(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }
func to_str(b []byte) string  { return string(b) }

// reflectMap is a map built with reflect, for the combinations with a [N]uint8 kind.
// reflect.Value.SetMapIndex/MapIndex (go1.19 reflect/value.go) call
// mapassign_faststr/mapdelete_faststr/mapaccess_faststr for string keys when the
// element is at most 128 bytes, and mapassign/mapdelete/mapaccess otherwise: the same
// entry points the compiler would pick (walk.mapfast), except that a compiled
// map[[4]uint8]E / map[[8]uint8]E would use the fast32/fast64 variants; those leave
// the same bytes (see oracle_test.go, which checks it).
type reflectMap struct {
	kt, et reflect.Type
	m      reflect.Value
}

func (x *reflectMap) make(hint int) {
	x.m = reflect.MakeMapWithSize(reflect.MapOf(x.kt, x.et), hint)
}

// value makes a reflect.Value of type t holding the raw bytes b.
func (x *reflectMap) value(t reflect.Type, b []byte) reflect.Value {
	if t.Kind() == reflect.String {
		return reflect.ValueOf(string(b))
	}
	p := reflect.New(t)
	copy(unsafe.Slice((*byte)(p.UnsafePointer()), t.Size()), b)
	return p.Elem()
}

func (x *reflectMap) put(k, e []byte) {
	x.m.SetMapIndex(x.value(x.kt, k), x.value(x.et, e))
}

func (x *reflectMap) del(k []byte) {
	x.m.SetMapIndex(x.value(x.kt, k), reflect.Value{})
}

func (x *reflectMap) get(k []byte) ([]byte, bool) {
	v := x.m.MapIndex(x.value(x.kt, k))
	if !v.IsValid() {
		return nil, false
	}
	p := reflect.New(x.et)
	p.Elem().Set(v)
	return append([]byte(nil), unsafe.Slice((*byte)(p.UnsafePointer()), x.et.Size())...), true
}

func (x *reflectMap) length() int       { return x.m.Len() }
func (x *reflectMap) hmap() *hmap       { return (*hmap)(x.m.UnsafePointer()) }
func (x *reflectMap) maptype() *maptype { return maptypeOf(x.m.Interface()) }
func (x *reflectMap) iface() any        { return x.m.Interface() }
