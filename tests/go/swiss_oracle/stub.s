// Empty on purpose: its presence lets runtime.go declare bodyless functions
// (mapiternext, mapclear, roundupsize) whose bodies come from the runtime
// through //go:linkname.
