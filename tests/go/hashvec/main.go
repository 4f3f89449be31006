// Command hashvec prints reference vectors of Go 1.19's runtime hash functions and the
// maptype descriptors gc compiles, for gomap's tests/hash_vectors.rs.
//
// Usage:
//
//	hashvec aes       hashes with the AES-NI aeshash (fails if this CPU lacks it)
//	hashvec fallback  hashes with hash64.go's wyhash-style fallback (useAeshash = false)
//	hashvec types     the maptype of many map[K]E types
//	hashvec composite-aes, composite-fallback
//	                  struct, array and interface keys (see composite.go)
//
// The hash modes fix the runtime's aeskeysched and hashkey through //go:linkname to
// values drawn from splitmix64 (seeded with a constant) and print them first, so the
// reader can install the same key state. They then print one line per hash:
//
//	<function> <seed, hex> <key bytes, hex ("-" when empty)> <hash, hex>
//
// The hashes are computed while the fixed key state is installed and printed after the
// original state is restored: every map the runtime made before (reflect's caches, ...)
// was hashed with the original key, and must not be looked up with another.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"unsafe"
)

// aeskeysched, hashkey and useAeshash: the runtime's key state (keystate*.go).

//go:linkname memhash runtime.memhash
//go:noescape
func memhash(p unsafe.Pointer, h, s uintptr) uintptr

//go:linkname memhash8 runtime.memhash8
func memhash8(p unsafe.Pointer, h uintptr) uintptr

//go:linkname memhash16 runtime.memhash16
func memhash16(p unsafe.Pointer, h uintptr) uintptr

//go:linkname memhash32 runtime.memhash32
//go:noescape
func memhash32(p unsafe.Pointer, h uintptr) uintptr

//go:linkname memhash64 runtime.memhash64
//go:noescape
func memhash64(p unsafe.Pointer, h uintptr) uintptr

//go:linkname memhash128 runtime.memhash128
func memhash128(p unsafe.Pointer, h uintptr) uintptr

//go:linkname strhash runtime.strhash
//go:noescape
func strhash(p unsafe.Pointer, h uintptr) uintptr

//go:linkname f32hash runtime.f32hash
func f32hash(p unsafe.Pointer, h uintptr) uintptr

//go:linkname f64hash runtime.f64hash
func f64hash(p unsafe.Pointer, h uintptr) uintptr

//go:linkname c64hash runtime.c64hash
func c64hash(p unsafe.Pointer, h uintptr) uintptr

//go:linkname c128hash runtime.c128hash
func c128hash(p unsafe.Pointer, h uintptr) uintptr

// splitmix64, the fixed generator of key state and key bytes.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// seeds: small, 32-bit (what maps pass: hmap.hash0 is a uint32) and full 64-bit ones.
var seeds = []uintptr{0, 1, 0x9f3c_1e27, 0xffff_ffff, 0x9e37_79b9_7f4a_7c15, math.MaxUint64}

var out []byte

func emit(fn string, seed uintptr, key []byte, h uintptr) {
	out = append(out, fn...)
	out = append(out, ' ')
	out = strconv.AppendUint(out, uint64(seed), 16)
	out = append(out, ' ')
	if len(key) == 0 {
		out = append(out, '-')
	} else {
		for _, b := range key {
			out = append(out, "0123456789abcdef"[b>>4], "0123456789abcdef"[b&15])
		}
	}
	out = append(out, ' ')
	out = strconv.AppendUint(out, uint64(h), 16)
	out = append(out, '\n')
}

