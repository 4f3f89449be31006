//go:build ignore

// gen.go writes types_gen.go, the list of map types whose compiler-made maptype the
// program prints, and composite_gen.go, the composite key types (spelled as in gomap's
// src/maptype/spell.rs) whose hash and equal functions the program runs. Run with
// `go run gen.go` in this directory after changing it.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// compositeKeys are the key types of the composite vectors: every AlgType class, padded
// and blank fields, memory runs, nesting, arrays of special elements, interfaces.
var compositeKeys = []string{
	"struct{i64,i64}", "struct{i32,i32}", "struct{i8,i64}", "struct{i64,i8}",
	"struct{u8,u8,u8}", "struct{i8,i16,i32,i64}", "struct{i32,_:i32,i64}", "struct{_:i64}",
	"struct{}", "struct{i32,struct{}}", "struct{str}", "struct{f64}", "struct{i64,str}",
	"struct{str,i64,_:i32,f64}", "struct{f32,f32,f32}", "struct{c64,c128}",
	"struct{bool,f32,i16,f64,str}", "struct{i64,struct{i32,f64},[2]str}",
	"struct{struct{i8,i64},[3]i16}", "struct{any,i64}", "struct{i8,any,_:any,str}",
	"struct{u16,u16}", "struct{i16,i8}", "struct{uptr,int,uint}",
	"[4]str", "[3]f64", "[1]str", "[1]f64", "[0]str", "[5]i16", "[2]struct{i8,i64}",
	"[3]struct{str,f32}", "[2][2]str", "[2]any", "[2]c64", "[16]u8", "[7]u8", "[2]f32",
	"struct{u8}", "struct{u8,u8}", "struct{f32}", "[1]c64",
	"[20]str", "[9]f64", "[33]u8", "[130]u8", "struct{[17]u8,str,[3]any}", "[2]struct{i64,str,_:i8}",
	"struct{i64,[18]str}", "[3][2]struct{f32,i8}",
	"struct{i8,[100]u8,str}", "struct{str,[40]u8,i64,str}", "struct{[200]u8,f64}", "struct{u16,[13]u8,f32}",
	"any", "iface", "f64", "str", "c128", "i64",
}

// dynTypes are the dynamic types interface values take (comparable or not).
var dynTypes = []string{
	"i64", "i32", "u8", "str", "f64", "f32", "c128", "bool", "struct{i64,i64}",
	"struct{i8,i64}", "struct{str,i64,_:i32,f64}", "[2]str", "[3]f64", "struct{}",
	"struct{f64}", "[1]str", "[]i64", "struct{i64,[]i64}", "[2]struct{i8,i64}",
}

// goType is the Go spelling of a type spelling.
func goType(s string) string {
	t, rest := goTypeAt(s)
	if rest != "" {
		panic("trailing " + rest + " in " + s)
	}
	return t
}

func goTypeAt(s string) (string, string) {
	switch {
	case strings.HasPrefix(s, "[]"):
		t, r := goTypeAt(s[2:])
		return "[]" + t, r
	case strings.HasPrefix(s, "["):
		i := strings.IndexByte(s, ']')
		t, r := goTypeAt(s[i+1:])
		return s[:i+1] + t, r
	case strings.HasPrefix(s, "struct{"):
		s = s[len("struct{"):]
		var fs []string
		for !strings.HasPrefix(s, "}") {
			name := "F" + strconv.Itoa(len(fs))
			if strings.HasPrefix(s, "_:") {
				name, s = "_", s[2:]
			}
			var t string
			t, s = goTypeAt(s)
			fs = append(fs, name+" "+t)
			s = strings.TrimPrefix(s, ",")
		}
		return "struct{" + strings.Join(fs, "; ") + "}", s[1:]
	}
	i := strings.IndexAny(s, ",}]")
	if i < 0 {
		i = len(s)
	}
	w, r := s[:i], s[i:]
	m := map[string]string{"bool": "bool", "i8": "int8", "i16": "int16", "i32": "int32",
		"i64": "int64", "int": "int", "u8": "uint8", "u16": "uint16", "u32": "uint32",
		"u64": "uint64", "uint": "uint", "uptr": "uintptr", "f32": "float32", "f64": "float64",
		"c64": "complex64", "c128": "complex128", "str": "string", "any": "interface{}",
		"iface": "interface{ M() }"}
	if g, ok := m[w]; ok {
		return g, r
	}
	if strings.HasPrefix(w, "main.") {
		return w[5:], r
	}
	panic("unknown type " + w)
}

