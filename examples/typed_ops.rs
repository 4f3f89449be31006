//! One map operation over `n` keys, through `GoMap` or through the raw functions Go's
//! compiler calls, for counting instructions under callgrind (repeatable on a busy
//! machine, where wall-clock timings are not):
//!
//! ```text
//! cargo build --release --example typed_ops
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/typed_ops typed|raw i64|str get|insert|remove N
//! ```
//!
//! Only the `measured` function is counted: the map is built (for `get` and `remove`) and
//! the keys made outside it. Keys are splitmix64 values (strings: their 16 hex digits), as
//! in `bench_driver`.

use std::hint::black_box;
use std::ptr;

use gomap::runtime::{
    makemap, mapaccess2_fast64, mapaccess2_faststr, mapassign_fast64, mapassign_faststr,
    mapdelete_fast64, mapdelete_faststr, mapfree, Hmap,
};
use gomap::typed::GoMap;
use gomap::{GoString, MapType};

fn splitmix(n: usize) -> Vec<u64> {
    let mut x = 0x676f6d6170u64;
    (0..n)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

/// The state an operation starts from.
enum Subject {
    Typed64(GoMap<i64, i64>, Vec<i64>),
    TypedStr(GoMap<String, i64>, Vec<String>),
    Raw(Box<MapType>, *mut Hmap, Vec<u64>, Vec<String>),
}

/// The counted call (callgrind's `--toggle-collect` names it).
#[inline(never)]
fn measured(op: &str, s: &mut Subject) -> i64 {
    run(op, s)
}

#[inline(never)]
fn run(op: &str, s: &mut Subject) -> i64 {
    let mut sum = 0i64;
    match s {
        Subject::Typed64(m, ks) => match op {
            "get" => ks
                .iter()
                .for_each(|k| sum += m.get(k).copied().unwrap_or(0)),
            "insert" => ks.iter().for_each(|&k| _ = m.insert(k, k)),
            _ => ks.iter().for_each(|k| sum += m.remove(k).unwrap_or(0)),
        },
        Subject::TypedStr(m, ks) => match op {
            "get" => ks
                .iter()
                .for_each(|k| sum += m.get(k).copied().unwrap_or(0)),
            "insert" => ks.drain(..).for_each(|k| _ = m.insert(k, 1)),
            _ => ks.iter().for_each(|k| sum += m.remove(k).unwrap_or(0)),
        },
        Subject::Raw(t, h, ks, ss) => {
            let (t, h) = (&**t, *h);
            // SAFETY: `h` is a live map of type `t`, used by this thread only; string keys
            // point into `ss`, alive until the map is freed.
            unsafe {
                if ss.is_empty() {
                    for &k in ks.iter() {
                        match op {
                            "get" => {
                                let (e, ok) = mapaccess2_fast64(t, h, k);
                                sum += if ok { *e.cast::<i64>() } else { 0 };
                            }
                            "insert" => *mapassign_fast64(t, h, k).cast::<i64>() = k as i64,
                            _ => mapdelete_fast64(t, h, k),
                        }
                    }
                } else {
                    for s in ss.iter() {
                        let k = GoString::from_bytes(s.as_bytes());
                        match op {
                            "get" => {
                                let (e, ok) = mapaccess2_faststr(t, h, k);
                                sum += if ok { *e.cast::<i64>() } else { 0 };
                            }
                            "insert" => *mapassign_faststr(t, h, k).cast::<i64>() = 1,
                            _ => mapdelete_faststr(t, h, k),
                        }
                    }
                }
            }
        }
    }
    sum
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let [imp, key, op, n] = &a[..] else {
        panic!("usage: typed_ops typed|raw i64|str get|insert|remove N")
    };
    let n: usize = n.parse().expect("N");
    let ks = splitmix(n);
    // Exact-capacity strings, so moving one into a GoMap does not reallocate.
    let strs = || -> Vec<String> {
        ks.iter()
            .map(|k| format!("{k:016x}").into_boxed_str().into_string())
            .collect()
    };
    let prefill = op != "insert";
    let mut s = match (imp.as_str(), key.as_str()) {
        ("typed", "i64") => {
            let ks: Vec<i64> = ks.iter().map(|&k| k as i64).collect();
            let m = if prefill {
                ks.iter().map(|&k| (k, k)).collect()
            } else {
                GoMap::new()
            };
            Subject::Typed64(m, ks)
        }
        ("typed", "str") => {
            let m = if prefill {
                strs().into_iter().map(|k| (k, 1)).collect()
            } else {
                GoMap::new()
            };
            Subject::TypedStr(m, strs())
        }
        ("raw", key) => {
            let t = Box::new(if key == "str" {
                MapType::string_int64()
            } else {
                MapType::int64()
            });
            // SAFETY: a fresh map of type `t`, freed below.
            let h = unsafe { makemap(&t, 0, ptr::null_mut()) };
            let ss = if key == "str" { strs() } else { Vec::new() };
            let mut s = Subject::Raw(t, h, ks, ss);
            if prefill {
                run("insert", &mut s);
            }
            s
        }
        _ => panic!("unknown implementation or key"),
    };
    let sum = black_box(measured(op, &mut s));
    if let Subject::Raw(t, h, _, _) = &s {
        // SAFETY: the map is ours and no longer used.
        unsafe { mapfree(t, *h) };
    }
    println!("{imp} {key} {op} {n}: {sum}");
}
