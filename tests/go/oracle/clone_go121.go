//go:build go1.21

package main

import "unsafe"

// runtime.mapclone (go1.21 map.go), which the runtime pushes to maps.clone: what
// maps.Clone calls for a non-nil map.
//
//go:linkname mapsClone maps.clone
func mapsClone(m any) any

const haveClone = true

// cloneHmap clones the map m (held in an interface) and returns the clone's header.
func cloneHmap(m any) *hmap {
	c := mapsClone(m)
	return (*hmap)((*eface)(unsafe.Pointer(&c)).data)
}