func hashes() {
	var rng splitmix = 0x676f6d6170 // "gomap"
	// Key material: 640 random bytes; keys are taken at several offsets of it.
	data := make([]byte, 640)
	for i := range data {
		data[i] = byte(rng.next())
	}
	zeros := make([]byte, 301)
	ones := make([]byte, 301)
	for i := range ones {
		ones[i] = 0xff
	}
	// memhash and strhash: every length 0..=300, four contents, every seed. Each key
	// is copied to its own exact-size allocation so that short keys sit at varied
	// addresses (Go's aes0to15 takes the page-end path for some of them).
	for n := 0; n <= 300; n++ {
		for _, src := range [][]byte{data[:n], data[13+n : 13+2*n], zeros[:n], ones[:n]} {
			key := append([]byte(nil), src...)
			var p unsafe.Pointer
			if n > 0 {
				p = unsafe.Pointer(&key[0])
			}
			s := string(key)
			for _, seed := range seeds {
				emit("memhash", seed, key, memhash(p, seed, uintptr(n)))
				emit("strhash", seed, key, strhash(unsafe.Pointer(&s), seed))
				switch n {
				case 1:
					emit("memhash8", seed, key, memhash8(p, seed))
				case 2:
					emit("memhash16", seed, key, memhash16(p, seed))
				case 4:
					emit("memhash32", seed, key, memhash32(p, seed))
				case 8:
					emit("memhash64", seed, key, memhash64(p, seed))
				case 16:
					emit("memhash128", seed, key, memhash128(p, seed))
				}
			}
		}
	}
	// memhash32 and memhash64 over more values.
	for i := 0; i < 64; i++ {
		v := rng.next()
		if i < 4 {
			v = []uint64{0, 1, 1 << 63, math.MaxUint64}[i]
		}
		var k4 [4]byte
		var k8 [8]byte
		*(*uint32)(unsafe.Pointer(&k4)) = uint32(v)
		*(*uint64)(unsafe.Pointer(&k8)) = v
		for _, seed := range seeds {
			emit("memhash32", seed, k4[:], memhash32(unsafe.Pointer(&k4), seed))
			emit("memhash64", seed, k8[:], memhash64(unsafe.Pointer(&k8), seed))
		}
	}
	// Floats: zeros of both signs, infinities, subnormals, extremes, ordinary and
	// random finite values. No NaN: Go hashes those with fastrand.
	f32s := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, float32(math.Pi),
		float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32,
		-math.SmallestNonzeroFloat32, math.Float32frombits(0x007f_ffff), math.MaxFloat32,
		-math.MaxFloat32, math.Float32frombits(0x0080_0000), 1e-40, 123456.789}
	f64s := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.Pi, math.Inf(1), math.Inf(-1),
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		math.Float64frombits(0x000f_ffff_ffff_ffff), math.MaxFloat64, -math.MaxFloat64,
		math.Float64frombits(0x0010_0000_0000_0000), 1e-310, 123456.789}
	for len(f32s) < 48 {
		if f := math.Float32frombits(uint32(rng.next())); f == f {
			f32s = append(f32s, f)
		}
	}
	for len(f64s) < 48 {
		if f := math.Float64frombits(rng.next()); f == f {
			f64s = append(f64s, f)
		}
	}
	for _, seed := range seeds {
		for _, f := range f32s {
			k := (*[4]byte)(unsafe.Pointer(&f))[:]
			emit("f32hash", seed, k, f32hash(unsafe.Pointer(&f), seed))
		}
		for _, f := range f64s {
			k := (*[8]byte)(unsafe.Pointer(&f))[:]
			emit("f64hash", seed, k, f64hash(unsafe.Pointer(&f), seed))
		}
		// complex64/complex128: the 16 special values paired with one another.
		for _, re := range f32s[:16] {
			for _, im := range f32s[:16] {
				c := complex(re, im)
				k := (*[8]byte)(unsafe.Pointer(&c))[:]
				emit("c64hash", seed, k, c64hash(unsafe.Pointer(&c), seed))
			}
		}
		for _, re := range f64s[:16] {
			for _, im := range f64s[:16] {
				c := complex(re, im)
				k := (*[16]byte)(unsafe.Pointer(&c))[:]
				emit("c128hash", seed, k, c128hash(unsafe.Pointer(&c), seed))
			}
		}
	}
}

