//! Go's portable hash: the wyhash-inspired functions of `hash64.go`, which Go uses when
//! the CPU lacks the instructions `aeshash` needs (see [`super::alg`] for the choice).
//!
//! The functions are pure: where Go reads the process-wide `hashkey[0]`, they take it as
//! the argument `hashkey0` (the caller loads the key state once, see
//! [`super::alg::hashkey`]). They compute in 64 bits and match Go on 64-bit platforms;
//! Go's 32-bit platforms use `hash32.go` instead, which is not ported.
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.
//
// Hashing algorithm inspired by wyhash: https://github.com/wangyi-fudan/wyhash

#![allow(non_snake_case)]

const M1: u64 = 0xa0761d6478bd642f;
const M2: u64 = 0xe7037ed1a0b428db;
const M3: u64 = 0x8ebc6af09c88c6e3;
const M4: u64 = 0x589965cc75374cc3;
const M5: u64 = 0x1d8e4e27c47d124f;

/// The keys the portable hash mixes in. go1.19-1.22 use fixed constants `m1`..`m4`
/// beside `hashkey[0]`; go1.23 takes all four from the random `hashkey` (and drops `m1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FallbackKeys {
    /// What the seed is xor-ed with first: `hashkey[0] ^ m1` (go1.19), `hashkey[0]` (go1.23).
    pub k0: u64,
    /// `m2` (go1.19), `hashkey[1]` (go1.23).
    pub k1: u64,
    /// `m3` (go1.19), `hashkey[2]` (go1.23).
    pub k2: u64,
    /// `m4` (go1.19), `hashkey[3]` (go1.23).
    pub k3: u64,
}

impl FallbackKeys {
    /// go1.19's keys (through go1.22): `hashkey[0]` and the fixed constants.
    #[inline(always)]
    pub fn go119(hashkey0: usize) -> FallbackKeys {
        FallbackKeys {
            k0: hashkey0 as u64 ^ M1,
            k1: M2,
            k2: M3,
            k3: M4,
        }
    }

    /// go1.23's keys: the whole `hashkey`.
    #[inline(always)]
    pub fn go123(hashkey: &[usize; 4]) -> FallbackKeys {
        FallbackKeys {
            k0: hashkey[0] as u64,
            k1: hashkey[1] as u64,
            k2: hashkey[2] as u64,
            k3: hashkey[3] as u64,
        }
    }
}

/// Port of runtime.memhashFallback (go1.19 hash64.go), with `hashkey[0]` as an argument.
///
/// # Safety
/// `p` points at `s` readable bytes (any pointer, even null, when `s == 0`).
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub unsafe fn memhashFallback(p: *const u8, seed: usize, s: usize, hashkey0: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { memhashFallbackK(p, seed, s, &FallbackKeys::go119(hashkey0)) }
}

/// Port of runtime.memhashFallback with the keys given: go1.19's with
/// [`FallbackKeys::go119`], go1.23's with [`FallbackKeys::go123`].
///
/// # Safety
/// `p` points at `s` readable bytes (any pointer, even null, when `s == 0`).
pub unsafe fn memhashFallbackK(mut p: *const u8, seed: usize, s: usize, k: &FallbackKeys) -> usize {
    let (a, b);
    let mut seed = seed as u64 ^ k.k0;
    let s64 = s as u64;
    // SAFETY: each `r4`/`r8`/byte read lies inside `p[0..s]`, as
    // the comment on its branch says; the caller vouches for those bytes.
    unsafe {
        match s {
            0 => return seed as usize,
            // Three bytes, overlapping for s < 3: first, middle, last.
            1..=3 => {
                let mut x = *p as u64;
                x |= (*p.add(s >> 1) as u64) << 8;
                x |= (*p.add(s - 1) as u64) << 16;
                a = x;
                b = 0;
            }
            4 => {
                a = r4(p);
                b = a;
            }
            // Two overlapping 4-byte reads: p[0..4] and p[s-4..s].
            5..=7 => {
                a = r4(p);
                b = r4(p.add(s - 4));
            }
            8 => {
                a = r8(p);
                b = a;
            }
            // Two overlapping 8-byte reads: p[0..8] and p[s-8..s].
            9..=16 => {
                a = r8(p);
                b = r8(p.add(s - 8));
            }
            _ => {
                // s > 16. Every read is of p[0..l] for the bytes `l` still to go, except
                // the last two, which end at the key's end (p+l) and start at p+l-16,
                // which is at or after the key's start because s > 16.
                let mut l = s;
                if l > 48 {
                    let mut seed1 = seed;
                    let mut seed2 = seed;
                    while l > 48 {
                        seed = mix(r8(p) ^ k.k1, r8(p.add(8)) ^ seed);
                        seed1 = mix(r8(p.add(16)) ^ k.k2, r8(p.add(24)) ^ seed1);
                        seed2 = mix(r8(p.add(32)) ^ k.k3, r8(p.add(40)) ^ seed2);
                        p = p.add(48);
                        l -= 48;
                    }
                    seed ^= seed1 ^ seed2;
                }
                while l > 16 {
                    seed = mix(r8(p) ^ k.k1, r8(p.add(8)) ^ seed);
                    p = p.add(16);
                    l -= 16;
                }
                a = r8(p.add(l).sub(16));
                b = r8(p.add(l).sub(8));
            }
        }
    }
    mix(M5 ^ s64, mix(a ^ k.k1, b ^ seed)) as usize
}

