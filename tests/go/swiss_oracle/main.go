// Command gomap-swiss-oracle runs a gomap trace with a `go 1.2x` directive (see
// docs/swiss-dump.md) on the Swiss map of the Go toolchain it is built with (1.24 to
// 1.27) and prints the canonical Swiss dump.
//
// Usage: gomap-swiss-oracle [TRACE|-]   (stdin when the argument is absent or "-")
//
// Everything comes from Go's runtime: the hashes (aeshash keyed by the trace's aeskey,
// written into the runtime's key schedule), the entry points the compiler would pick for
// the map type (mapassign_fast32/fast64/faststr or mapassign, mapdelete_*, reached
// through //go:linkname with the map type reflect builds), mapclear, mapclone,
// Iter.Next, and the bytes of the map, its directory, tables and groups, read back
// through mirrors of the runtime's structures. The trace fixes what Go takes from
// rand(): the map seed and the iterator's two offsets; or, in the seeded-random mode
// (`rand`, see rand.go), seeds the generator Go draws them from (and NaN hashes).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"unsafe"
)

const ptrSize = 8

type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// kind is a trace kind: "i32", "i64", "f64", "str", "e0", "bN" (size n), or a
// composite key kind (composite.go).
type kind struct {
	name    string
	n       int
	comp    *compType // a composite key kind, or nil
	reflect bool      // reflect:K: a reflect.MapOf map of the composite kind
}

func (k kind) isStr() bool { return k.name == "str" }

func parseKind(s string, key bool) (kind, bool) {
	switch s {
	case "i32", "i64":
		return kind{name: s}, true
	case "f64", "str":
		return kind{name: s}, key
	case "e0":
		return kind{name: s}, !key
	}
	if key {
		r := strings.HasPrefix(s, "reflect:")
		if c := compOf(strings.TrimPrefix(s, "reflect:")); c != nil && c.newMap != nil {
			return kind{name: s, comp: c, reflect: r}, true
		}
	}
	if len(s) >= 2 && s[0] == 'b' {
		n, err := strconv.Atoi(s[1:])
		if err == nil && n >= 1 && n <= 1024 && strconv.Itoa(n) == s[1:] {
			return kind{name: s, n: n}, true
		}
	}
	return kind{}, false
}

func reflectType(k kind) reflect.Type {
	if k.comp != nil {
		return k.comp.t
	}
	switch k.name {
	case "i32":
		return reflect.TypeOf(int32(0))
	case "i64":
		return reflect.TypeOf(int64(0))
	case "f64":
		return reflect.TypeOf(float64(0))
	case "str":
		return reflect.TypeOf("")
	case "e0":
		return reflect.TypeOf(struct{}{})
	}
	return reflect.ArrayOf(k.n, reflect.TypeOf(uint8(0)))
}

// parseValue converts a value spelled as in a trace into its raw bytes.
func parseValue(k kind, s string) ([]byte, string) {
	if k.comp != nil {
		return parseComp(k.comp.t, s)
	}
	switch k.name {
	case "i32":
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, "a decimal int32"
		}
		return binary.LittleEndian.AppendUint32(nil, uint32(v)), ""
	case "i64":
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, "a decimal int64"
		}
		return binary.LittleEndian.AppendUint64(nil, uint64(v)), ""
	case "f64":
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, "a float64 in strconv.ParseFloat spelling (NaN as NaN, only with rand)"
		}
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)), ""
	case "str":
		if s == "-" {
			return []byte{}, ""
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, "a string as hex digits, or - for the empty string"
		}
		return b, ""
	case "e0":
		if s != "-" {
			return nil, "- (the struct{} value)"
		}
		return nil, ""
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != k.n {
		return nil, fmt.Sprintf("%d hex digits (a %s value)", 2*k.n, k.name)
	}
	return b, ""
}