func hashMode(aes bool, body func()) {
	if aes && !useAeshash {
		fmt.Fprintln(os.Stderr, "hashvec: this CPU lacks AES/SSSE3/SSE4.1; Go uses the fallback hash")
		os.Exit(3)
	}
	var rng splitmix = 0x6165736b6579 // "aeskey"
	var ks [128]byte
	for i := range ks {
		ks[i] = byte(rng.next())
	}
	var hk [4]uintptr
	for i := range hk {
		hk[i] = uintptr(rng.next()) | 1 // odd, as alginit makes them
	}
	out = make([]byte, 0, 8<<20)
	runtime.GC()
	savedKs, savedHk, savedUse := aeskeysched, hashkey, useAeshash
	aeskeysched, hashkey, useAeshash = ks, hk, aes
	body()
	aeskeysched, hashkey, useAeshash = savedKs, savedHk, savedUse

	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "go %s\n", runtime.Version())
	fmt.Fprintf(w, "useaeshash %v\n", aes)
	fmt.Fprintf(w, "aeskeysched %s\n", hex.EncodeToString(ks[:]))
	fmt.Fprintf(w, "hashkey %x %x %x %x\n", hk[0], hk[1], hk[2], hk[3])
	w.Write(out)
	fmt.Fprintln(w, "end")
	w.Flush()
}

// _type and maptype as in go1.19 runtime/type.go.
type _type struct {
	size       uintptr
	ptrdata    uintptr
	hash       uint32
	tflag      uint8
	align      uint8
	fieldAlign uint8
	kind       uint8
	equal      unsafe.Pointer // *funcval
	gcdata     *byte
	str        int32
	ptrToThis  int32
}

type maptype struct {
	typ        _type
	key        *_type
	elem       *_type
	bucket     *_type
	hasher     unsafe.Pointer // *funcval
	keysize    uint8
	elemsize   uint8
	bucketsize uint16
	flags      uint32
}

// funcName names the function of a func value: its code pointer's symbol, with the
// size that memhash_varlen and memequal_varlen closures carry in their second word.
func funcName(fv unsafe.Pointer) string {
	if fv == nil {
		return "nil"
	}
	pc := *(*uintptr)(fv)
	name := runtime.FuncForPC(pc).Name()
	if name == "runtime.memhash_varlen" || name == "runtime.memequal_varlen" {
		name += "/" + strconv.FormatUint(uint64(*(*uintptr)(unsafe.Add(fv, 8))), 10)
	}
	return name
}

var typesOut *bufio.Writer

// show prints the maptype gc compiled for map[K]E (generic instantiations share the
// runtime type descriptor of the plain type):
//
//	maptype <name> <keysize> <elemsize> <bucketsize> <flags> <hasher> <key.size>
//	        <key.align> <key.ptrdata> <key.kind> <key.equal> <elem.size> <elem.align>
//	        <elem.ptrdata> <bucket.size> <bucket.ptrdata>
func show[K comparable, E any](name string) {
	var m map[K]E
	var i any = m
	mt := (*maptype)((*[2]unsafe.Pointer)(unsafe.Pointer(&i))[0])
	fmt.Fprintf(typesOut, "maptype %s %d %d %d %d %s %d %d %d %d %s %d %d %d %d %d\n",
		name, mt.keysize, mt.elemsize, mt.bucketsize, mt.flags, funcName(mt.hasher),
		mt.key.size, mt.key.align, mt.key.ptrdata, mt.key.kind&31, funcName(mt.key.equal),
		mt.elem.size, mt.elem.align, mt.elem.ptrdata, mt.bucket.size, mt.bucket.ptrdata)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hashvec aes|fallback|types|composite-aes|composite-fallback")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "aes":
		hashMode(true, hashes)
	case "fallback":
		hashMode(false, hashes)
	case "composite-aes":
		hashMode(true, compositeHashes)
	case "composite-fallback":
		hashMode(false, compositeHashes)
	case "types":
		typesOut = bufio.NewWriter(os.Stdout)
		fmt.Fprintf(typesOut, "go %s\n", runtime.Version())
		for _, f := range mapTypes {
			f()
		}
		fmt.Fprintln(typesOut, "end")
		typesOut.Flush()
	default:
		fmt.Fprintln(os.Stderr, "usage: hashvec aes|fallback|types|composite-aes|composite-fallback")
		os.Exit(2)
	}
}
