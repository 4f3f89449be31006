// Command gomap-oracle runs a gomap trace (see docs/trace-and-dump.md in the
// repository, version 1) on the maps of the Go release it is built with (1.19, 1.21,
// 1.22, 1.23, or 1.24 with GOEXPERIMENT=noswissmap) and prints the canonical dump. A trace names its release
// with `go RELEASE` (none: 1.19); the oracle refuses a trace for another release.
//
// Usage: gomap-oracle [TRACE|-]   (stdin when the argument is absent or "-")
//
//	gomap-oracle -randvec S0 S1 S2 S3 N   (see randvec.go)
//
// Everything comes from Go's runtime: the hashes (aeshash keyed by the trace's
// aeskey, written into runtime.aeskeysched), the map code chosen by the compiler
// (compiled map types for the fixed kinds, reflect for [N]uint8 kinds), mapclear and
// mapiternext (through //go:linkname), and the bytes of the hmap and its buckets,
// read back through mirrors of the runtime's structures.
package main

//go:generate go run gen.go

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

// parseError is a malformed trace: reported as "line N: what was expected".
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// kind is a trace kind: "i32", "i64", "f64", "str", "e0" or "bN" (size n).
type kind struct {
	name    string
	n       int       // byte size for bN
	comp    *compType // a composite key kind (composite.go), or nil
	reflect bool      // reflect:K: a reflect.MapOf map of the composite kind
}

func (k kind) isStr() bool   { return k.name == "str" }
func (k kind) isBytes() bool { return k.name[0] == 'b' }

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
		return from_i32(int32(v)), ""
	case "i64":
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, "a decimal int64"
		}
		return from_i64(v), ""
	case "f64":
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || (math.IsNaN(v) && s != "NaN") {
			return nil, "a float64 in strconv.ParseFloat spelling (NaN as NaN, only with rand)"
		}
		return from_i64(int64(math.Float64bits(v))), ""
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

// iterState is one `iter ID R` iterator.
//
// Model: `iter` runs mapiterinit, which (as in Go) already fetches the first entry with
// mapiternext. `next` yields the current entry; before each later entry it calls
// mapiternext. So the mutations between two `next` lines run exactly where the body of
// a Go `for k, e := range m` loop runs: after an entry is seen and before the next one
// is fetched.
type iterState struct {
	id      string
	it      *hiter
	keyStr  bool
	comp    *compType // composite key kind, or nil
	fetched bool      // it.key/it.elem hold an entry (or the end) not yet yielded
	done    bool
}

type oracle struct {
	out      *bufio.Writer
	started  bool
	keyed    bool
	typ      *[2]kind
	m        mapOps
	mkind    [2]kind
	needSeed int // line of the del that emptied the map (Go re-seeded it with fastrand), or 0
	// iters are the live iterators. A slice, not a map: in the seeded-random mode the
	// oracle's own maps must not draw from the generator.
	iters   []*iterState
	newMap  func(k, e kind) mapOps // newMap, or a replacement in tests
	release string                 // the trace's Go release (`go` directive; 1.19 without)
	ops     int                    // directives after gomap-trace run so far
	random  bool                   // seeded-random mode (`rand`)
}

// iter returns the live iterator named id, or nil.
func (o *oracle) iter(id string) *iterState {
	for _, st := range o.iters {
		if st.id == id {
			return st
		}
	}
	return nil
}

// builtRelease is the release this oracle runs: "1.19" .. "1.23", "1.24-noswissmap".
func builtRelease() string {
	v := strings.TrimPrefix(runtime.Version(), "go")
	parts := strings.SplitN(strings.Fields(v)[0], ".", 3)
	r := parts[0] + "." + parts[1]
	if hasClearSeq {
		r += "-noswissmap"
	}
	return r
}

// releaseName normalises a `go` directive's release: 1.N, 1.N.P, with -noswissmap.
func releaseName(s string) (string, bool) {
	s = strings.TrimPrefix(s, "go")
	noswiss := strings.HasSuffix(s, "-noswissmap")
	v := strings.TrimSuffix(s, "-noswissmap")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "1" {
		return "", false
	}
	for _, p := range parts[1:] {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return "", false
		}
	}
	switch r := "1." + parts[1]; {
	case (r == "1.19" || r == "1.21" || r == "1.22" || r == "1.23") && !noswiss:
		return r, true
	case r == "1.24" && noswiss:
		return "1.24-noswissmap", true
	}
	return "", false
}