/// Port of runtime.memhash32Fallback (go1.19 hash64.go), with `hashkey[0]` as an argument.
///
/// # Safety
/// `p` points at 4 readable bytes (no alignment needed).
#[inline]
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub unsafe fn memhash32Fallback(p: *const u8, seed: usize, hashkey0: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { memhash32FallbackK(p, seed, &FallbackKeys::go119(hashkey0)) }
}

/// Port of runtime.memhash32Fallback with the keys given (see [`memhashFallbackK`]).
///
/// # Safety
/// `p` points at 4 readable bytes (no alignment needed).
#[inline]
pub unsafe fn memhash32FallbackK(p: *const u8, seed: usize, k: &FallbackKeys) -> usize {
    // SAFETY: the caller vouches for p[0..4].
    let a = unsafe { r4(p) };
    mix(M5 ^ 4, mix(a ^ k.k1, a ^ seed as u64 ^ k.k0)) as usize
}

/// Port of runtime.memhash64Fallback (go1.19 hash64.go), with `hashkey[0]` as an argument.
///
/// # Safety
/// `p` points at 8 readable bytes (no alignment needed).
#[inline]
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub unsafe fn memhash64Fallback(p: *const u8, seed: usize, hashkey0: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { memhash64FallbackK(p, seed, &FallbackKeys::go119(hashkey0)) }
}

/// Port of runtime.memhash64Fallback with the keys given (see [`memhashFallbackK`]).
///
/// # Safety
/// `p` points at 8 readable bytes (no alignment needed).
#[inline]
pub unsafe fn memhash64FallbackK(p: *const u8, seed: usize, k: &FallbackKeys) -> usize {
    // SAFETY: the caller vouches for p[0..8].
    let a = unsafe { r8(p) };
    mix(M5 ^ 8, mix(a ^ k.k1, a ^ seed as u64 ^ k.k0)) as usize
}

/// Port of runtime.mix (go1.19 hash64.go): the 128-bit product's halves xor-ed.
#[inline(always)]
pub fn mix(a: u64, b: u64) -> u64 {
    let p = (a as u128) * (b as u128);
    ((p >> 64) as u64) ^ (p as u64)
}

/// Port of runtime.r4 (go1.19 hash64.go): a little-endian unaligned 4-byte read.
///
/// # Safety
/// `p` points at 4 readable bytes.
#[inline(always)]
pub unsafe fn r4(p: *const u8) -> u64 {
    // SAFETY: the caller vouches for p[0..4]; read_unaligned needs no alignment.
    u32::from_le(unsafe { p.cast::<u32>().read_unaligned() }) as u64
}

/// Port of runtime.r8 (go1.19 hash64.go): a little-endian unaligned 8-byte read.
///
/// # Safety
/// `p` points at 8 readable bytes.
#[inline(always)]
pub unsafe fn r8(p: *const u8) -> u64 {
    // SAFETY: the caller vouches for p[0..8]; read_unaligned needs no alignment.
    u64::from_le(unsafe { p.cast::<u64>().read_unaligned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_key_is_the_keyed_seed() {
        // SAFETY: s == 0 reads nothing, so null is fine.
        let h = unsafe { memhashFallback(core::ptr::null(), 7, 0, 0x1001) };
        assert_eq!(h as u64, 7 ^ 0x1001 ^ M1);
    }

    #[test]
    fn mix_is_the_xor_of_the_product_halves() {
        assert_eq!(mix(0, u64::MAX), 0);
        assert_eq!(mix(1 << 32, 1 << 32), 1); // 2^64: hi 1, lo 0
        assert_eq!(mix(u64::MAX, u64::MAX), (u64::MAX - 1) ^ 1);
    }

    #[test]
    fn fixed_width_fallbacks_agree_with_memhash_fallback_inputs() {
        // memhash32/64Fallback are memhashFallback's s == 4 / s == 8 cases.
        let k = 0x0123_4567_89ab_cdefu64.to_le_bytes();
        for seed in [0usize, 1, usize::MAX] {
            // SAFETY: `k` has 8 readable bytes.
            unsafe {
                assert_eq!(
                    memhash64Fallback(k.as_ptr(), seed, 3),
                    memhashFallback(k.as_ptr(), seed, 8, 3)
                );
                assert_eq!(
                    memhash32Fallback(k.as_ptr(), seed, 5),
                    memhashFallback(k.as_ptr(), seed, 4, 5)
                );
            }
        }
    }
}