// randomKeys adds n random nested key shapes (seeded: the same every run) to the fixed
// ones: structs of up to 6 fields (some blank), arrays of 0 to 5 (or 17) elements,
// scalars of every kind, strings and interfaces, nested up to 3 deep.
func randomKeys(n int) []string {
	rng := uint64(0x7368617065) // "shape", through splitmix64
	next := func() uint64 {
		rng += 0x9e3779b97f4a7c15
		z := rng
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	pick := func(k int) int { return int(next() % uint64(k)) }
	scalars := []string{"i8", "i16", "i32", "i64", "u8", "u16", "uptr", "bool", "f32", "f64", "c64", "c128", "str"}
	var gen func(depth int) string
	gen = func(depth int) string {
		r := pick(10)
		switch {
		case depth >= 3 || r < 4:
			return scalars[pick(len(scalars))]
		case r < 5:
			return "any"
		case r < 7:
			l := pick(6)
			if pick(8) == 0 {
				l = 17
			}
			return "[" + strconv.Itoa(l) + "]" + gen(depth+1)
		}
		var fs []string
		for i, nf := 0, pick(7); i < nf; i++ {
			f := gen(depth + 1)
			if pick(7) == 0 {
				f = "_:" + f
			}
			fs = append(fs, f)
		}
		return "struct{" + strings.Join(fs, ",") + "}"
	}
	seen := map[string]bool{}
	for _, k := range compositeKeys {
		seen[k] = true
	}
	var out []string
	for len(out) < n {
		k := gen(0)
		if !seen[k] && (strings.HasPrefix(k, "struct") || strings.HasPrefix(k, "[")) {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func compositeGen() {
	compositeKeys = append(compositeKeys, randomKeys(100)...)
	var b bytes.Buffer
	b.WriteString("// Code generated by gen.go; DO NOT EDIT.\n\npackage main\n\nimport \"reflect\"\n\n")
	b.WriteString("// compositeKeys: key type spelling and its map[K]struct{} type.\n")
	b.WriteString("var compositeKeys = []compositeKey{\n")
	for _, k := range compositeKeys {
		fmt.Fprintf(&b, "\t{%q, reflect.TypeOf(map[%s]struct{}(nil))},\n", k, goType(k))
	}
	b.WriteString("}\n\n// dynTypes: the dynamic types of interface values, by spelling (a slice, not a\n")
	b.WriteString("// map: maps made before the key state changes cannot be read after it).\n")
	b.WriteString("var dynTypes = []dynType{\n")
	seen := map[string]bool{}
	for _, t := range append(append([]string{}, dynTypes...), compositeKeys...) {
		if seen[t] || t == "any" || t == "iface" {
			continue
		}
		seen[t] = true
		fmt.Fprintf(&b, "\t{%q, reflect.TypeOf((*%s)(nil)).Elem()},\n", t, goType(t))
	}
	for _, n := range []string{"main.MInt", "main.MStr", "main.MPt", "main.MSl"} {
		fmt.Fprintf(&b, "\t{%q, reflect.TypeOf((*%s)(nil)).Elem()},\n", n, n[5:])
	}
	b.WriteString("}\n\n// anyDyn: the dynamic types an interface {} value takes.\nvar anyDyn = []string{\n")
	for _, t := range dynTypes {
		fmt.Fprintf(&b, "\t%q,\n", t)
	}
	b.WriteString("\t\"main.MInt\",\n\t\"main.MPt\",\n}\n")
	if err := os.WriteFile("composite_gen.go", b.Bytes(), 0o644); err != nil {
		panic(err)
	}
}

func main() {
	compositeGen()
	var b bytes.Buffer
	b.WriteString("// Code generated by gen.go; DO NOT EDIT.\n\npackage main\n\n")
	b.WriteString("// mapTypes lists map types compiled by gc, named as the Rust test names them\n")
	b.WriteString("// (\"<key>:<elem>\", with bN for [N]byte and e for struct{}).\n")
	b.WriteString("var mapTypes = []func(){\n")
	scalars := [][2]string{{"i32", "int32"}, {"i64", "int64"}, {"f64", "float64"}, {"s", "string"}, {"e", "struct{}"}}
	var elems [][2]string
	elems = append(elems, scalars...)
	for n := 1; n <= 300; n++ {
		elems = append(elems, [2]string{fmt.Sprintf("b%d", n), fmt.Sprintf("[%d]byte", n)})
	}
	add := func(k, e [2]string) {
		fmt.Fprintf(&b, "\tfunc() { show[%s, %s](%q) },\n", k[1], e[1], k[0]+":"+e[0])
	}
	// Every key (scalars, struct{} and [1..300]byte) with struct{} elems; every elem with int64
	// keys; and [N]byte keys with [N]byte elems.
	for _, k := range elems {
		add(k, [2]string{"e", "struct{}"})
	}
	for _, e := range elems {
		if e[0] != "e" {
			add([2]string{"i64", "int64"}, e)
		}
	}
	for n := 1; n <= 300; n++ {
		x := [2]string{fmt.Sprintf("b%d", n), fmt.Sprintf("[%d]byte", n)}
		add(x, x)
	}
	for _, k := range scalars[:4] {
		for _, e := range scalars {
			add(k, e)
		}
	}
	b.WriteString("}\n")
	if err := os.WriteFile("types_gen.go", b.Bytes(), 0o644); err != nil {
		panic(err)
	}
}