// fastFamily is walk.mapfast for the trace kinds on amd64: 4- and 8-byte plain memory
// keys ([4]uint8 and [8]uint8 too: amd64 has no alignment requirement) take the fast32
// and fast64 paths, strings faststr, unless the elem is over 128 bytes.
func fastFamily(k, e kind, et reflect.Type) string {
	if et.Size() > 128 || k.comp != nil {
		return "slow"
	}
	switch {
	case k.name == "i32" || k.n == 4:
		return "fast32"
	case k.name == "i64" || k.n == 8:
		return "fast64"
	case k.name == "str":
		return "faststr"
	}
	return "slow"
}

// smap is the trace's map: a reflect-made map[K]E, or a compiled one (ops) for a
// composite key kind, and its runtime pointers.
type smap struct {
	kt, et reflect.Type
	mk     [2]kind
	v      reflect.Value
	family string
	ops    mapOps // the compiled map, or nil
}

func (x *smap) m() *swissMap { return (*swissMap)(x.v.UnsafePointer()) }
func (x *smap) t() *mapType  { i := x.v.Interface(); return (*eface)(unsafe.Pointer(&i)).typ }
func (x *smap) length() int  { return x.v.Len() }
func (x *smap) keyArg(k []byte) (unsafe.Pointer, func()) {
	if x.mk[0].isStr() {
		s := string(k)
		return unsafe.Pointer(&s), func() { runtimeKeepAlive(&s) }
	}
	p := reflect.New(x.kt)
	copy(unsafe.Slice((*byte)(p.UnsafePointer()), x.kt.Size()), k)
	return p.UnsafePointer(), func() { runtimeKeepAlive(p) }
}

func runtimeKeepAlive(x any) { runtime.KeepAlive(x) }

func (x *smap) put(k, e []byte) {
	if x.ops != nil {
		x.ops.put(k, e)
		return
	}
	var slot unsafe.Pointer
	switch x.family {
	case "fast32":
		slot = mapassign_fast32(x.t(), x.m(), binary.LittleEndian.Uint32(k))
	case "fast64":
		slot = mapassign_fast64(x.t(), x.m(), binary.LittleEndian.Uint64(k))
	case "faststr":
		slot = mapassign_faststr(x.t(), x.m(), string(k))
	default:
		p, keep := x.keyArg(k)
		slot = mapassign(x.t(), x.m(), p)
		keep()
	}
	copy(unsafe.Slice((*byte)(slot), x.et.Size()), e)
}

func (x *smap) del(k []byte) {
	if x.ops != nil {
		x.ops.del(k)
		return
	}
	switch x.family {
	case "fast32":
		mapdelete_fast32(x.t(), x.m(), binary.LittleEndian.Uint32(k))
	case "fast64":
		mapdelete_fast64(x.t(), x.m(), binary.LittleEndian.Uint64(k))
	case "faststr":
		mapdelete_faststr(x.t(), x.m(), string(k))
	default:
		p, keep := x.keyArg(k)
		mapdelete(x.t(), x.m(), p)
		keep()
	}
}

func (x *smap) get(k []byte) (unsafe.Pointer, bool) {
	if x.ops != nil {
		e, ok := x.ops.get(k)
		if len(e) == 0 {
			return nil, ok
		}
		return unsafe.Pointer(&e[0]), ok
	}
	p, keep := x.keyArg(k)
	defer keep()
	return mapaccess2(x.t(), x.m(), p)
}

// iterState is one `iter ID R1 R2` iterator. `iter` runs Init and the first Next (as
// a range loop's mapIterStart does); `next` yields the current entry and calls Next
// before each later one, so the trace lines between two `next`s sit where a range
// loop's body runs.
type iterState struct {
	it      *swissIter
	keyStr  bool
	comp    reflect.Type // composite key type, or nil
	fetched bool
	done    bool
	owner   *smap // keeps the iterated map alive after a clone replaces it
}

type namedIter struct {
	id string
	st *iterState
}

// iter is the live iterator named id, or nil.
func (o *oracle) iter(id string) *iterState {
	for _, x := range o.iters {
		if x.id == id {
			return x.st
		}
	}
	return nil
}

