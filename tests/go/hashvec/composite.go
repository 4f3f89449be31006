package main

// The composite modes: hashes and equality of struct, array and interface keys, with the
// functions gc generates for map[K]T (maptype.hasher, key.equal) and with
// runtime.typehash (what interfaces and reflect.MapOf maps use).
//
//	hashvec composite-aes | composite-fallback
//
// prints the key state (as the hash modes do), then
//
//	gen <type> <seed, hex> <value> <hash, hex | panic:message>
//	typ <type> <seed, hex> <value> <hash, hex | panic:message>
//	eq <type> <value> <value> <true | false | panic:message>
//	mtype <type> <keysize> <elemsize> <bucketsize> <flags> <hasher> <key.size> <key.align>
//	      <key.ptrdata> <key.kind> <key.equal> <bucket.ptrdata>
//
// (mtype: the maptype of map[K]struct{}, with funcName's spelling of the functions).
//
// Types and values are spelled as in gomap's src/maptype/spell.rs. Each value is written
// into memory whose every byte was first set to 0xa5, so padding and blank fields hold
// bytes that the functions must skip; hashes of NaN (random in Go) are not printed.

import (
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"unsafe"
)

//go:linkname typehash runtime.typehash
func typehash(t unsafe.Pointer, p unsafe.Pointer, h uintptr) uintptr

type compositeKey struct {
	spell   string
	mapType reflect.Type
}

// Named types with a method, for interface { M() } values (spelled main.Name).
type MInt int64
type MStr string
type MPt struct {
	F0 int64
	F1 float64
}
type MSl []int64

func (MInt) M() {}
func (MStr) M() {}
func (MPt) M()  {}
func (MSl) M()  {}

var ifaceDyn = []string{"main.MInt", "main.MStr", "main.MPt", "main.MSl"}

// typeWord is the runtime type descriptor of t (reflect's *rtype is runtime's *_type).
func typeWord(t reflect.Type) unsafe.Pointer {
	var i any = t
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&i))[1]
}

type dynType struct {
	spell string
	t     reflect.Type
}

// dynTypeOf is the type spelled s (a linear search: no map is read while the key state
// is changed).
func dynTypeOf(s string) reflect.Type {
	for _, d := range dynTypes {
		if d.spell == s {
			return d.t
		}
	}
	panic("no dynamic type " + s)
}

// valGen draws value spellings: "wide" values for hashing, "small" ones (few distinct
// values, NaN and both zeros included) for equality pairs.
type valGen struct {
	rng   *splitmix
	small bool
	nan   bool
}

func (g *valGen) n(k uint64) uint64 { return g.rng.next() % k }

var f64Special = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.Inf(1), math.Inf(-1),
	math.SmallestNonzeroFloat64, math.MaxFloat64, 1e-310}

