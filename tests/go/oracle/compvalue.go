package main

// Composite key values shared by the classic and Swiss oracles: the kinds' spellings,
// values written from their spelling into memory, slots spelled structurally, Go's
// runtime panics turned into their message. The Swiss oracle's compvalue_gen.go is a
// copy of this file written by gen_composite.go (edit this one, then run
// `go run gen_composite.go`).
//
// Values live in untyped buffers ([]uint64) that may hold the only pointers to strings
// and interface data, so the oracles run with the collector off once a composite map is
// made (traces are short).

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"unsafe"
)

// mapCore is what both oracles do with a compiled map (their mapOps add the ways to its
// runtime pointers). Keys and elements travel as their raw bytes (little-endian for
// numbers, the contents for strings, nothing for struct{}).
type mapCore interface {
	make(hint int)
	put(k, e []byte)
	del(k []byte)
	get(k []byte) ([]byte, bool)
	length() int
	iface() any // the map itself, for maps.Clone
}

// The elem kinds' conversions between raw bytes (little-endian) and Go values, for the
// compiled maps (compiled_gen.go, composite_gen.go).
func to_i32(b []byte) int32     { return int32(binary.LittleEndian.Uint32(b)) }
func to_i64(b []byte) int64     { return int64(binary.LittleEndian.Uint64(b)) }
func to_e0(b []byte) struct{}   { return struct{}{} }
func from_i32(v int32) []byte   { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func from_i64(v int64) []byte   { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func from_e0(v struct{}) []byte { return nil }

// compType is a composite kind or a dynamic type: its spelling, Go type, and for key
// kinds a constructor of the compiled map[K]E for an elem kind (nil for another).
type compType struct {
	spell  string
	t      reflect.Type
	newMap func(elem string) mapOps
}

// compOf finds a spelling (linear: no Go map may be read after the aeskey changes, as
// maps made before hash with the old key).
func compOf(s string) *compType {
	for i := range compTypes {
		if compTypes[i].spell == s {
			return &compTypes[i]
		}
	}
	return nil
}

func spellOfType(t reflect.Type) string {
	for i := range compTypes {
		if compTypes[i].t == t {
			return compTypes[i].spell
		}
	}
	switch t.Kind() {
	case reflect.Int64:
		return "i64"
	case reflect.String:
		return "str"
	}
	panic("no spelling for " + t.String())
}

// noGC turns the collector off for good (see the file comment).
func noGC() { debug.SetGCPercent(-1) }

// parseComp writes the value spelled s of type t into a fresh zeroed image; "" or what
// was expected.
func parseComp(t reflect.Type, s string) (img []byte, bad string) {
	defer func() {
		if e := recover(); e != nil {
			img, bad = nil, "a value of "+spellOfType(t)+" ("+fmt.Sprint(e)+")"
		}
	}()
	buf := make([]uint64, t.Size()/8+1)
	p := unsafe.Pointer(&buf[0])
	c := &cursor{s: s}
	writeComp(t, p, c)
	if c.i != len(s) {
		panic("trailing text")
	}
	return unsafe.Slice((*byte)(p), t.Size()), ""
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
		panic(fmt.Sprintf("expected %q at %d", lit, c.i))
	}
	c.i += len(lit)
}

// typeSpell reads a type spelling: up to the ':' that ends it at bracket depth 0.
func (c *cursor) typeSpell() string {
	depth := 0
	for j := c.i; j < len(c.s); j++ {
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
	panic("no type")
}

func writeComp(t reflect.Type, p unsafe.Pointer, c *cursor) {
	switch t.Kind() {
	case reflect.Bool:
		switch c.word() {
		case "true":
			*(*bool)(p) = true
		case "false":
		default:
			panic("bad bool")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v, err := strconv.ParseInt(c.word(), 10, int(8*t.Size()))
		if err != nil {
			panic(err)
		}
		copy(unsafe.Slice((*byte)(p), t.Size()), (*[8]byte)(unsafe.Pointer(&v))[:t.Size()])
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v, err := strconv.ParseUint(c.word(), 10, int(8*t.Size()))
		if err != nil {
			panic(err)
		}
		copy(unsafe.Slice((*byte)(p), t.Size()), (*[8]byte)(unsafe.Pointer(&v))[:t.Size()])
	case reflect.Float32:
		*(*float32)(p) = float32(parseFloat(c.word(), 32))
	case reflect.Float64:
		*(*float64)(p) = parseFloat(c.word(), 64)
	case reflect.Complex64, reflect.Complex128:
		bits := 32
		if t.Kind() == reflect.Complex128 {
			bits = 64
		}
		c.expect("(")
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
			writeComp(t.Elem(), unsafe.Add(p, uintptr(i)*t.Elem().Size()), c)
		}
		c.expect("]")
	case reflect.Struct:
		c.expect("{")
		for i := 0; i < t.NumField(); i++ {
			if i > 0 {
				c.expect(",")
			}
			f := t.Field(i)
			writeComp(f.Type, unsafe.Add(p, f.Offset), c)
		}
		c.expect("}")
	case reflect.Slice:
		c.expect("-")
	case reflect.Interface:
		if strings.HasPrefix(c.s[c.i:], "nil") {
			c.i += 3
			return
		}
		d := compOf(c.typeSpell())
		if d == nil {
			panic("unknown dynamic type")
		}
		c.expect(":")
		q := reflect.New(d.t)
		writeComp(d.t, q.UnsafePointer(), c)
		reflect.NewAt(t, p).Elem().Set(q.Elem())
	default:
		panic("unsupported kind " + t.String())
	}
}

// compositeNaN allows NaN inside composite values: set by the seeded-random mode, where
// Go's hash of a NaN draws from the seeded generator.
var compositeNaN bool

func parseFloat(w string, bits int) float64 {
	f, err := strconv.ParseFloat(w, bits)
	if err != nil || (f != f && !compositeNaN) {
		panic("a float (NaN only after rand)")
	}
	return f
}

// appendComp spells the value of type t at p as gomap's spell::format_slot does.
func appendComp(dst []byte, t reflect.Type, p unsafe.Pointer) []byte {
	switch t.Kind() {
	case reflect.String:
		return appendValue(dst, p, t.Size(), true)
	case reflect.Array:
		dst = append(dst, '[')
		for i := 0; i < t.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendComp(dst, t.Elem(), unsafe.Add(p, uintptr(i)*t.Elem().Size()))
		}
		return append(dst, ']')
	case reflect.Struct:
		dst = append(dst, '{')
		for i := 0; i < t.NumField(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			f := t.Field(i)
			dst = appendComp(dst, f.Type, unsafe.Add(p, f.Offset))
		}
		return append(dst, '}')
	case reflect.Interface:
		// The first word is the dynamic type (interface {}) or an itab naming it (other
		// interfaces): reflect reads either; the second word points at the value.
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			return append(dst, "nil"...)
		}
		dt := v.Elem().Type()
		dst = append(dst, spellOfType(dt)...)
		dst = append(dst, ':')
		return appendComp(dst, dt, (*[2]unsafe.Pointer)(p)[1])
	}
	return appendHexOrDash(dst, bytesAt(p, t.Size()))
}

// runOp runs a map operation, turning a Go runtime panic into its message.
func runOp(f func()) (msg string) {
	defer func() {
		if e := recover(); e != nil {
			msg = fmt.Sprint(e)
		}
	}()
	f()
	return ""
}
