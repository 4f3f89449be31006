#!/usr/bin/env python3
"""Writes the *.trace files of this directory (deterministic: fixed PRNG seeds).

Run from this directory: python3 gen_traces.py
Then regenerate the expected outputs with the oracle (see ../README.md).
"""
import random

KEY = bytes(range(128)).hex()  # runtime.aeskeysched = 00 01 .. 7f
KEY2 = bytes((i * 37 + 11) % 256 for i in range(128)).hex()


def example():
    """The example of the spec."""
    L = header("i64", "i64")
    L += ["put 1 10", "put 2 20", "dump", "iter a 7", "next a 5"]
    write("example", L)


def header(k, e, hint=0, seed="12345678", key=KEY):
    return ["gomap-trace 1", f"aeskey {key}", f"type {k} {e}", f"make {hint} {seed}"]


def write(name, lines):
    with open(name + ".trace", "w") as f:
        f.write("\n".join(lines) + "\n")


def growth():
    """i64->i64: puts through B=0..5 with dumps just before, at and after each grow (by
    count), gets and deletes, iterators started before and during a grow and advanced
    across mutations."""
    rnd = random.Random(1)
    L = ["# i64 -> i64: growth from B=0 to B=5, deletes, iterators across growth"]
    L += header("i64", "i64")
    live = []
    done = set()
    dumps = {8, 9, 10, 13, 14, 15, 26, 27, 28, 29, 52, 53, 54, 55, 104, 105, 106, 107, 108, 112}
    i = 0
    while len(live) < 150:
        i += 1
        k = rnd.randrange(-(1 << 40), 1 << 40)
        L.append(f"put {k} {i}")
        live.append(k)
        n = len(live)
        if n in dumps:
            dumps.discard(n)
            L.append("dump")
        if n == 20 and "a" not in done:
            done.add("a")
            L.append(f"iter a {rnd.getrandbits(64)}")
            L.append("next a 3")
        if n in (27, 30) and n not in done:
            done.add(n)
            L.append("next a 4")
        if n == 105 and "b" not in done:
            done.add("b")
            L.append(f"iter b {rnd.getrandbits(64)}")
            L.append("next b 10")
            for k2 in rnd.sample(live, 3):
                L.append(f"del {k2}")
                live.remove(k2)
            L.append("dump")
            L.append("next b 20")
            L.append("len")
        if i % 17 == 0:
            k2 = rnd.choice(live)
            L.append(f"get {k2}")
            L.append(f"get {k2 ^ 1}")
            L.append(f"del {k2}")
            live.remove(k2)
            L.append(f"get {k2}")
    L.append("next a 1000")
    L.append("next a 1")
    L.append("next b 1000")
    L.append("dump")
    L.append(f"iter c {rnd.getrandbits(64)}")
    L.append("next c 1000")
    L.append("len")
    write("growth_i64_i64", L)


def churn():
    """i32->e0 at a steady count near the B=2 load limit: overflow buckets pile up until
    tooManyOverflowBuckets starts a same-size grow (with this aeskey and seed, after
    steps 211 and 356: dumps around them show flags=8 growing=1), iterators across it."""
    rnd = random.Random(2)
    L = ["# i32 -> e0: delete/insert churn, overflow buckets, same-size grow"]
    L += header("i32", "e0", seed="deadbeef")
    live = set()
    for step in range(400):
        if len(live) < 25 or (len(live) < 26 and rnd.random() < 0.5):
            k = rnd.randrange(-(1 << 31), 1 << 31)
            L.append(f"put {k} -")
            live.add(k)
        else:
            k = rnd.choice(sorted(live))
            L.append(f"del {k}")
            live.remove(k)
        if step % 50 == 0 or 205 <= step <= 215 or 352 <= step <= 360:
            L.append("dump")
        if step == 208:
            L.append(f"iter a {rnd.getrandbits(64)}")
            L.append("next a 4")
        if step == 213:
            L.append("next a 4")
        if step == 356:
            L.append(f"iter b {rnd.getrandbits(64)}")
            L.append("next b 4")
        if step == 358:
            L.append("next b 4")
    L.append("next a 100")
    L.append("next b 100")
    L.append("dump")
    L.append("len")
    write("churn_i32_e0", L)


def strings():
    """str->i32: mapdelete_faststr leaves the length (sL:nil), the empty string key,
    growth, iteration, clear and seed."""
    rnd = random.Random(3)
    L = ["# str -> i32: deletes (sL:nil), empty key, growth, clear, seed"]
    L += header("str", "i32", seed="0badf00d")
    live = []
    L.append("put - 7")
    for i in range(60):
        n = rnd.choice([1, 3, 8, 15, 16, 17, 31, 32, 33, 64, 100])
        k = bytes(rnd.getrandbits(8) for _ in range(n)).hex()
        L.append(f"put {k} {i}")
        live.append(k)
        if i % 7 == 3:
            d = live.pop(rnd.randrange(len(live)))
            L.append(f"del {d}")
            L.append(f"get {d}")
        if i in (12, 13, 30, 59):
            L.append("dump")
    L.append("get -")
    L.append(f"iter i {rnd.getrandbits(64)}")
    L.append("next i 5")
    L.append("del -")
    L.append(f"put {live[0]} -1")
    L.append("next i 100")
    L.append("len")
    L.append("clear 01020304")
    L.append("dump")
    L.append("len")
    L.append("put 6162 1")
    L.append("del 6162")
    L.append("seed 99999999")
    L.append("dump")
    L.append("put 6162 2")
    L.append("dump")
    write("str_i32", L)