func (g *valGen) float(bits int) string {
	var f float64
	switch {
	case g.small:
		c := []float64{0, math.Copysign(0, -1), 1, math.NaN()}
		if !g.nan {
			c = c[:3]
		}
		f = c[g.n(uint64(len(c)))]
	case g.n(3) == 0:
		f = f64Special[g.n(uint64(len(f64Special)))]
	default:
		for {
			if bits == 32 {
				f = float64(math.Float32frombits(uint32(g.rng.next())))
			} else {
				f = math.Float64frombits(g.rng.next())
			}
			if f == f {
				break
			}
		}
	}
	if bits == 32 {
		return strconv.FormatFloat(float64(float32(f)), 'g', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func (g *valGen) value(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(g.n(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if g.small {
			return strconv.Itoa(int(g.n(2)))
		}
		v := int64(g.rng.next()) >> (64 - 8*t.Size())
		if g.n(3) == 0 {
			v = int64(g.n(5)) - 2
		}
		return strconv.FormatInt(v, 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if g.small {
			return strconv.Itoa(int(g.n(2)))
		}
		return strconv.FormatUint(g.rng.next()>>(64-8*t.Size()), 10)
	case reflect.Float32:
		return g.float(32)
	case reflect.Float64:
		return g.float(64)
	case reflect.Complex64:
		return "(" + g.float(32) + "," + g.float(32) + ")"
	case reflect.Complex128:
		return "(" + g.float(64) + "," + g.float(64) + ")"
	case reflect.String:
		var b []byte
		if g.small {
			b = []byte([]string{"", "a", "ab"}[g.n(3)])
		} else {
			b = make([]byte, g.n(40))
			for i := range b {
				b[i] = byte(g.rng.next())
			}
		}
		if len(b) == 0 {
			return "-"
		}
		return hex.EncodeToString(b)
	case reflect.Array:
		var s []string
		for i := 0; i < t.Len(); i++ {
			s = append(s, g.value(t.Elem()))
		}
		return "[" + strings.Join(s, ",") + "]"
	case reflect.Struct:
		var s []string
		for i := 0; i < t.NumField(); i++ {
			s = append(s, g.value(t.Field(i).Type))
		}
		return "{" + strings.Join(s, ",") + "}"
	case reflect.Slice:
		return "-"
	case reflect.Interface:
		if g.n(6) == 0 {
			return "nil"
		}
		cands := anyDyn
		if t.NumMethod() > 0 {
			cands = ifaceDyn
		}
		d := cands[g.n(uint64(len(cands)))]
		return d + ":" + g.value(dynTypeOf(d))
	}
	panic("value of " + t.String())
}

type cursor struct {
	s string
	i int
}

func (c *cursor) word() string {
	j := c.i
	for j < len(c.s) && !strings.ContainsRune(",}])({[:", rune(c.s[j])) {
		j++
	}
	w := c.s[c.i:j]
	c.i = j
	return w
}

func (c *cursor) expect(lit string) {
	if !strings.HasPrefix(c.s[c.i:], lit) {
		panic(fmt.Sprintf("expected %q at %d of %q", lit, c.i, c.s))
	}
	c.i += len(lit)
}

// typeSpellAt reads a type spelling: up to the ':' that ends it at bracket depth 0.
func (c *cursor) typeSpell() string {
	depth, j := 0, c.i
	for ; j < len(c.s); j++ {
		switch c.s[j] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ':':
			if depth == 0 {
				t := c.s[c.i:j]
				c.i = j
				return t
			}
		}
	}
	panic("no type in " + c.s)
}

// fillA5 sets every byte of n bytes at p to 0xa5.
func fillA5(p unsafe.Pointer, n uintptr) {
	for i := uintptr(0); i < n; i++ {
		*(*byte)(unsafe.Add(p, i)) = 0xa5
	}
}

// newValue writes the value spelled s of type t into fresh 0xa5-filled memory.
func newValue(t reflect.Type, s string) unsafe.Pointer {
	buf := make([]uint64, t.Size()/8+1)
	p := unsafe.Pointer(&buf[0])
	fillA5(p, t.Size())
	c := &cursor{s: s}
	write(t, p, c)
	if c.i != len(s) {
		panic("trailing text in " + s)
	}
	return p
}

func write(t reflect.Type, p unsafe.Pointer, c *cursor) {
	switch t.Kind() {
	case reflect.Bool:
		*(*bool)(p) = c.word() == "true"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v, err := strconv.ParseInt(c.word(), 10, 64)
		if err != nil {
			panic(err)
		}
		b := (*[8]byte)(unsafe.Pointer(&v))
		copy(unsafe.Slice((*byte)(p), t.Size()), b[:t.Size()])
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v, err := strconv.ParseUint(c.word(), 10, 64)
		if err != nil {
			panic(err)
		}
		b := (*[8]byte)(unsafe.Pointer(&v))
		copy(unsafe.Slice((*byte)(p), t.Size()), b[:t.Size()])
	case reflect.Float32:
		*(*float32)(p) = float32(parseFloat(c.word(), 32))
	case reflect.Float64:
		*(*float64)(p) = parseFloat(c.word(), 64)
	case reflect.Complex64, reflect.Complex128:
		c.expect("(")
		bits := 32
		if t.Kind() == reflect.Complex128 {
			bits = 64
		}
		re := parseFloat(c.word(), bits)
		c.expect(",")
		im := parseFloat(c.word(), bits)
		c.expect(")")
		if bits == 32 {
			*(*complex64)(p) = complex(float32(re), float32(im))
		} else {
			*(*complex128)(p) = complex(re, im)
		}
	case reflect.String:
		w := c.word()
		var b []byte
		if w != "-" {
			var err error
			if b, err = hex.DecodeString(w); err != nil {
				panic(err)
			}
		}
		*(*string)(p) = string(b)
	case reflect.Array:
		c.expect("[")
		for i := 0; i < t.Len(); i++ {
			if i > 0 {
				c.expect(",")
			}
			write(t.Elem(), unsafe.Add(p, uintptr(i)*t.Elem().Size()), c)
		}
		c.expect("]")
	case reflect.Struct:
		c.expect("{")
		for i := 0; i < t.NumField(); i++ {
			if i > 0 {
				c.expect(",")
			}
			f := t.Field(i)
			write(f.Type, unsafe.Add(p, f.Offset), c)
		}
		c.expect("}")
	case reflect.Slice:
		c.expect("-")
		*(*[3]uintptr)(p) = [3]uintptr{}
	case reflect.Interface:
		if strings.HasPrefix(c.s[c.i:], "nil") {
			c.i += 3
			*(*[2]uintptr)(p) = [2]uintptr{}
			return
		}
		d := dynTypeOf(c.typeSpell())
		c.expect(":")
		q := reflect.New(d)
		fillA5(q.UnsafePointer(), d.Size())
		write(d, q.UnsafePointer(), c)
		reflect.NewAt(t, p).Elem().Set(q.Elem())
	default:
		panic("write " + t.String())
	}
}

func parseFloat(w string, bits int) float64 {
	f, err := strconv.ParseFloat(w, bits)
	if err != nil {
		panic(err)
	}
	return f
}

// result runs f, turning a runtime panic into "panic:<message>".
func result(f func() string) (r string) {
	defer func() {
		if e := recover(); e != nil {
			r = "panic:" + fmt.Sprint(e)
		}
	}()
	return f()
}

func compositeHashes() {
	// No collection while values live in untyped buffers (their strings and interface
	// data are reachable only through them).
	debug.SetGCPercent(-1)
	var rng splitmix = 0x636f6d706f73 // "compos"
	for _, k := range compositeKeys {
		mt := (*maptype)(typeWord(k.mapType))
		hasher := *(*func(unsafe.Pointer, uintptr) uintptr)(unsafe.Pointer(&mt.hasher))
		equal := *(*func(unsafe.Pointer, unsafe.Pointer) bool)(unsafe.Pointer(&mt.key.equal))
		kt := k.mapType.Key()
		ktw := typeWord(kt)
		out = append(out, fmt.Sprintf("mtype %s %d %d %d %d %s %d %d %d %d %s %d\n", k.spell,
			mt.keysize, mt.elemsize, mt.bucketsize, mt.flags, genName(funcName(mt.hasher)),
			mt.key.size, mt.key.align, mt.key.ptrdata, mt.key.kind&31, genName(funcName(mt.key.equal)),
			mt.bucket.ptrdata)...)
		wide := &valGen{rng: &rng}
		for i := 0; i < 24; i++ {
			v := wide.value(kt)
			p := newValue(kt, v)
			for _, seed := range seeds {
				emitLine("gen", k.spell, seed, v, result(func() string {
					return strconv.FormatUint(uint64(hasher(p, seed)), 16)
				}))
				emitLine("typ", k.spell, seed, v, result(func() string {
					return strconv.FormatUint(uint64(typehash(ktw, p, seed)), 16)
				}))
			}
		}
		small := &valGen{rng: &rng, small: true, nan: true}
		for i := 0; i < 40; i++ {
			a, b := small.value(kt), small.value(kt)
			if i%4 == 0 {
				b = a
			}
			pa, pb := newValue(kt, a), newValue(kt, b)
			r := result(func() string { return strconv.FormatBool(equal(pa, pb)) })
			out = append(out, fmt.Sprintf("eq %s %s %s %s\n", k.spell, a, b, r)...)
		}
	}
}

// genName shortens a generated function's name to its prefix, type..hash. or type..eq.
// (which Go 1.21 on spells type:.hash. and type:.eq.): the rest is Go's spelling of the
// type, with spaces. Go 1.27 names the function by the type's signature instead
// (type:.hash.M1K7M8, its loops shown as [...]), which is kept whole.
func genName(n string) string {
	for _, p := range []string{"type..hash.", "type..eq.", "type:.hash.", "type:.eq."} {
		if strings.HasPrefix(n, p) {
			if rest := n[len(p):]; rest != "" && strings.Trim(rest, "MKFGSIEA0123456789[].") == "" {
				return n
			}
			return strings.Replace(p, ":", ".", 1)
		}
	}
	return n
}

func emitLine(fn, typ string, seed uintptr, v, r string) {
	out = append(out, fmt.Sprintf("%s %s %x %s %s\n", fn, typ, seed, v, r)...)
}
