// Command strconv reads numbers the way the Go oracles read a trace's numbers and prints
// what Go's strconv made of each, for gomap's port (src/base/strconv.rs) to be compared
// with. Each input line is `FUNC BITS TEXT` (FUNC one of float, int, uint; TEXT the rest
// of the line); each output line is the result's bits in hex (floats: the IEEE bits of
// the float32 or float64; integers: the value as a uint64), or `syntax` or `range`.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.SplitN(in.Text(), " ", 3)
		bits, _ := strconv.Atoi(f[1])
		var v uint64
		var err error
		switch f[0] {
		case "float":
			var x float64
			x, err = strconv.ParseFloat(f[2], bits)
			if bits == 32 {
				v = uint64(math.Float32bits(float32(x)))
			} else {
				v = math.Float64bits(x)
			}
		case "int":
			var x int64
			x, err = strconv.ParseInt(f[2], 10, bits)
			v = uint64(x)
		case "uint":
			v, err = strconv.ParseUint(f[2], 10, bits)
		default:
			panic("bad func " + f[0])
		}
		switch {
		case errors.Is(err, strconv.ErrSyntax):
			fmt.Fprintln(out, "syntax")
		case errors.Is(err, strconv.ErrRange):
			fmt.Fprintln(out, "range")
		case err != nil:
			panic(err)
		default:
			fmt.Fprintf(out, "%x\n", v)
		}
	}
}
