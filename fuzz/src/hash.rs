//! Target `hash`: every hash and equal function of `gomap::maptype::alg` (and the two
//! algorithms behind them, `aeshash` and the `hash64` fallback) on arbitrary bytes,
//! lengths and seeds. Keys are placed flush against `PROT_NONE` guard pages, at the very
//! end of a mapping (so reading one byte past the key faults) and at the very start (so
//! reading one byte before it faults); aeshash's small-key loads, which Go arranges never
//! to cross into the next page, are the point.
//!
//! Checked: no fault; the same bytes hash the same at both places and twice in a row
//! (floats: unless NaN); `memhash8/16/128` equal `memhash` of 1/2/16 bytes; `alg::memhash`
//! equals the selected algorithm called directly; equal functions say equal for a copy
//! and (for memory) unequal after a byte flips; float hashes agree with float equality
//! (+0 and -0).
//!
//! Input: byte 0 selects the algorithm (bit 0: aeshash when the CPU has it) and the
//! function group (bits 1..), then an 8-byte seed, an 8-byte fallback key, a byte index
//! to flip, and the key bytes.

use std::sync::OnceLock;

use gomap::export_test::maptype::{aeshash, alg, hash64, GoString};

use crate::Cursor;

const PAGE: usize = 4096;
/// Usable bytes between the guards of one region.
const ROOM: usize = 2 * PAGE;

/// A mapping `[guard][ROOM bytes][guard]`, made once and never unmapped.
struct Region {
    base: usize,
}

impl Region {
    fn new() -> Region {
        // SAFETY: a fresh anonymous private mapping; the two guard pages are made
        // inaccessible, the middle stays read-write.
        unsafe {
            let len = ROOM + 2 * PAGE;
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert!(p != libc::MAP_FAILED, "mmap failed");
            let p = p as *mut u8;
            assert_eq!(libc::mprotect(p.cast(), PAGE, libc::PROT_NONE), 0);
            assert_eq!(
                libc::mprotect(p.add(PAGE + ROOM).cast(), PAGE, libc::PROT_NONE),
                0
            );
            Region {
                base: p as usize + PAGE,
            }
        }
    }

    /// Copies `b` so that it ends at the trailing guard; returns its address.
    fn at_end(&self, b: &[u8]) -> *const u8 {
        assert!(b.len() <= ROOM);
        let p = (self.base + ROOM - b.len()) as *mut u8;
        // SAFETY: inside the writable middle of the mapping.
        unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p, b.len()) };
        p
    }

    /// Copies `b` so that it starts at the leading guard; returns its address.
    fn at_start(&self, b: &[u8]) -> *const u8 {
        assert!(b.len() <= ROOM);
        let p = self.base as *mut u8;
        // SAFETY: inside the writable middle of the mapping.
        unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p, b.len()) };
        p
    }
}

// SAFETY: the regions are only touched by the (single) fuzzing thread; the struct holds
// an address.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

fn regions() -> &'static [Region; 3] {
    static R: OnceLock<[Region; 3]> = OnceLock::new();
    R.get_or_init(|| [Region::new(), Region::new(), Region::new()])
}

/// The fixed-size hashes of `alg`, with the size each reads.
type Fixed = unsafe fn(*const u8, usize) -> usize;
const FIXED: [(Fixed, usize, &str); 6] = [
    (alg::memhash0, 0, "memhash0"),
    (alg::memhash8, 1, "memhash8"),
    (alg::memhash16, 2, "memhash16"),
    (alg::memhash32, 4, "memhash32"),
    (alg::memhash64, 8, "memhash64"),
    (alg::memhash128, 16, "memhash128"),
];
type FEq = unsafe fn(*const u8, *const u8) -> bool;
const FIXED_EQ: [(FEq, usize); 6] = [
    (alg::memequal0, 0),
    (alg::memequal8, 1),
    (alg::memequal16, 2),
    (alg::memequal32, 4),
    (alg::memequal64, 8),
    (alg::memequal128, 16),
];

/// Hashes `key` with `f` at the end and at the start of region 0; both must agree.
fn both(key: &[u8], f: impl Fn(*const u8) -> usize, what: &str) -> usize {
    let r = &regions()[0];
    let a = f(r.at_end(key));
    let a2 = f(r.at_end(key));
    let b = f(r.at_start(key));
    assert_eq!(a, a2, "{what}: not deterministic (len {})", key.len());
    assert_eq!(
        a,
        b,
        "{what}: depends on the key's address (len {})",
        key.len()
    );
    a
}