def indirect():
    """b200->b300: indirect key and elem (flags 1|2), growth with a live iterator so the
    old buckets keep their pointers (*moved)."""
    rnd = random.Random(4)
    L = ["# b200 -> b300: indirect key and elem, growth under an iterator (*moved)"]
    L += header("b200", "b300", seed="00c0ffee")
    keys = []

    def k():
        return bytes(rnd.getrandbits(8) for _ in range(200)).hex()

    def e():
        return bytes(rnd.getrandbits(8) for _ in range(300)).hex()

    for i in range(25):
        x = k()
        keys.append(x)
        L.append(f"put {x} {e()}")
    L.append("dump")
    L.append(f"iter a {rnd.getrandbits(64)}")
    L.append("next a 2")
    for i in range(3):
        x = k()
        keys.append(x)
        L.append(f"put {x} {e()}")  # the 27th put grows B=2 -> B=3
        L.append("dump")
    L.append(f"del {keys[0]}")
    L.append(f"get {keys[0]}")
    L.append(f"get {keys[5]}")
    L.append("dump")
    L.append("next a 100")
    L.append("len")
    write("indirect_b200_b300", L)


def floats():
    """f64->i64: +0 and -0 are one key (needkeyupdate: the stored key becomes the last
    spelling), infinities, denormals, generic mapassign/mapdelete."""
    L = ["# f64 -> i64: +0/-0, infinities, key update"]
    L += header("f64", "i64", seed="ffffffff")
    vals = ["0", "-0", "1", "-1", "0.5", "1e308", "-1e-308", "5e-324", "+Inf", "-Inf",
            "3.141592653589793", "1e10", "-2.5", "0x1p-2", "123456789012345680000"]
    for i, v in enumerate(vals):
        L.append(f"put {v} {i}")
    L.append("dump")
    L.append("get 0")
    L.append("get -0")
    L.append("get 0.25")
    L.append("get 2")
    L.append("put 0 100")
    L.append("dump")
    L.append("del -0")
    L.append("get 0")
    L.append("put -0 200")
    L.append("iter z 12345")
    L.append("next z 100")
    L.append("dump")
    write("f64_i64", L)


def hinted():
    """i64->i32 made with a hint: B >= 4 preallocates overflow buckets (nextoverflow)."""
    rnd = random.Random(5)
    L = ["# i64 -> i32 with make hint 200: preallocated overflow buckets, nextoverflow"]
    L += header("i64", "i32", hint=200, seed="a5a5a5a5")
    L.append("dump")
    for i in range(40):
        L.append(f"put {rnd.randrange(1 << 63)} {i}")
    L.append("dump")
    write("hint_i64_i32", L)


def small_arrays():
    """b4->b8 and b8->e0 (memhash32/memhash64 hashers), b3->i64 (memhash)."""
    rnd = random.Random(6)
    for (k, e, n) in (("b4", "b8", 40), ("b8", "e0", 40), ("b3", "i64", 30)):
        kn = int(k[1:])
        L = [f"# {k} -> {e}"]
        L += header(k, e, seed="13572468", key=KEY2)
        keys = []
        for i in range(n):
            x = bytes(rnd.getrandbits(8) for _ in range(kn)).hex()
            keys.append(x)
            if e == "e0":
                v = "-"
            elif e == "i64":
                v = str(i * 1000 - 7)
            else:
                v = bytes(rnd.getrandbits(8) for _ in range(int(e[1:]))).hex()
            L.append(f"put {x} {v}")
            if i % 9 == 8:
                L.append(f"del {keys[i // 2]}")
        L.append(f"get {keys[0]}")
        L.append(f"get {keys[-1]}")
        L.append(f"iter q {rnd.getrandbits(64)}")
        L.append("next q 100")
        L.append("dump")
        write(f"{k}_{e}", L)


def str_big_elem():
    """str->b129: elem > 128 bytes, so reflect and the compiler use the generic
    mapassign/mapdelete with string keys (the key is cleared on delete: s0)."""
    rnd = random.Random(7)
    L = ["# str -> b129: generic mapassign/mapdelete with string keys, indirect elem"]
    L += header("str", "b129", seed="11223344")
    keys = []
    for i in range(12):
        x = bytes(rnd.getrandbits(8) for _ in range(5 + i)).hex()
        keys.append(x)
        L.append(f"put {x} {bytes(rnd.getrandbits(8) for _ in range(129)).hex()}")
    L.append(f"del {keys[3]}")
    L.append(f"del {keys[7]}")
    L.append("dump")
    write("str_b129", L)


example()
growth()
churn()
strings()
indirect()
floats()
hinted()
small_arrays()
str_big_elem()
