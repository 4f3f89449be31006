package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	mrand "math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

// TestTestdata runs every testdata/*.trace and compares with the checked-in .out.
func TestTestdata(t *testing.T) {
	traces, _ := filepath.Glob("testdata/*.trace")
	if len(traces) == 0 {
		t.Fatal("no testdata/*.trace")
	}
	for _, tr := range traces {
		in, err := os.ReadFile(tr)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(tr, ".trace") + ".out")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		o := newOracle(&out)
		if err := o.run(bytes.NewReader(in)); err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		o.out.Flush()
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: output differs from the .out file", tr)
		}
	}
}

// TestMalformed checks that bad traces are refused with the line number.
func TestMalformed(t *testing.T) {
	key := "aeskey " + strings.Repeat("00", 128)
	for _, c := range []struct{ trace, err string }{
		{"type i64 i64\n", "line 1: "},
		{"gomap-trace 1\n" + key + "\ntype i64 x\n", "line 3: an elem kind"},
		{"gomap-trace 1\n" + key + "\ntype e0 i64\n", "line 3: a key kind"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nmake 0 1234567\n", "line 4: SEED"},
		{"gomap-trace 1\ntype i64 i64\nmake 0 12345678\n", "line 3: aeskey before make"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nput 1 1\n", "line 4: make before put"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nmake 0 12345678\nput 1  1\n", "line 5: fields"},
		{"gomap-trace 1\n" + key + "\ntype i32 i64\nmake 0 12345678\nput 2147483648 1\n", "line 5: key a decimal int32"},
		{"gomap-trace 1\n" + key + "\ntype b2 i64\nmake 0 12345678\nput 0a 1\n", "line 5: key 4 hex digits"},
		{"gomap-trace 1\n" + key + "\ntype f64 i64\nmake 0 12345678\nput NaN 1\n", "line 5: key a float64"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nmake 0 12345678\nput 1 1\nseed 00000000\n", "line 6: seed only on an empty map"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nmake 0 12345678\nput 1 1\ndel 1\nput 2 2\n", "line 7: seed SEED: del on line 6"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nmake 0 12345678\nnext a 1\n", "line 5: an iterator"},
		{"gomap-trace 1\n" + key + "\ntype i64 i64\nmake 0 12345678\niter a 1\nmake 0 12345678\nnext a 1\n", "line 7: an iterator"},
	} {
		var out bytes.Buffer
		o := newOracle(&out)
		err := o.run(strings.NewReader(c.trace))
		if err == nil || !strings.HasPrefix(err.Error(), c.err) {
			t.Errorf("trace %q: got error %v, want prefix %q", c.trace, err, c.err)
		}
	}
}

// Compiled map types for [N]uint8 keys, for which the oracle uses reflect. The
// compiler sends map[[4]uint8]E to the fast32 functions and map[[8]uint8]E to the
// fast64 ones (walk.mapfast: AlgType AMEM32/AMEM64), reflect sends them to the generic
// mapassign/mapdelete/mapaccess; map[string][8]uint8 goes to faststr both ways and
// map[string][129]uint8 to the generic functions both ways.
type cm_b4_b8 struct{ m map[[4]uint8][8]uint8 }
type cm_b8_i64 struct{ m map[[8]uint8]int64 }
type cm_b8_e0 struct{ m map[[8]uint8]struct{} }
type cm_str_b8 struct{ m map[string][8]uint8 }
type cm_str_b129 struct{ m map[string][129]uint8 }

func b4(b []byte) (a [4]uint8)     { copy(a[:], b); return }
func b8(b []byte) (a [8]uint8)     { copy(a[:], b); return }
func b129(b []byte) (a [129]uint8) { copy(a[:], b); return }

func (x *cm_b4_b8) make(hint int)               { x.m = make(map[[4]uint8][8]uint8, hint) }
func (x *cm_b4_b8) put(k, e []byte)             { x.m[b4(k)] = b8(e) }
func (x *cm_b4_b8) del(k []byte)                { delete(x.m, b4(k)) }
func (x *cm_b4_b8) get(k []byte) ([]byte, bool) { e, ok := x.m[b4(k)]; return e[:], ok }
func (x *cm_b4_b8) length() int                 { return len(x.m) }
func (x *cm_b4_b8) hmap() *hmap                 { return *(**hmap)(unsafe.Pointer(&x.m)) }
func (x *cm_b4_b8) maptype() *maptype           { return maptypeOf(x.m) }
func (x *cm_b4_b8) iface() any                  { return x.m }

func (x *cm_b8_i64) make(hint int)               { x.m = make(map[[8]uint8]int64, hint) }
func (x *cm_b8_i64) put(k, e []byte)             { x.m[b8(k)] = to_i64(e) }
func (x *cm_b8_i64) del(k []byte)                { delete(x.m, b8(k)) }
func (x *cm_b8_i64) get(k []byte) ([]byte, bool) { e, ok := x.m[b8(k)]; return from_i64(e), ok }
func (x *cm_b8_i64) length() int                 { return len(x.m) }
func (x *cm_b8_i64) hmap() *hmap                 { return *(**hmap)(unsafe.Pointer(&x.m)) }
func (x *cm_b8_i64) maptype() *maptype           { return maptypeOf(x.m) }
func (x *cm_b8_i64) iface() any                  { return x.m }

func (x *cm_b8_e0) make(hint int)               { x.m = make(map[[8]uint8]struct{}, hint) }
func (x *cm_b8_e0) put(k, e []byte)             { x.m[b8(k)] = struct{}{} }
func (x *cm_b8_e0) del(k []byte)                { delete(x.m, b8(k)) }
func (x *cm_b8_e0) get(k []byte) ([]byte, bool) { _, ok := x.m[b8(k)]; return nil, ok }
func (x *cm_b8_e0) length() int                 { return len(x.m) }
func (x *cm_b8_e0) hmap() *hmap                 { return *(**hmap)(unsafe.Pointer(&x.m)) }
func (x *cm_b8_e0) maptype() *maptype           { return maptypeOf(x.m) }
func (x *cm_b8_e0) iface() any                  { return x.m }

func (x *cm_str_b8) make(hint int)               { x.m = make(map[string][8]uint8, hint) }
func (x *cm_str_b8) put(k, e []byte)             { x.m[string(k)] = b8(e) }
func (x *cm_str_b8) del(k []byte)                { delete(x.m, string(k)) }
func (x *cm_str_b8) get(k []byte) ([]byte, bool) { e, ok := x.m[string(k)]; return e[:], ok }
func (x *cm_str_b8) length() int                 { return len(x.m) }
func (x *cm_str_b8) hmap() *hmap                 { return *(**hmap)(unsafe.Pointer(&x.m)) }
func (x *cm_str_b8) maptype() *maptype           { return maptypeOf(x.m) }
func (x *cm_str_b8) iface() any                  { return x.m }

func (x *cm_str_b129) make(hint int)               { x.m = make(map[string][129]uint8, hint) }
func (x *cm_str_b129) put(k, e []byte)             { x.m[string(k)] = b129(e) }
func (x *cm_str_b129) del(k []byte)                { delete(x.m, string(k)) }
func (x *cm_str_b129) get(k []byte) ([]byte, bool) { e, ok := x.m[string(k)]; return e[:], ok }
func (x *cm_str_b129) length() int                 { return len(x.m) }
func (x *cm_str_b129) hmap() *hmap                 { return *(**hmap)(unsafe.Pointer(&x.m)) }
func (x *cm_str_b129) maptype() *maptype           { return maptypeOf(x.m) }
func (x *cm_str_b129) iface() any                  { return x.m }

func compiledForTest(k, e kind) mapOps {
	switch k.name + " " + e.name {
	case "b4 b8":
		return &cm_b4_b8{}
	case "b8 i64":
		return &cm_b8_i64{}
	case "b8 e0":
		return &cm_b8_e0{}
	case "str b8":
		return &cm_str_b8{}
	case "str b129":
		return &cm_str_b129{}
	}
	panic("no compiled test map for " + k.name + " " + e.name)
}

// randomTrace writes a trace of puts, dels, gets, iterators, clears and dumps over a
// small key pool, so keys are deleted and re-inserted and the map grows to B=5.
func randomTrace(seed int64, k, e kind) string {
	rnd := mrand.New(mrand.NewSource(seed))
	var b strings.Builder
	key := make([]byte, 128)
	rnd.Read(key)
	fmt.Fprintf(&b, "gomap-trace 1\naeskey %x\ntype %s %s\nmake %d %08x\n", key, k.name, e.name, rnd.Intn(20), rnd.Uint32())
	size := func(k kind) int {
		if k.isStr() {
			return rnd.Intn(40)
		}
		return k.n
	}
	spell := func(x []byte, str bool) string {
		if len(x) == 0 && (str || e.name == "e0") {
			return "-"
		}
		return hex.EncodeToString(x)
	}
	var pool []string
	for i := 0; i < 300; i++ {
		x := make([]byte, size(k))
		rnd.Read(x)
		pool = append(pool, spell(x, k.isStr()))
	}
	count := map[string]bool{}
	started := map[int]bool{}
	for step := 0; step < 3000; step++ {
		kk := pool[rnd.Intn(len(pool))]
		switch r := rnd.Intn(100); {
		case r < 55:
			v := make([]byte, e.n)
			rnd.Read(v)
			ev := spell(v, false)
			if e.name == "i64" {
				ev = fmt.Sprint(int64(rnd.Uint64()))
			}
			fmt.Fprintf(&b, "put %s %s\n", kk, ev)
			count[kk] = true
		case r < 85:
			fmt.Fprintf(&b, "del %s\n", kk)
			if count[kk] {
				delete(count, kk)
				if len(count) == 0 {
					fmt.Fprintf(&b, "seed %08x\n", rnd.Uint32())
				}
			}
		case r < 90:
			fmt.Fprintf(&b, "get %s\n", kk)
		case r < 94:
			id := rnd.Intn(3)
			fmt.Fprintf(&b, "iter i%d %d\n", id, rnd.Uint64())
			started[id] = true
		case r < 98:
			if id := rnd.Intn(3); started[id] {
				fmt.Fprintf(&b, "next i%d %d\n", id, rnd.Intn(10))
			}
		case r < 99:
			b.WriteString("dump\n")
		default:
			if rnd.Intn(10) == 0 {
				fmt.Fprintf(&b, "clear %08x\n", rnd.Uint32())
				count = map[string]bool{}
			}
		}
	}
	b.WriteString("dump\n")
	return b.String()
}

// TestReflectMatchesCompiled runs random traces on the reflect maps the oracle uses
// for [N]uint8 kinds and on compiled map types of the same Go type, and requires the
// same output: the generic mapassign/mapdelete leave the same bytes as the fast32/
// fast64 functions the compiler picks.
func TestReflectMatchesCompiled(t *testing.T) {
	for _, c := range [][2]string{{"b4", "b8"}, {"b8", "i64"}, {"b8", "e0"}, {"str", "b8"}, {"str", "b129"}} {
		k, _ := parseKind(c[0], true)
		e, _ := parseKind(c[1], false)
		if e.name == "i64" {
			e.n = 8
		}
		for seed := int64(1); seed <= 4; seed++ {
			trace := randomTrace(seed, k, e)
			var viaReflect, viaCompiled bytes.Buffer
			o := newOracle(&viaReflect)
			if err := o.run(strings.NewReader(trace)); err != nil {
				t.Fatalf("%v seed %d: reflect: %v", c, seed, err)
			}
			o.out.Flush()
			if _, ok := o.m.(*reflectMap); !ok && k.isBytes() {
				t.Fatalf("%v: oracle did not use reflect", c)
			}
			o = newOracle(&viaCompiled)
			o.newMap = compiledForTest
			if err := o.run(strings.NewReader(trace)); err != nil {
				t.Fatalf("%v seed %d: compiled: %v", c, seed, err)
			}
			o.out.Flush()
			if !bytes.Equal(viaReflect.Bytes(), viaCompiled.Bytes()) {
				a, b := strings.Split(viaReflect.String(), "\n"), strings.Split(viaCompiled.String(), "\n")
				for i := range a {
					if i >= len(b) || a[i] != b[i] {
						t.Fatalf("%v seed %d: line %d differs:\nreflect:  %s\ncompiled: %s", c, seed, i+1, a[i], b[min(i, len(b)-1)])
					}
				}
				t.Fatalf("%v seed %d: outputs differ in length", c, seed)
			}
			if !strings.Contains(viaReflect.String(), " B=5 ") && !strings.Contains(viaReflect.String(), " B=4 ") {
				t.Errorf("%v seed %d: the trace never grew to B>=4", c, seed)
			}
		}
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
