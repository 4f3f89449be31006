//go:build go1.24 && !goexperiment.swissmap

package main

// Mirror of runtime.hmap (go1.24 map_noswiss.go): clearSeq before extra.
type hmap struct {
	hmapHead
	clearSeq uint64
	extra    *mapextra
}

// Mirror of runtime.hiter (go1.24 map_noswiss.go): 8 + 12 words.
type hiter struct {
	hiterHead
	clearSeq uint64
}

const (
	hmapSize    = 56
	hiterSize   = 8 + 12*ptrSize
	hasClearSeq = true
)

func clearSeqOf(h *hmap) uint64          { return h.clearSeq }
func setIterClearSeq(it *hiter, h *hmap) { it.clearSeq = h.clearSeq }