func main() {
	// Keep the runtime's own draws off the generator the traces seed: one OS thread for
	// this goroutine, no GC, no heap profiling samples (1.19-1.21 draw them from fastrand).
	runtime.LockOSThread()
	debug.SetGCPercent(-1)
	runtime.MemProfileRate = 0
	if len(os.Args) > 1 && os.Args[1] == "-randvec" {
		randvecMain(os.Args[2:])
		return
	}
	if !useAeshash {
		fmt.Fprintln(os.Stderr, "gomap-oracle: runtime.useAeshash is false (no AES-NI?): Go would ignore the aeskey")
		os.Exit(2)
	}
	if unsafe.Sizeof(uintptr(0)) != ptrSize || unsafe.Sizeof(hiter{}) != hiterSize || unsafe.Sizeof(hmap{}) != hmapSize || unsafe.Sizeof(maptype{}) != 88 {
		fmt.Fprintln(os.Stderr, "gomap-oracle: runtime struct mirrors have the wrong size")
		os.Exit(2)
	}
	var in io.Reader = os.Stdin
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: gomap-oracle [TRACE|-]")
		os.Exit(2)
	}
	if len(os.Args) == 2 && os.Args[1] != "-" {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "gomap-oracle:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	o := newOracle(os.Stdout)
	err := o.run(in)
	o.out.Flush()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func newOracle(w io.Writer) *oracle {
	return &oracle{out: bufio.NewWriterSize(w, 1<<16), newMap: newMap, release: "1.19"}
}

func (o *oracle) run(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r") // tolerate CRLF files
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

// directive runs one line; it returns "" or what was expected.
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
	o.ops++
	switch f[0] {
	case "gomap-trace":
		return "one gomap-trace directive, first"
	case "go":
		if e := argc(2, "go RELEASE"); e != "" {
			return e
		}
		if o.ops != 1 {
			return "go RELEASE right after gomap-trace 1"
		}
		r, ok := releaseName(f[1])
		if !ok {
			return "a classic-map Go release: 1.19, 1.21, 1.22, 1.23 or 1.24-noswissmap"
		}
		o.release = r
		if b := builtRelease(); b != r {
			return "a trace for Go " + b + " (this oracle runs Go " + b + ", the trace is for Go " + r + ")"
		}
		return ""
	case "rand":
		if len(f) < 2 || len(f) > 5 {
			return "`rand S0 [S1 S2 S3]`"
		}
		if o.typ == nil {
			return "type before rand"
		}
		if b := builtRelease(); b != o.release {
			return "a trace for Go " + b + " (this oracle runs Go " + b + ", the trace is for Go " + o.release + ")"
		}
		// Words of 1 to 16 hex digits, or one of 64: the 32 bytes of ChaCha8's Init.
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
		o.warmUpAndSeed(seed)
		o.random = true
		compositeNaN = true
		return ""
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
		if k.reflect && !e.isBytes() {
			return "elem kind bN for a reflect: key kind"
		}
		o.typ = &[2]kind{k, e}
		// Outside the seeded-random mode the generator starts from `rand 0` at each
		// `type`: every draw the trace does not replace with a value of its own (the
		// only one is incrnoverflow's sampling once B >= 16) is then the same on both
		// sides.
		o.warmUpAndSeed([4]uint64{})
		return ""
	case "make":
		if len(f) != 3 && !(o.random && len(f) == 2) {
			return "`make HINT SEED` (or `make HINT` after rand)"
		}
		if b := builtRelease(); b != o.release {
			return "a trace for Go " + b + " (this oracle runs Go " + b + ", the trace is for Go " + o.release + ")"
		}
		if !o.keyed {
			return "aeskey before make"
		}
		if o.typ == nil {
			return "type before make"
		}
		// Any int, as Go's make takes: makemap treats a negative hint as 0.
		hint, err := strconv.ParseInt(f[1], 10, 0)
		if err != nil {
			return "a decimal HINT (an int)"
		}
		seed, e := optSeed(f, 2)
		if e != "" {
			return e
		}
		o.mkind = *o.typ
		// The new map replaces m; the iterators of the old one end with it (a later
		// `next` of theirs is an error).
		o.iters = o.iters[:0]
		o.m = o.newMap(o.mkind[0], o.mkind[1])
		o.m.make(int(hint))
		if len(f) == 3 {
			o.m.hmap().hash0 = seed
		}
		o.needSeed = 0
		t := o.m.maptype()
		fmt.Fprintf(o.out, "maptype keysize=%d elemsize=%d bucketsize=%d flags=%d\n",
			t.keysize, t.elemsize, t.bucketsize, t.flags)
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
		k, e := parseValue(o.mkind[0], f[1])
		if e != "" {
			return "key " + e
		}
		v, e := parseValue(o.mkind[1], f[2])
		if e != "" {
			return "elem " + e
		}
		if e := o.nanCheck(k); e != "" {
			return e
		}
		if o.needSeed != 0 {
			return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with fastrand", o.needSeed)
		}
		if msg := runOp(func() { o.m.put(k, v) }); msg != "" {
			fmt.Fprintf(o.out, "panic %s\n", msg)
		}
	case "del":
		if e := argc(2, "del K"); e != "" {
			return e
		}
		k, e := parseValue(o.mkind[0], f[1])
		if e != "" {
			return "key " + e
		}
		if e := o.nanCheck(k); e != "" {
			return e
		}
		before := o.m.length()
		if msg := runOp(func() { o.m.del(k) }); msg != "" {
			fmt.Fprintf(o.out, "panic %s\n", msg)
		}
		if before > 0 && o.m.length() == 0 && !o.random {
			o.needSeed = line
		}
	case "get":
		if e := argc(2, "get K"); e != "" {
			return e
		}
		k, e := parseValue(o.mkind[0], f[1])
		if e != "" {
			return "key " + e
		}
		if e := o.nanCheck(k); e != "" {
			return e
		}
		var v []byte
		var ok bool
		if msg := runOp(func() { v, ok = o.m.get(k) }); msg != "" {
			fmt.Fprintf(o.out, "panic %s\n", msg)
		} else if ok {
			fmt.Fprintf(o.out, "get %s = %s\n", f[1], hexOrDash(v))
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
		o.m.hmap().hash0 = seed
		o.needSeed = 0
	case "clear":
		if len(f) != 2 && !(o.random && len(f) == 1) {
			return "`clear SEED` (or `clear` after rand)"
		}
		seed, e := optSeed(f, 1)
		if e != "" {
			return e
		}
		h := o.m.hmap()
		mapclear(o.m.maptype(), h)
		if len(f) == 2 {
			h.hash0 = seed
		}
		o.needSeed = 0
	case "clone":
		if e := argc(1, "clone"); e != "" {
			return e
		}
		if !haveClone || o.release == "1.19" {
			return "Go 1.21 or later for clone (maps.Clone)"
		}
		if o.needSeed != 0 {
			return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with fastrand", o.needSeed)
		}
		keyComp = nil
		if o.mkind[0].comp != nil {
			keyComp = o.mkind[0].comp.t
		}
		c := cloneHmap(o.m.iface())
		fmt.Fprintln(o.out, "clone")
		dump(o.out, o.m.maptype(), c, o.mkind[0].isStr())
	case "iter":
		if len(f) != 3 && !(o.random && len(f) == 2) {
			return "`iter ID R` (or `iter ID` after rand)"
		}
		var r uint64
		if len(f) == 3 {
			var err error
			if r, err = strconv.ParseUint(f[2], 10, 64); err != nil {
				return "R as a decimal u64"
			}
		}
		st := &iterState{id: f[1], it: new(hiter), keyStr: o.mkind[0].isStr(), comp: o.mkind[0].comp, fetched: true}
		h := o.m.hmap()
		if len(f) == 3 {
			mapiterinitR(o.m.maptype(), h, st.it, r)
		} else {
			mapiterinit(o.m.maptype(), h, st.it) // Go draws the start
		}
		if h == nil || st.it.h == nil {
			// mapiterinit returned early (nil or empty map): it.key is nil, the
			// iteration is over, and mapiternext must not be called (it.h is nil).
			st.done = true
		}
		if old := o.iter(f[1]); old != nil {
			*old = *st
		} else {
			o.iters = append(o.iters, st)
		}
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
				mapiternext(st.it)
				st.fetched = true
			}
			if st.done || st.it.key == nil {
				st.done = true
				fmt.Fprintf(o.out, "next %s end\n", f[1])
				break
			}
			t := st.it.t
			line := append([]byte("next "), f[1]...)
			if st.comp != nil {
				line = appendComp(append(line, ' '), st.comp.t, st.it.key)
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
			return fmt.Sprintf("seed SEED: del on line %d emptied the map and Go re-seeded it with fastrand", o.needSeed)
		}
		keyComp = nil
		if o.mkind[0].comp != nil {
			keyComp = o.mkind[0].comp.t
		}
		dump(o.out, o.m.maptype(), o.m.hmap(), o.mkind[0].isStr())
	default:
		return "a directive: go, aeskey, type, rand, make, put, del, get, len, seed, clear, clone, iter, next or dump"
	}
	return ""
}

// warmUpAndSeed seeds the generator Go's map code draws from (see seedState) after
// warming up what the trace's operations will use, so that nothing but the map code
// draws after the seeding.
func (o *oracle) warmUpAndSeed(seed [4]uint64) {
	// Warm up first: reflect caches the types it makes (ArrayOf, MapOf, the pointer
	// types New uses) in sync.Maps, whose map creation draws a hash seed.
	w := o.newMap(o.typ[0], o.typ[1])
	w.make(0)
	zk := make([]byte, o.typ[0].n)
	ze := make([]byte, o.typ[1].n)
	if o.typ[0].comp != nil {
		// The zero value of the composite kind; and every dynamic type an
		// interface value may hold, whose pointer types reflect caches too.
		zk = make([]byte, o.typ[0].comp.t.Size())
		for i := range compTypes {
			_ = reflect.New(compTypes[i].t)
			_ = reflect.NewAt(compTypes[i].t, reflect.New(compTypes[i].t).UnsafePointer())
		}
	} else if !o.typ[0].isBytes() {
		zk, _ = parseValue(o.typ[0], map[string]string{"i32": "0", "i64": "0", "f64": "0", "str": "-"}[o.typ[0].name])
	}
	if !o.typ[1].isBytes() {
		ze, _ = parseValue(o.typ[1], map[string]string{"i32": "0", "i64": "0", "e0": "-"}[o.typ[1].name])
	}
	w.put(zk, ze)
	w.get(zk)
	w.del(zk)
	_ = w.iface()
	seedState(seed)
}

// nanCheck refuses a NaN key outside the seeded-random mode: Go hashes NaN with a
// random number, which only that mode makes reproducible.
func (o *oracle) nanCheck(k []byte) string {
	if o.mkind[0].name == "f64" && math.IsNaN(to_f64(k)) && !o.random {
		return "key a float64 other than NaN (NaN keys need rand)"
	}
	return ""
}

// optSeed parses the optional SEED at f[i] (absent after rand); "" when it is fine.
func optSeed(f []string, i int) (uint32, string) {
	if len(f) <= i {
		return 0, ""
	}
	return parseSeed(f[i])
}

func parseSeed(s string) (uint32, string) {
	if len(s) != 8 {
		return 0, "SEED as 8 hex digits"
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, "SEED as 8 hex digits"
	}
	return uint32(v), ""
}

// newMap picks a compiled map type for the fixed kinds and reflect for bN.
func newMap(k, e kind) mapOps {
	if k.comp != nil && !k.reflect {
		return k.comp.newMap(e.name)
	}
	if k.comp != nil {
		noGC()
		return &reflectMap{kt: k.comp.t, et: reflectType(e)}
	}
	if m := newCompiled(k.name, e.name); m != nil {
		return m
	}
	return &reflectMap{kt: reflectType(k), et: reflectType(e)}
}

func reflectType(k kind) reflect.Type {
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

func hexOrDash(b []byte) string {
	return string(appendHexOrDash(nil, b))
}

const hexDigits = "0123456789abcdef"

// appendHexOrDash appends the lowercase hex of b, or "-" when b is empty.
func appendHexOrDash(dst, b []byte) []byte {
	if len(b) == 0 {
		return append(dst, '-')
	}
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

func bytesAt(p unsafe.Pointer, n uintptr) []byte {
	return unsafe.Slice((*byte)(p), n)
}

// appendValue spells the value at p: a string header as s0/sL:HEX, anything else as
// the hex of its size bytes ("-" for size 0).
func appendValue(dst []byte, p unsafe.Pointer, size uintptr, str bool) []byte {
	if !str {
		return appendHexOrDash(dst, bytesAt(p, size))
	}
	// A string header: data pointer, then length.
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

// appendSlot spells a key or elem slot from its raw bytes, as the spec's Dump section
// says: indirect slots as *nil, *moved (in an evacuated bmap) or * and the value.
func appendSlot(dst []byte, p unsafe.Pointer, indirect bool, size uintptr, str, evacuated bool) []byte {
	if indirect {
		target := *(*unsafe.Pointer)(p)
		switch {
		case target == nil:
			return append(dst, "*nil"...)
		case evacuated:
			return append(dst, "*moved"...)
		}
		return appendValue(append(dst, '*'), target, size, str)
	}
	return appendValue(dst, p, size, str)
}

// allocBuckets is the number of buckets makeBucketArray (go1.19 map.go) allocates for
// an array of 2^b buckets: 2^b + 2^(b-4) rounded up to a malloc size class when b >= 4
// (from go1.22 less the allocation header of a bucket array with pointers).
func allocBuckets(t *maptype, b uint8) uintptr {
	base := bucketShift(b)
	nbuckets := base
	if b >= 4 {
		nbuckets += bucketShift(b - 4)
		sz := t.bucket.size * nbuckets
		up := allocRound(sz, t.bucket.ptrdata == 0)
		if up != sz {
			nbuckets = up / t.bucket.size
		}
	}
	return nbuckets
}

func dump(w *bufio.Writer, t *maptype, h *hmap, keyStr bool) {
	if h == nil {
		// Not reachable: make always gives a non-nil hmap.
		panic("dump of a nil map")
	}
	bs := uintptr(t.bucketsize)
	growing := 0
	if h.oldbuckets != nil {
		growing = 1
	}
	nextOverflow := "-"
	if h.extra != nil && h.extra.nextOverflow != nil {
		nextOverflow = strconv.FormatUint(uint64((uintptr(h.extra.nextOverflow)-uintptr(h.buckets))/bs), 10)
	}
	clearSeq := ""
	if hasClearSeq {
		clearSeq = " clearseq=" + strconv.FormatUint(clearSeqOf(h), 10) // go1.24
	}
	fmt.Fprintf(w, "hmap count=%d flags=%d B=%d noverflow=%d hash0=%08x nevacuate=%d%s growing=%d nextoverflow=%s\n",
		h.count, h.flags, h.B, h.noverflow, h.hash0, h.nevacuate, clearSeq, growing, nextOverflow)
	if h.buckets != nil {
		dumpArray(w, t, "new", h.buckets, h.B, keyStr)
	}
	if h.oldbuckets != nil {
		oldB := h.B - 1
		if h.flags&sameSizeGrow != 0 {
			oldB = h.B
		}
		dumpArray(w, t, "old", h.oldbuckets, oldB, keyStr)
	}
}

func dumpArray(w *bufio.Writer, t *maptype, tag string, base unsafe.Pointer, b uint8, keyStr bool) {
	bs := uintptr(t.bucketsize)
	end := uintptr(base) + allocBuckets(t, b)*bs
	var line []byte
	for i := uintptr(0); i < bucketShift(b); i++ {
		for p := unsafe.Add(base, i*bs); p != nil; p = *(*unsafe.Pointer)(unsafe.Add(p, bs-ptrSize)) {
			line = append(line[:0], tag...)
			line = append(line, ' ')
			line = strconv.AppendUint(line, uint64(i), 10)
			if uintptr(p) >= uintptr(base) && uintptr(p) < end {
				line = append(line, " @"...)
				line = strconv.AppendUint(line, uint64((uintptr(p)-uintptr(base))/bs), 10)
			} else {
				line = append(line, " @h"...)
			}
			line = append(line, ' ')
			tophash := bytesAt(p, bucketCnt)
			line = appendHexOrDash(line, tophash)
			evacuated := tophash[0] == evacuatedX || tophash[0] == evacuatedY || tophash[0] == evacuatedEmpty
			for s := uintptr(0); s < bucketCnt; s++ {
				k := unsafe.Add(p, dataOffset+s*uintptr(t.keysize))
				e := unsafe.Add(p, dataOffset+bucketCnt*uintptr(t.keysize)+s*uintptr(t.elemsize))
				line = append(line, ' ')
				if keyComp != nil {
					line = appendCompSlot(line, k, t.indirectkey(), keyComp, evacuated)
				} else {
					line = appendSlot(line, k, t.indirectkey(), t.key.size, keyStr, evacuated)
				}
				line = append(line, '=')
				line = appendSlot(line, e, t.indirectelem(), t.elem.size, false, evacuated)
			}
			line = append(line, '\n')
			w.Write(line)
		}
	}
}