/// Target `hash`.
pub fn hash(data: &[u8]) {
    let mut c = Cursor::new(data);
    let sel = c.u8();
    let seed = c.u64() as usize;
    let hk0 = c.u64() as usize | 1;
    let flip = c.u8() as usize;
    let key = c.rest();
    let key = &key[..key.len().min(ROOM - 16)];
    let want_aes = sel & 1 != 0 && alg::has_aes();
    // SAFETY: this target makes no maps; it only hashes.
    unsafe { alg::set_use_aeshash(want_aes) };
    assert_eq!(alg::use_aeshash(), want_aes);
    let keys = alg::hash_keys();
    let [_, rb, rh] = regions();

    match (sel >> 1) % 5 {
        // memhash of any length, against the selected algorithm called directly.
        0 => {
            // SAFETY (closures): the region holds `key.len()` readable bytes at `p`.
            let h = both(
                key,
                |p| unsafe { alg::memhash(p, seed, key.len()) },
                "memhash",
            );
            #[cfg(target_arch = "x86_64")]
            if want_aes {
                let d = both(
                    key,
                    |p| unsafe { aeshash::memhash(p, seed, key.len(), &keys.aeskeysched) },
                    "aeshash",
                );
                assert_eq!(h, d, "alg::memhash is not aeshash");
            }
            if !want_aes {
                let d = both(
                    key,
                    |p| unsafe { hash64::memhashFallback(p, seed, key.len(), keys.hashkey[0]) },
                    "memhashFallback",
                );
                assert_eq!(h, d, "alg::memhash is not the fallback");
            }
            // Any hashkey: the fallback must not read out of bounds either.
            both(
                key,
                |p| unsafe { hash64::memhashFallback(p, seed, key.len(), hk0) },
                "fallback",
            );
            assert_eq!(
                aeshash::try_memhash(key, seed, &keys.aeskeysched).is_some(),
                alg::has_aes()
            );
        }
        // The fixed-size hashes and equals on the key's first bytes.
        1 => {
            for (f, n, name) in FIXED {
                if key.len() < n {
                    continue;
                }
                let k = &key[..n];
                // SAFETY: `n` readable bytes at `p`.
                let h = both(k, |p| unsafe { f(p, seed) }, name);
                if matches!(n, 1 | 2 | 16) {
                    // SAFETY: as above.
                    let m = both(k, |p| unsafe { alg::memhash(p, seed, n) }, "memhash");
                    assert_eq!(h, m, "{name} != memhash(.., {n})");
                }
            }
            if key.len() >= 4 {
                let k: [u8; 4] = key[..4].try_into().expect("4 bytes");
                let r = &regions()[0];
                // SAFETY: 4 readable bytes at the region's end.
                unsafe {
                    both(
                        &k,
                        |p| hash64::memhash32Fallback(p, seed, hk0) as usize,
                        "memhash32Fallback",
                    );
                    if let Some(a) = aeshash::try_memhash32(k, seed, &keys.aeskeysched) {
                        if want_aes {
                            assert_eq!(a, alg::memhash32(r.at_end(&k), seed));
                        }
                    }
                }
            }
            if key.len() >= 8 {
                let k: [u8; 8] = key[..8].try_into().expect("8 bytes");
                let r = &regions()[0];
                // SAFETY: 8 readable bytes at the region's end.
                unsafe {
                    both(
                        &k,
                        |p| hash64::memhash64Fallback(p, seed, hk0) as usize,
                        "memhash64Fallback",
                    );
                    if let Some(a) = aeshash::try_memhash64(k, seed, &keys.aeskeysched) {
                        if want_aes {
                            assert_eq!(a, alg::memhash64(r.at_end(&k), seed));
                        }
                    }
                }
            }
            for (f, n) in FIXED_EQ {
                if key.len() < n {
                    continue;
                }
                let k = &key[..n];
                let a = regions()[0].at_end(k);
                let b = rb.at_start(k);
                // SAFETY: `n` readable bytes at each.
                unsafe {
                    assert!(f(a, b), "memequal{} of copies", n * 8);
                    if n > 0 {
                        let mut k2 = k.to_vec();
                        k2[flip % n] ^= 1 << (flip % 8);
                        let b2 = rb.at_end(&k2);
                        assert!(!f(a, b2), "memequal{} of different bytes", n * 8);
                    }
                }
            }
        }
        // memequal of any length.
        2 => {
            let a = regions()[0].at_end(key);
            let b = rb.at_start(key);
            // SAFETY: key.len() readable bytes at each.
            unsafe {
                assert!(alg::memequal(a, b, key.len()));
                if !key.is_empty() {
                    let mut k2 = key.to_vec();
                    k2[flip % key.len()] ^= 0x80;
                    let b2 = rb.at_end(&k2);
                    assert!(!alg::memequal(a, b2, key.len()));
                }
            }
        }
        // Strings: header and bytes both against guards.
        3 => {
            let s = regions()[0].at_end(key);
            let g = GoString {
                ptr: s,
                len: key.len(),
            };
            // SAFETY: GoString is plain data.
            let gb: [u8; 16] = unsafe { std::mem::transmute(g) };
            // SAFETY: the header at `p` points at key.len() readable bytes.
            let h = unsafe { alg::strhash(rh.at_end(&gb), seed) };
            // SAFETY: as above, the header at the region's start.
            let h2 = unsafe { alg::strhash(rh.at_start(&gb), seed) };
            assert_eq!(h, h2);
            // SAFETY: key.len() readable bytes.
            assert_eq!(
                h,
                unsafe { alg::memhash(s, seed, key.len()) },
                "strhash != memhash of the bytes"
            );
            let copy = rb.at_start(key);
            let g2 = GoString {
                ptr: copy,
                len: key.len(),
            };
            // SAFETY: both headers are valid (live bytes).
            unsafe {
                let gb2: [u8; 16] = std::mem::transmute(g2);
                let mut hb = [0u8; 32];
                hb[..16].copy_from_slice(&gb);
                hb[16..].copy_from_slice(&gb2);
                let p = rh.at_end(&hb);
                assert!(alg::strequal(p, p.add(16)));
                if !key.is_empty() {
                    let short = GoString {
                        ptr: copy,
                        len: key.len() - 1,
                    };
                    let gb3: [u8; 16] = std::mem::transmute(short);
                    hb[16..].copy_from_slice(&gb3);
                    let p = rh.at_end(&hb);
                    assert!(!alg::strequal(p, p.add(16)));
                }
            }
        }
        // Floats and complex numbers: hash agrees with equality, no overreads.
        _ => {
            let mut k = [0u8; 16];
            let n = key.len().min(16);
            k[..n].copy_from_slice(&key[..n]);
            if flip & 1 != 0 {
                // A signed zero in each half now and then.
                k[..8].copy_from_slice(&(-0.0f64).to_ne_bytes());
                k[8..12].copy_from_slice(&(-0.0f32).to_ne_bytes());
            }
            let f32v = f32::from_ne_bytes(k[..4].try_into().expect("4"));
            let f64v = f64::from_ne_bytes(k[..8].try_into().expect("8"));
            let f64w = f64::from_ne_bytes(k[8..16].try_into().expect("8"));
            let f32w = f32::from_ne_bytes(k[4..8].try_into().expect("4"));
            type H = unsafe fn(*const u8, usize) -> usize;
            type E = unsafe fn(*const u8, *const u8) -> bool;
            let cases: [(H, E, usize, bool, &str); 4] = [
                (alg::f32hash, alg::f32equal, 4, f32v.is_nan(), "f32"),
                (alg::f64hash, alg::f64equal, 8, f64v.is_nan(), "f64"),
                (
                    alg::c64hash,
                    alg::c64equal,
                    8,
                    f32v.is_nan() || f32w.is_nan(),
                    "c64",
                ),
                (
                    alg::c128hash,
                    alg::c128equal,
                    16,
                    f64v.is_nan() || f64w.is_nan(),
                    "c128",
                ),
            ];
            for (h, e, n, nan, name) in cases {
                let kb = &k[..n];
                let a = regions()[0].at_end(kb);
                let b = rb.at_start(kb);
                // SAFETY: `n` readable bytes at each.
                unsafe {
                    assert_eq!(e(a, b), !nan, "{name}equal of copies");
                    let ha = h(a, seed);
                    let hb = h(b, seed);
                    if !nan {
                        assert_eq!(ha, hb, "{name}hash of equal values");
                    }
                    // Flip signs of zero: equal values, equal hashes.
                    let mut z = kb.to_vec();
                    let mut changed = false;
                    for half in z.chunks_mut(n.min(if name == "c64" { 4 } else { 8 })) {
                        if half.iter().all(|&x| x == 0)
                            || half[..half.len() - 1].iter().all(|&x| x == 0)
                                && half[half.len() - 1] == 0x80
                        {
                            let last = half.len() - 1;
                            half[last] ^= 0x80;
                            changed = true;
                        }
                    }
                    if changed {
                        let zb = rb.at_end(&z);
                        assert_eq!(e(a, zb), !nan, "{name}: +0 and -0 differ");
                        if !nan {
                            assert_eq!(ha, h(zb, seed), "{name}: +0 and -0 hash differently");
                        }
                    }
                }
            }
        }
    }
}
