// Empty on purpose: an assembly file in the package lets main.go declare body-less
// functions (the //go:linkname'd runtime hashes); without it the compiler rejects them.