// setIter names st id, replacing an iterator of that name.
func (o *oracle) setIter(id string, st *iterState) {
	for i := range o.iters {
		if o.iters[i].id == id {
			o.iters[i].st = st
			return
		}
	}
	o.iters = append(o.iters, namedIter{id, st})
}

type oracle struct {
	out      *bufio.Writer
	started  bool
	release  string
	keyed    bool
	typ      *[2]kind
	m        *smap
	needSeed int
	// iters are the live iterators. A slice, not a map: in the seeded-random mode the
	// oracle may make no map of its own after seeding (making one draws a seed).
	iters  []namedIter
	random bool // seeded-random mode (`rand`)
}

func main() {
	// Keep the runtime's own draws off the generator the traces seed: one OS thread for
	// this goroutine, no GC, no heap profiling samples.
	runtime.LockOSThread()
	debug.SetGCPercent(-1)
	runtime.MemProfileRate = 0
	if !useAeshash {
		fmt.Fprintln(os.Stderr, "gomap-swiss-oracle: the runtime does not use aeshash (no AES-NI?): Go would ignore the aeskey")
		os.Exit(2)
	}
	if unsafe.Sizeof(abiType{}) != 48 || unsafe.Sizeof(swissMap{}) != 48 || unsafe.Sizeof(table{}) != 32 || unsafe.Sizeof(swissIter{}) != 96 {
		fmt.Fprintln(os.Stderr, "gomap-swiss-oracle: runtime struct mirrors have the wrong size")
		os.Exit(2)
	}
	var in io.Reader = os.Stdin
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: gomap-swiss-oracle [TRACE|-]")
		os.Exit(2)
	}
	if len(os.Args) == 2 && os.Args[1] != "-" {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "gomap-swiss-oracle:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	o := &oracle{out: bufio.NewWriterSize(os.Stdout, 1<<16)}
	err := o.run(in)
	o.out.Flush()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// goRelease is the toolchain's release, "1.24" ... "1.27", or "1.27-mapsplitgroup" when
// built with GOEXPERIMENT=mapsplitgroup (runtime.Version then ends in " X:...").
func goRelease() string {
	v := strings.TrimPrefix(runtime.Version(), "go")
	v, _, _ = strings.Cut(v, " ")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	if splitGroup {
		return parts[0] + "." + parts[1] + "-mapsplitgroup"
	}
	return parts[0] + "." + parts[1]
}

func (o *oracle) run(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := o.directive(line, strings.Split(text, " ")); err != "" {
			return &parseError{line, err}
		}
	}
	if err := sc.Err(); err != nil {
		return &parseError{line + 1, "a line of at most 16 MiB (" + err.Error() + ")"}
	}
	if !o.started {
		return &parseError{line, `"gomap-trace 1" as the first directive`}
	}
	return nil
}

func parseSeed(s string) (uintptr, string) {
	if len(s) != 16 {
		return 0, "SEED as 16 hex digits"
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, "SEED as 16 hex digits"
	}
	return uintptr(v), ""
}

// parseKey is parseValue for a key: NaN only in the seeded-random mode (Go hashes NaN
// with rand(), which only that mode makes reproducible).
func (o *oracle) parseKey(s string) ([]byte, string) {
	k, e := parseValue(o.m.mk[0], s)
	if e == "" && o.m.mk[0].name == "f64" && math.IsNaN(math.Float64frombits(binary.LittleEndian.Uint64(k))) && !o.random {
		return nil, "a float64 other than NaN (NaN keys need rand)"
	}
	return k, e
}

