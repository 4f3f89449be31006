#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (fuzz/corpus/<target>/). Deterministic:
re-running it rewrites the same files. The encodings are those of fuzz/src/*.rs."""
import os, random, struct, glob

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
rng = random.Random(6)

def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))

def ops_seeds(target, nlayouts):
    for L in range(nlayouts):
        # fill 64+64 keys (growth), look some up, delete a run, iterate, clear, refill
        a = [L, 0x00, 0x44, 0, 63, 0x44, 64, 63, 0x06, 0x42, 5, 0x42, 200, 0x45, 10, 20,
             0x43, 7, 0x06, 0x62, 5, 0x63, 9, 0xf7, 0x06, 0x40, 1, 0x41, 2, 0x06]
        put(target, "grow_%02d" % L, a)
        # small map, 16-key space, mixed paths (0x08), fresh string copies (0x20)
        b = [L, 0x45]
        for i in range(40):
            op = rng.choice([0x00, 0x01, 0x02, 0x03, 0x08, 0x0a, 0x0b, 0x21, 0x22, 0x23, 0x2a])
            b += [op, rng.randrange(256)]
        b += [0x06]
        put(target, "small_%02d" % L, b)
    # large keyspace with big hint, then churn to provoke same-size growth
    for L in range(min(nlayouts, 6)):
        c = [L, 0xc8]
        for s in range(0, 1200, 60):
            c += [0xc4, s & 0xff, s >> 8, 59]
        for s in range(0, 1200, 60):
            c += [0xc5, s & 0xff, s >> 8, 40]
        c += [0x06]
        put(target, "churn_%02d" % L, c)

ops_seeds("ops_generic", 16)
ops_seeds("ops_fast32", 8)
ops_seeds("ops_fast64", 8)
ops_seeds("ops_faststr", 7)

# iter_mutate: start iterators, advance them while growing, deleting, clearing
for L in range(7):
    r = struct.pack("<Q", rng.getrandbits(64))
    s = [L, 0x00, 0x46, 0, 60, 0x00] + list(r) + [0x01, 5, 0x46, 60, 63, 0x01, 15,
         0x08] + list(r) + [0x45, 3, 0x45, 70, 0x09, 15, 0x01, 15, 0x46, 0, 0x85,
         0x11, 15, 0x02, 15, 0x0a, 15, 0x01, 15, 0x01, 15]
    put("iter_mutate", "grow_%02d" % L, s)
    t = [L, 0x41, 0x46, 0, 30, 0x00] + list(r) + [0x01, 3, 0xc6, 0, 1, 63, 0x01, 2,
         0xf7, 0x01, 16, 0x46, 0, 20, 0x10] + list(r) + [0x12, 16, 0x17, 0x00] + list(r)
    put("iter_mutate", "clear_%02d" % L, t)
    u = [L, rng.randrange(256)] + [rng.randrange(256) for _ in range(120)]
    put("iter_mutate", "rand_%02d" % L, u)

# maptype: mostly well-formed descriptors (sizes from the table), plus noise
for i in range(24):
    key = [rng.randrange(128), rng.choice([0x00, 0x40]), rng.choice([0, 1, 2, 3]), rng.randrange(27), 1]
    elem = [rng.randrange(128), 0x00, rng.choice([0, 1, 2, 3]), rng.randrange(27), 1]
    mode = rng.choice([0x00, 0x02, 0x03, 0x22, 0x42, 0x62, 0x82])
    rest = [rng.randrange(13), rng.randrange(6)] + [rng.randrange(256) for _ in range(8)]
    ops = [rng.randrange(256) for _ in range(150)]
    put("maptype", "desc_%02d" % i, key + elem + [mode] + rest + ops)
put("maptype", "string_key", [8, 0, 3, 24, 1, 6, 0, 3, 6, 1, 0x02, 8, 5, 0] + [rng.randrange(256) for _ in range(200)])

# hash: every group, lengths around aeshash's size classes
for grp in range(5):
    for aes in (0, 1):
        if grp in (2, 3) and aes == 0:
            continue  # these do not depend on the algorithm
        for n in (0, 3, 15, 16, 17, 33, 65, 129):
            if grp in (1, 4) and n > 17:
                continue
            sel = (grp << 1) | aes
            data = [sel] + [rng.randrange(256) for _ in range(17)] + [rng.randrange(256) for _ in range(n)]
            put("hash", "g%d_a%d_%03d" % (grp, aes, n), data)

# replay: the oracle's small hand-written traces
here = os.path.dirname(os.path.abspath(__file__))
for p in sorted(glob.glob(os.path.join(here, "..", "tests", "go", "oracle", "testdata", "*.trace"))):
    data = open(p, "rb").read()
    if len(data) <= 8000:
        put("replay", os.path.basename(p), data)
put("replay", "errors.trace", b"gomap-trace 1\ntype i64 i64\nmake 5 0000abcd\nput 1 2\nnext x 3\niter a 7\nnext a 100\ndel 1\nput 2 3\n")
put("replay", "strings.trace", b"gomap-trace 1\ntype str b3\nmake 0 01020304\nput \"a\" 010203\nput \"\" 000000\nget \"a\"\ndel \"a\"\nseed 00000001\ndump\n")

# typed: the safe API; first byte picks the key type (0 String, 1 f64, 2 [u8; 3]; 3-5 the
# same with over-aligned, boxed values; 6-7 a go_struct! with a string and a float field,
# with either value),
# then a capacity flag, then (op, key byte, [args]) groups; ops as in fuzz/src/typed.rs.
for kt in range(8):
    for n in range(4):
        d = [kt, n & 1, 16 * n]
        for i in range(120):
            d += [rng.randrange(256) for _ in range(4)]
        put("typed", "mix_%d_%d" % (kt, n), d)
    # grow with inserts, then retain with a closure panicking part-way, then clear
    d = [kt, 0]
    for i in range(120):
        d += [0, i]
    d += [7, 0, 0x01, 30, 8, 0, 1, 9, 0, 5, 0x19, 3, 2, 4, 5, 6, 7]
    put("typed", "grow_retain_%d" % kt, d)
