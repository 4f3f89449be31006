package main

// Composite key kinds (docs/trace-and-dump.md): struct, array and interface types spelled
// as in gomap's src/maptype/spell.rs, the same list as the classic oracle's
// (../oracle/composite_kinds.txt, named_types.txt). A trace's `type K E` with such a K (E
// one of i64, i32, e0) runs a compiled map[K]E (composite_gen.go, written by
// ../oracle/gen_composite.go): the compiler generates K's hash (from Go 1.27 built from
// the type's signature) and picks the runtime entry points. With `reflect:K` (E a bN
// kind) the map is reflect.MapOf(K, [N]uint8)'s, hashed with runtime.typehash and driven
// through the generic entry points, as reflect's SetMapIndex does. Values are parsed and
// spelled by compvalue_gen.go, a copy of the classic oracle's compvalue.go; Go's runtime
// panics (hashing an interface that holds an unhashable value) print `panic MESSAGE`.

import "reflect"

// mapOps is a compiled composite map (composite_gen.go). Keys and elements travel as
// their raw bytes; the map's runtime pointers are read through reflect (smap.v).
type mapOps interface {
	mapCore
	wrap(m any) mapOps // the same kind of map around m (a clone)
}

// newSmap makes the trace's map of kinds mk with Go's make and the hint: a compiled map
// for a composite key kind, else reflect.MapOf's.
func newSmap(mk [2]kind, hint int) *smap {
	kt, et := reflectType(mk[0]), reflectType(mk[1])
	x := &smap{kt: kt, et: et, mk: mk, family: fastFamily(mk[0], mk[1], et)}
	if c := mk[0].comp; c != nil && !mk[0].reflect {
		x.ops = c.newMap(mk[1].name)
		x.ops.make(hint)
		x.v = reflect.ValueOf(x.ops.iface())
		return x
	}
	if mk[0].comp != nil {
		noGC()
	}
	x.v = reflect.MakeMapWithSize(reflect.MapOf(kt, et), hint)
	return x
}

// cloneOf is the smap around m, a clone of x's map.
func (x *smap) cloneOf(m any) *smap {
	nm := &smap{kt: x.kt, et: x.et, mk: x.mk, family: x.family}
	if x.ops != nil {
		nm.ops = x.ops.wrap(m)
	}
	nm.v = reflect.ValueOf(m)
	return nm
}