func (o *oracle) directive(line int, f []string) string {
	for _, x := range f {
		if x == "" {
			return "fields separated by single spaces"
		}
	}
	argc := func(n int, usage string) string {
		if len(f) != n {
			return "`" + usage + "`"
		}
		return ""
	}
	if !o.started {
		if len(f) != 2 || f[0] != "gomap-trace" || f[1] != "1" {
			return `"gomap-trace 1" as the first directive`
		}
		o.started = true
		return ""
	}
	if o.release == "" {
		if len(f) != 2 || f[0] != "go" {
			return "`go RELEASE` right after gomap-trace (this oracle runs Swiss maps)"
		}
		if f[1] != goRelease() {
			return fmt.Sprintf("go %s: this oracle is built with go%s", f[1], goRelease())
		}
		o.release = f[1]
		return ""
	}
	switch f[0] {
	case "gomap-trace", "go":
		return "one " + f[0] + " directive, at the start"
	case "aeskey":
		if e := argc(2, "aeskey HEX"); e != "" {
			return e
		}
		if o.m != nil {
			return "aeskey before the first make"
		}
		b, err := hex.DecodeString(f[1])
		if err != nil || len(b) != len(aeskeysched) {
			return "aeskey with 256 hex digits"
		}
		copy(aeskeysched[:], b)
		o.keyed = true
		return ""
	case "rand":
		if len(f) < 2 || len(f) > 5 {
			return "`rand S0 [S1 S2 S3]`"
		}
		if o.typ == nil {
			return "type before rand"
		}
		var seed [4]uint64
		if b, err := hex.DecodeString(f[1]); len(f) == 2 && len(f[1]) == 64 && err == nil {
			for i := range seed {
				seed[i] = binary.LittleEndian.Uint64(b[8*i:])
			}
		} else {
			for i, s := range f[1:] {
				v, err := strconv.ParseUint(s, 16, 64)
				if err != nil || len(s) > 16 || s[0] == '+' {
					return "seed words of 1 to 16 hex digits (or one of 64)"
				}
				seed[i] = v
			}
		}
		o.warmUp()
		o.random = true
		compositeNaN = true
		seedState(seed)
		return ""
	case "type":
		if e := argc(3, "type K E"); e != "" {
			return e
		}
		if o.random {
			return "type before rand"
		}
		k, ok := parseKind(f[1], true)
		if !ok {
			return "a key kind: i32, i64, f64, str, bN (N from 1 to 1024) or a composite kind"
		}
		e, ok := parseKind(f[2], false)
		if !ok {
			return "an elem kind: i32, i64, e0 or bN (N from 1 to 1024)"
		}
		if k.comp != nil && !k.reflect && k.comp.newMap(e.name) == nil {
			return "elem kind i64, i32 or e0 for a composite key kind"
		}
		if k.reflect && e.n == 0 {
			return "elem kind bN for a reflect: key kind"
		}
		o.typ = &[2]kind{k, e}
		return ""
	case "make":
		if len(f) != 3 && !(o.random && len(f) == 2) {
			return "`make HINT SEED` (or `make HINT` after rand)"
		}
		if !o.keyed {
			return "aeskey before make"
		}
		if o.typ == nil {
			return "type before make"
		}
		hint, err := strconv.ParseInt(f[1], 10, 0)
		if err != nil || hint < 0 {
			return "a decimal HINT (a non-negative int)"
		}
		var seed uintptr
		if len(f) == 3 {
			var e string
			if seed, e = parseSeed(f[2]); e != "" {
				return e
			}
		}
		o.m = newSmap(*o.typ, int(hint))
		if len(f) == 3 {
			o.m.m().seed = seed
		}
		o.needSeed = 0
		o.iters = o.iters[:0]
		t := o.m.t()
		if splitGroup {
			fmt.Fprintf(o.out, "swissmaptype keysize=%d elemsize=%d keysoff=%d keystride=%d elemsoff=%d elemstride=%d groupsize=%d flags=%d\n",
				t.key.size, t.elem.size, t.keysOff(), t.keyStride(), t.elemsOff(), t.elemStride(), t.groupSize, t.flags)
		} else {
			fmt.Fprintf(o.out, "swissmaptype keysize=%d elemsize=%d slotsize=%d elemoff=%d groupsize=%d flags=%d\n",
				t.key.size, t.elem.size, t.keyStride(), t.elemsOff()-t.keysOff(), t.groupSize, t.flags)
		}
		return ""
	}
	if o.m == nil {
		return "make before " + f[0]
	}
	switch f[0] {
	case "put":
		if e := argc(3, "put K E"); e != "" {
			return e
		}
		k, e := o.parseKey(f[1])
		if e != "" {
			return "key " + e
		}
		v, e := parseValue(o.m.mk[1], f[2])
		if e != "" {
			return "elem " + e
		}
		if o.needSeed != 0 {
			return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with rand", o.needSeed)
		}
		o.goPanics(func() { o.m.put(k, v) })
	case "del":
		if e := argc(2, "del K"); e != "" {
			return e
		}
		k, e := o.parseKey(f[1])
		if e != "" {
			return "key " + e
		}
		before := o.m.length()
		o.goPanics(func() { o.m.del(k) })
		if before > 0 && o.m.length() == 0 && !o.random {
			o.needSeed = line
		}
	case "get":
		if e := argc(2, "get K"); e != "" {
			return e
		}
		k, e := o.parseKey(f[1])
		if e != "" {
			return "key " + e
		}
		var p unsafe.Pointer
		var ok bool
		if o.goPanics(func() { p, ok = o.m.get(k) }) {
			break
		}
		if ok {
			fmt.Fprintf(o.out, "get %s = %s\n", f[1], appendValue(nil, p, o.m.et.Size(), false))
		} else {
			fmt.Fprintf(o.out, "get %s absent\n", f[1])
		}
	case "len":
		if e := argc(1, "len"); e != "" {
			return e
		}
		fmt.Fprintf(o.out, "len %d\n", o.m.length())
	case "seed":
		if e := argc(2, "seed SEED"); e != "" {
			return e
		}
		seed, e := parseSeed(f[1])
		if e != "" {
			return e
		}
		if o.m.length() != 0 {
			return "seed only on an empty map"
		}
		o.m.m().seed = seed
		o.needSeed = 0
	case "clear":
		if len(f) != 2 && !(o.random && len(f) == 1) {
			return "`clear SEED` (or `clear` after rand)"
		}
		var seed uintptr
		if len(f) == 2 {
			var e string
			if seed, e = parseSeed(f[1]); e != "" {
				return e
			}
		}
		mapclear(o.m.t(), o.m.m())
		if len(f) == 2 {
			o.m.m().seed = seed
		}
		o.needSeed = 0
	case "clone":
		if o.random {
			if e := argc(1, "clone (after rand)"); e != "" {
				return e
			}
			if o.needSeed != 0 {
				return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with rand", o.needSeed)
			}
			// maps.Clone itself, with Go's own draws (1.24's mapclone2: the new map's
			// seed, then the iterator's two offsets; none from 1.25).
			o.m = o.m.cloneOf(mapclone(o.m.v.Interface()))
			return ""
		}
		if e := argc(4, "clone SEED R1 R2"); e != "" {
			return e
		}
		seed, e := parseSeed(f[1])
		if e != "" {
			return e
		}
		r1, err1 := strconv.ParseUint(f[2], 10, 64)
		r2, err2 := strconv.ParseUint(f[3], 10, 64)
		if err1 != nil || err2 != nil {
			return "R1 and R2 as decimal u64"
		}
		if o.needSeed != 0 {
			return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with rand", o.needSeed)
		}
		old := o.m
		var nm *smap
		if nativeClone {
			nm = old.cloneOf(mapclone(old.v.Interface()))
		} else {
			// runtime.mapclone2 (go1.24) with its rand() draws given.
			t, src := old.t(), old.m()
			nm = newSmap(old.mk, int(src.used))
			nm.m().seed = seed
			it := new(swissIter)
			iterInitR(it, t, src, r1, r2)
			for iterNext(it); it.key != nil; iterNext(it) {
				mapPut(nm.m(), t, it.key, it.elem)
			}
		}
		o.m = nm
	case "iter":
		st := &iterState{it: new(swissIter), keyStr: o.m.mk[0].isStr(), comp: o.m.keyComp(), fetched: true, owner: o.m}
		if o.random {
			if e := argc(2, "iter ID (after rand)"); e != "" {
				return e
			}
			iterInit(st.it, o.m.t(), o.m.m())
		} else {
			if e := argc(4, "iter ID R1 R2"); e != "" {
				return e
			}
			r1, err1 := strconv.ParseUint(f[2], 10, 64)
			r2, err2 := strconv.ParseUint(f[3], 10, 64)
			if err1 != nil || err2 != nil {
				return "R1 and R2 as decimal u64"
			}
			iterInitR(st.it, o.m.t(), o.m.m(), r1, r2)
		}
		if st.it.m == nil {
			st.done = true
		} else {
			iterNext(st.it)
		}
		o.setIter(f[1], st)
	case "next":
		if e := argc(3, "next ID N"); e != "" {
			return e
		}
		st := o.iter(f[1])
		if st == nil {
			return "an iterator started by iter " + f[1]
		}
		n, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return "N as a decimal count"
		}
		for i := uint64(0); i < n; i++ {
			if !st.done && !st.fetched {
				iterNext(st.it)
				st.fetched = true
			}
			if st.done || st.it.key == nil {
				st.done = true
				fmt.Fprintf(o.out, "next %s end\n", f[1])
				break
			}
			t := st.it.typ
			line := append([]byte("next "), f[1]...)
			if st.comp != nil {
				line = appendComp(append(line, ' '), st.comp, st.it.key)
			} else {
				line = appendValue(append(line, ' '), st.it.key, t.key.size, st.keyStr)
			}
			line = appendValue(append(line, '='), st.it.elem, t.elem.size, false)
			o.out.Write(append(line, '\n'))
			st.fetched = false
		}
	case "dump":
		if e := argc(1, "dump"); e != "" {
			return e
		}
		if o.needSeed != 0 {
			return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with rand", o.needSeed)
		}
		dump(o.out, o.m.t(), o.m.m(), keySpell{o.m.mk[0].isStr(), o.m.keyComp()})
	default:
		return "a directive: aeskey, type, rand, make, put, del, get, len, seed, clear, clone, iter, next or dump"
	}
	return ""
}

