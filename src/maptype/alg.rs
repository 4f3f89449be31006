//! PLACEHOLDER: replaced by the port of Go's alg.go / hash64.go / aeshash (issue 3).
#![allow(
    missing_docs,
    clippy::missing_safety_doc,
    clippy::undocumented_unsafe_blocks
)]
use crate::maptype::GoString;

fn fnv(p: *const u8, seed: usize, s: usize) -> usize {
    let mut h = 0xcbf29ce484222325u64 ^ seed as u64;
    for i in 0..s {
        h ^= unsafe { *p.add(i) } as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    (h ^ (h >> 29)).wrapping_mul(0xbf58476d1ce4e5b9) as usize
}
pub unsafe fn memhash(p: *const u8, seed: usize, s: usize) -> usize {
    fnv(p, seed, s)
}
pub unsafe fn memhash0(_p: *const u8, seed: usize) -> usize {
    seed
}
pub unsafe fn memhash8(p: *const u8, seed: usize) -> usize {
    fnv(p, seed, 1)
}
pub unsafe fn memhash16(p: *const u8, seed: usize) -> usize {
    fnv(p, seed, 2)
}
pub unsafe fn memhash32(p: *const u8, seed: usize) -> usize {
    fnv(p, seed, 4)
}
pub unsafe fn memhash64(p: *const u8, seed: usize) -> usize {
    fnv(p, seed, 8)
}
pub unsafe fn memhash128(p: *const u8, seed: usize) -> usize {
    fnv(p, seed, 16)
}
pub unsafe fn strhash(p: *const u8, seed: usize) -> usize {
    let s = unsafe { *(p as *const GoString) };
    fnv(s.ptr, seed, s.len)
}
pub unsafe fn f32hash(p: *const u8, seed: usize) -> usize {
    let f = unsafe { *(p as *const f32) };
    if f == 0.0 {
        seed
    } else {
        fnv(p, seed, 4)
    }
}
pub unsafe fn f64hash(p: *const u8, seed: usize) -> usize {
    let f = unsafe { *(p as *const f64) };
    if f == 0.0 {
        seed
    } else {
        fnv(p, seed, 8)
    }
}
pub unsafe fn c64hash(p: *const u8, seed: usize) -> usize {
    unsafe { f32hash(p.add(4), f32hash(p, seed)) }
}
pub unsafe fn c128hash(p: *const u8, seed: usize) -> usize {
    unsafe { f64hash(p.add(8), f64hash(p, seed)) }
}
pub unsafe fn memequal(a: *const u8, b: *const u8, s: usize) -> bool {
    unsafe { core::slice::from_raw_parts(a, s) == core::slice::from_raw_parts(b, s) }
}
pub unsafe fn memequal0(_a: *const u8, _b: *const u8) -> bool {
    true
}
pub unsafe fn memequal8(a: *const u8, b: *const u8) -> bool {
    unsafe { memequal(a, b, 1) }
}
pub unsafe fn memequal16(a: *const u8, b: *const u8) -> bool {
    unsafe { memequal(a, b, 2) }
}
pub unsafe fn memequal32(a: *const u8, b: *const u8) -> bool {
    unsafe { memequal(a, b, 4) }
}
pub unsafe fn memequal64(a: *const u8, b: *const u8) -> bool {
    unsafe { memequal(a, b, 8) }
}
pub unsafe fn memequal128(a: *const u8, b: *const u8) -> bool {
    unsafe { memequal(a, b, 16) }
}
pub unsafe fn strequal(a: *const u8, b: *const u8) -> bool {
    unsafe {
        let (x, y) = (*(a as *const GoString), *(b as *const GoString));
        x.len == y.len && memequal(x.ptr, y.ptr, x.len)
    }
}
pub unsafe fn f32equal(a: *const u8, b: *const u8) -> bool {
    unsafe { *(a as *const f32) == *(b as *const f32) }
}
pub unsafe fn f64equal(a: *const u8, b: *const u8) -> bool {
    unsafe { *(a as *const f64) == *(b as *const f64) }
}
pub unsafe fn c64equal(a: *const u8, b: *const u8) -> bool {
    unsafe { f32equal(a, b) && f32equal(a.add(4), b.add(4)) }
}
pub unsafe fn c128equal(a: *const u8, b: *const u8) -> bool {
    unsafe { f64equal(a, b) && f64equal(a.add(8), b.add(8)) }
}
pub fn set_aeskeysched(_k: &[u8; 128]) {}
