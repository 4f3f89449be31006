//go:build !go1.24

package main

// Mirror of runtime.hmap (go1.19-go1.23 map.go).
type hmap struct {
	hmapHead
	extra *mapextra
}

// Mirror of runtime.hiter (go1.19-go1.23 map.go); 12 words, as mapiterinit checks.
type hiter struct {
	hiterHead
}

const (
	hmapSize  = 48
	hiterSize = 12 * ptrSize
	// hasClearSeq: whether hmap and hiter have clearSeq (go1.24).
	hasClearSeq = false
)

func clearSeqOf(h *hmap) uint64          { return 0 }
func setIterClearSeq(it *hiter, h *hmap) {}