const hexDigits = "0123456789abcdef"

func appendHexOrDash(dst, b []byte) []byte {
	if len(b) == 0 {
		return append(dst, '-')
	}
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

func bytesAt(p unsafe.Pointer, n uintptr) []byte { return unsafe.Slice((*byte)(p), n) }

// appendValue spells the value at p: a string header as s0/sL:nil/sL:HEX, anything
// else as the hex of its size bytes ("-" for size 0).
func appendValue(dst []byte, p unsafe.Pointer, size uintptr, str bool) []byte {
	if !str {
		return appendHexOrDash(dst, bytesAt(p, size))
	}
	data := *(*unsafe.Pointer)(p)
	n := *(*int)(unsafe.Add(p, ptrSize))
	dst = append(dst, 's')
	dst = strconv.AppendInt(dst, int64(n), 10)
	switch {
	case n == 0:
		return dst
	case data == nil:
		return append(dst, ":nil"...)
	}
	dst = append(dst, ':')
	return appendHexOrDash(dst, bytesAt(data, uintptr(n)))
}

// appendSlot spells a slot from its raw bytes: indirect slots as *nil, *dead (a
// non-nil pointer in a slot that is not full) or * and the value.
func appendSlot(dst []byte, p unsafe.Pointer, indirect bool, size uintptr, ks keySpell, full bool) []byte {
	if indirect {
		target := *(*unsafe.Pointer)(p)
		switch {
		case target == nil:
			return append(dst, "*nil"...)
		case !full:
			return append(dst, "*dead"...)
		}
		return ks.append(append(dst, '*'), target, size)
	}
	return ks.append(dst, p, size)
}

// keySpell says how key slots are spelled: as strings (str), structurally for a
// composite key type (comp), else as hex; elems are always hex (the zero keySpell).
type keySpell struct {
	str  bool
	comp reflect.Type
}

func (ks keySpell) append(dst []byte, p unsafe.Pointer, size uintptr) []byte {
	if ks.comp != nil {
		return appendComp(dst, ks.comp, p)
	}
	return appendValue(dst, p, size, ks.str)
}

// keyComp is the map's composite key type, or nil.
func (x *smap) keyComp() reflect.Type {
	if x.mk[0].comp != nil {
		return x.mk[0].comp.t
	}
	return nil
}

// goPanics runs a map operation; a Go runtime panic (hashing an unhashable value) is
// printed as `panic MESSAGE` and reported.
func (o *oracle) goPanics(f func()) bool {
	if msg := runOp(f); msg != "" {
		fmt.Fprintf(o.out, "panic %s\n", msg)
		return true
	}
	return false
}

func appendGroup(dst []byte, t *mapType, g unsafe.Pointer, ks keySpell) []byte {
	ctrl := bytesAt(g, 8)
	dst = appendHexOrDash(dst, ctrl)
	for s := uintptr(0); s < 8; s++ {
		full := ctrl[s]&0x80 == 0
		k := unsafe.Add(g, t.keysOff()+s*t.keyStride())
		e := unsafe.Add(g, t.elemsOff()+s*t.elemStride())
		dst = append(dst, ' ')
		dst = appendSlot(dst, k, t.flags&mapIndirectKey != 0, t.key.size, ks, full)
		dst = append(dst, '=')
		dst = appendSlot(dst, e, t.flags&mapIndirectElem != 0, t.elem.size, keySpell{}, full)
	}
	return append(dst, '\n')
}

func dump(w *bufio.Writer, t *mapType, m *swissMap, ks keySpell) {
	fmt.Fprintf(w, "map used=%d seed=%016x dirLen=%d globalDepth=%d globalShift=%d writing=%d",
		m.used, m.seed, m.dirLen, m.globalDepth, m.globalShift, m.writing)
	if hasTombstonePossible {
		tp := 0
		if m.tombstonePossible {
			tp = 1
		}
		fmt.Fprintf(w, " tombstonePossible=%d", tp)
	}
	fmt.Fprintf(w, " clearSeq=%d\n", m.clearSeq)
	if m.dirPtr == nil {
		return
	}
	if m.dirLen == 0 {
		w.Write(appendGroup([]byte("small "), t, m.dirPtr, ks))
		return
	}
	dir := unsafe.Slice((**table)(m.dirPtr), m.dirLen)
	var prev *table
	var line []byte
	for i, tab := range dir {
		same := 0
		if tab == prev {
			same = 1
		}
		fmt.Fprintf(w, "table %d index=%d localDepth=%d used=%d capacity=%d growthLeft=%d same=%d\n",
			i, tab.index, tab.localDepth, tab.used, tab.capacity, tab.growthLeft, same)
		if tab != prev {
			for gi := uint64(0); gi <= tab.groups.lengthMask; gi++ {
				line = append(line[:0], "group "...)
				line = strconv.AppendUint(line, gi, 10)
				line = append(line, ' ')
				line = appendGroup(line, t, unsafe.Add(tab.groups.data, uintptr(gi)*t.groupSize), ks)
				w.Write(line)
			}
		}
		prev = tab
	}
}

// warmUp runs every operation a trace can make on a map of the trace's type once before
// the generator is seeded: reflect caches the types it makes (MapOf, ArrayOf, the pointer
// types New uses) in sync.Maps, whose tables draw a hash seed when made; after the
// warm-up only the map code draws.
func (o *oracle) warmUp() {
	w := newSmap(*o.typ, 0)
	zk := make([]byte, w.kt.Size())
	ze := make([]byte, w.et.Size())
	if o.typ[0].comp != nil {
		// Every dynamic type an interface value may hold, whose pointer types reflect
		// caches too (parseComp, appendComp).
		for i := range compTypes {
			_ = reflect.New(compTypes[i].t)
			_ = reflect.NewAt(compTypes[i].t, reflect.New(compTypes[i].t).UnsafePointer())
		}
	}
	w.put(zk, ze)
	w.get(zk)
	it := new(swissIter)
	iterInit(it, w.t(), w.m())
	iterNext(it)
	_ = reflect.ValueOf(mapclone(w.v.Interface()))
	w.del(zk)
	mapclear(w.t(), w.m())
	runtime.KeepAlive(w)
}
