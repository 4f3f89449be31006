// Command gomapbench runs one map workload on Go's own map and prints its result, for
// the side-by-side comparison of gomap (see examples/bench_driver.rs, which runs this
// program, gomap and hashbrown on identical key sequences and prints one table).
//
// Usage: gomapbench WORKLOAD N
//
// Output: one line per metric,
//
//	RESULT <workload> <n> <metric> <value> <unit> <fingerprint>
//
// The keys are the splitmix64 sequence from a fixed seed, exactly as the Rust driver
// generates them; the fingerprint (a wrapping sum over the map's contents or the lookup
// results) must agree with the Rust driver's, which checks that all three maps did the
// same work. Standard library only; built with Go 1.19.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// Seeds of the key streams: the present keys and the absent (miss) keys.
const (
	seedKeys = 0x676f6d6170 // "gomap"
	seedMiss = 0x6d697373   // "miss"
)

// splitmix64 is Steele, Lea and Flood's generator; next returns the following value.
type splitmix64 struct{ s uint64 }

func (g *splitmix64) next() uint64 {
	g.s += 0x9E3779B97F4A7C15
	z := g.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func keys(seed uint64, n int) []int64 {
	g := splitmix64{seed}
	k := make([]int64, n)
	for i := range k {
		k[i] = int64(g.next())
	}
	return k
}

// strKeys are the 16-byte keys: the 16 lowercase hex digits of each splitmix64 value.
func strKeys(seed uint64, n int) []string {
	g := splitmix64{seed}
	k := make([]string, n)
	for i := range k {
		k[i] = fmt.Sprintf("%016x", g.next())
	}
	return k
}

// reps is the number of timed repetitions for n keys: about 2 million operations in
// all, at least 3 and at most 2000. The median repetition is reported.
func reps(n int) int {
	r := 2000000 / n
	if r < 3 {
		r = 3
	}
	if r > 2000 {
		r = 2000
	}
	return r
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func result(w string, n int, metric string, v float64, unit string, fp uint64) {
	fmt.Printf("RESULT %s %d %s %.3f %s %d\n", w, n, metric, v, unit, fp)
}

func fill(k []int64) map[int64]int64 {
	m := make(map[int64]int64)
	for i, x := range k {
		m[x] = int64(i)
	}
	return m
}

// sum is the order-independent fingerprint of a map's contents.
func sum(m map[int64]int64) uint64 {
	s := uint64(len(m))
	for k, v := range m {
		s += uint64(k)*3 + uint64(v)
	}
	return s
}

// sink keeps results alive so the compiler cannot drop the loops.
var sink uint64

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gomapbench WORKLOAD N")
		os.Exit(2)
	}
	w := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "bad N:", os.Args[2])
		os.Exit(2)
	}
	switch w {
	case "insert", "insert_hint":
		k := keys(seedKeys, n)
		r := reps(n)
		t := make([]float64, r)
		var m map[int64]int64
		for j := 0; j < r; j++ {
			m = nil
			runtime.GC()
			t0 := time.Now()
			if w == "insert" {
				m = make(map[int64]int64)
			} else {
				m = make(map[int64]int64, n)
			}
			for i, x := range k {
				m[x] = int64(i)
			}
			t[j] = float64(time.Since(t0).Nanoseconds()) / float64(n)
		}
		result(w, n, "time", median(t), "ns/op", sum(m))
	case "insert_churn":
		// Maps built and dropped over and over: the collector is never forced, so it
		// runs (and reuses the dropped maps' memory) inside the timing, as it would in a
		// program. Only the fingerprint is taken with the clock stopped.
		k := keys(seedKeys, n)
		r := reps(n)
		t := make([]float64, r)
		var fp uint64
		runtime.GC()
		for j := 0; j < r; j++ {
			t0 := time.Now()
			m := make(map[int64]int64)
			for i, x := range k {
				m[x] = int64(i)
			}
			built := time.Since(t0)
			fp = sum(m)
			t1 := time.Now()
			m = nil
			_ = m
			t[j] = float64((built + time.Since(t1)).Nanoseconds()) / float64(n)
		}
		result(w, n, "time", median(t), "ns/op", fp)
	case "lookup_hit", "lookup_miss":
		k := keys(seedKeys, n)
		m := fill(k)
		q := k
		if w == "lookup_miss" {
			q = keys(seedMiss, n)
		}
		r := reps(n)
		t := make([]float64, r)
		var fp uint64
		for j := 0; j < r; j++ {
			runtime.GC()
			var s, found uint64
			t0 := time.Now()
			for _, x := range q {
				v, ok := m[x]
				if ok {
					found++
				}
				s += uint64(v)
			}
			t[j] = float64(time.Since(t0).Nanoseconds()) / float64(n)
			fp = s + found
		}
		result(w, n, "time", median(t), "ns/op", fp)
	case "delete":
		k := keys(seedKeys, n)
		r := reps(n)
		t := make([]float64, r)
		var fp uint64
		for j := 0; j < r; j++ {
			m := fill(k)
			before := uint64(len(m))
			runtime.GC()
			t0 := time.Now()
			for _, x := range k {
				delete(m, x)
			}
			t[j] = float64(time.Since(t0).Nanoseconds()) / float64(n)
			fp = before*1000003 + sum(m)
		}
		result(w, n, "time", median(t), "ns/op", fp)
	case "iterate":
		k := keys(seedKeys, n)
		m := fill(k)
		r := reps(n)
		t := make([]float64, r)
		var fp uint64
		for j := 0; j < r; j++ {
			runtime.GC()
			var s uint64
			t0 := time.Now()
			for k, v := range m {
				s += uint64(k)*3 + uint64(v)
			}
			t[j] = float64(time.Since(t0).Nanoseconds()) / float64(n)
			fp = s + uint64(len(m))
		}
		result(w, n, "time", median(t), "ns/entry", fp)
	case "insert_str", "lookup_str":
		k := strKeys(seedKeys, n)
		r := reps(n)
		t := make([]float64, r)
		var fp uint64
		var m map[string]int64
		if w == "lookup_str" {
			m = make(map[string]int64)
			for i, x := range k {
				m[x] = int64(i)
			}
		}
		for j := 0; j < r; j++ {
			runtime.GC()
			if w == "insert_str" {
				m = nil
				runtime.GC()
				t0 := time.Now()
				m = make(map[string]int64)
				for i, x := range k {
					m[x] = int64(i)
				}
				t[j] = float64(time.Since(t0).Nanoseconds()) / float64(n)
				s := uint64(len(m))
				for _, v := range m {
					s += uint64(v)
				}
				fp = s
			} else {
				var s uint64
				t0 := time.Now()
				for _, x := range k {
					s += uint64(m[x])
				}
				t[j] = float64(time.Since(t0).Nanoseconds()) / float64(n)
				fp = s
			}
		}
		result(w, n, "time", median(t), "ns/op", fp)
	case "grow_latency", "grow_latency_cpu":
		// Every insert timed on its own while the map grows from empty to n entries: in
		// wall-clock time, or in the thread's CPU time (which leaves out the time the
		// thread waited for a CPU on a busy machine, but keeps page faults and syscalls).
		now := func() int64 { return time.Now().UnixNano() }
		if w == "grow_latency_cpu" {
			runtime.LockOSThread()
			var ts syscall.Timespec
			now = func() int64 {
				const clockThreadCPUTimeID = 3
				syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
				return ts.Nano()
			}
		}
		lat := make([]uint32, n)
		g := splitmix64{seedKeys}
		m := make(map[int64]int64)
		runtime.GC()
		for i := 0; i < n; i++ {
			x := int64(g.next())
			t0 := now()
			m[x] = int64(i)
			d := now() - t0
			if d > 1<<32-1 {
				d = 1<<32 - 1
			}
			lat[i] = uint32(d)
		}
		fp := sum(m)
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		result(w, n, "max", float64(lat[n-1])/1000, "us", fp)
		result(w, n, "p99.99", float64(lat[n-n/10000-1])/1000, "us", fp)
	case "clock_floor":
		// The timing loop of grow_latency_cpu around the key generation alone, no map: what
		// the machine itself adds to single measurements in the thread's CPU time.
		runtime.LockOSThread()
		var ts syscall.Timespec
		now := func() int64 {
			const clockThreadCPUTimeID = 3
			syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
			return ts.Nano()
		}
		lat := make([]uint32, n)
		g := splitmix64{seedKeys}
		var s uint64
		runtime.GC()
		for i := 0; i < n; i++ {
			t0 := now()
			s += g.next()
			d := now() - t0
			if d > 1<<32-1 {
				d = 1<<32 - 1
			}
			lat[i] = uint32(d)
		}
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		result(w, n, "max", float64(lat[n-1])/1000, "us", s)
		result(w, n, "p99.99", float64(lat[n-n/10000-1])/1000, "us", s)
	case "peak_rss":
		// A fresh process fills a map[int64]int64 with n entries; keys are generated on the
		// fly so that only the map (and the runtime) counts.
		g := splitmix64{seedKeys}
		m := make(map[int64]int64)
		for i := 0; i < n; i++ {
			m[int64(g.next())] = int64(i)
		}
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			panic(err)
		}
		result(w, n, "rss", float64(ru.Maxrss)/1024, "MiB", sum(m))
	default:
		fmt.Fprintln(os.Stderr, "unknown workload:", w)
		os.Exit(2)
	}
}
