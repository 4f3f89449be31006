//! Go's AES-NI hash: `aeshashbody`, `memhash32` and `memhash64` of go1.19 `asm_amd64.s`,
//! ported to `core::arch::x86_64` intrinsics, bit for bit.
//!
//! # The algorithm
//!
//! `aeshashbody` hashes `s` bytes at `p` with a seed. It packs the 64-bit seed and the
//! length (its low 16 bits, four times) into one 128-bit lane, xors in the first 16 bytes
//! of the key schedule and scrambles that with one AES round (`AESENC`): the per-table
//! seed. The key is then cut into 16-byte blocks by size class, each block xor-ed with a
//! seed of its own (the unscrambled seed xor-ed with the next 16 bytes of the schedule and
//! scrambled), every block scrambled three times, and the blocks xor-ed together; the low
//! 64 bits are the hash. Blocks overlap rather than pad: 17..=32 bytes are hashed as the
//! first and the last 16. Over 128 bytes, eight lanes start from the last 128 bytes and
//! then absorb every 128-byte block from the start as AES round keys. Each size class is a
//! function below named after its asm label.
//!
//! `memhash32`/`memhash64` put the seed and the key in one lane and do three rounds keyed
//! with the schedule's first 48 bytes.
//!
//! # Short keys and page ends
//!
//! For 1..=15 bytes Go loads 16 bytes and masks off the excess, loading either at the
//! key's start or, when that load could run into the next (maybe unmapped) page, ending
//! at its last byte and shifting down with `PSHUFB`. Both give the key's bytes followed by
//! zeros. This port builds that same value from reads inside the key (see
//! `load0to15`): it never reads a byte outside the key, so valgrind and
//! AddressSanitizer have nothing to flag, and no page end needs special care.
//!
//! # Safety model
//!
//! The ported functions are `#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]`: calling
//! them on a CPU without those instructions is undefined behaviour. [`supported`] tells
//! whether this CPU has them (Go's `alginit` rule, detected once and cached). The
//! `unsafe` entry points [`memhash`], [`memhash32`] and [`memhash64`] require it of their
//! caller (the hash functions of [`super::alg`] meet that through the key state, which
//! selects AES only when supported); the safe [`try_memhash`], [`try_memhash32`] and
//! [`try_memhash64`] check it and return `None` without it. On targets other than
//! x86_64 only the checks exist, and they always say no. `memhash32`/`memhash64` also
//! exist as inline assembly ([`memhash32_inline`], [`memhash64_inline`]: Go's instruction
//! sequence, no target feature needed to inline it), which `alg` calls: the fast paths
//! would otherwise pay a function call per hash. A test compares them with the
//! intrinsics.
//
// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::sync::atomic::{AtomicU8, Ordering};

/// [`supported`]'s cache: not yet detected.
const UNKNOWN: u8 = 0;
/// [`supported`]'s cache: the CPU lacks AES, SSSE3 or SSE4.1.
const NO: u8 = 1;
/// [`supported`]'s cache: the CPU has AES, SSSE3 and SSE4.1.
const YES: u8 = 2;

/// The CPU detection, done once ([`UNKNOWN`], [`NO`] or [`YES`]).
static SUPPORT: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether this CPU can run aeshash: Go's `alginit` rule `cpu.X86.HasAES &&
/// cpu.X86.HasSSSE3 && cpu.X86.HasSSE41` (go1.19 alg.go). Detected on first use, then one
/// relaxed load.
#[inline]
pub fn supported() -> bool {
    match SUPPORT.load(Ordering::Relaxed) {
        YES => true,
        NO => false,
        _ => detect(),
    }
}

#[cold]
fn detect() -> bool {
    #[cfg(target_arch = "x86_64")]
    let yes = std::arch::is_x86_feature_detected!("aes")
        && std::arch::is_x86_feature_detected!("sse2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1");
    #[cfg(not(target_arch = "x86_64"))]
    let yes = false;
    SUPPORT.store(if yes { YES } else { NO }, Ordering::Relaxed);
    yes
}

/// Go's `memhash` on the AES path: `aeshashbody` of `key`, or `None` when the CPU
/// cannot run it (see [`supported`]).
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub fn try_memhash(key: &[u8], seed: usize, aeskeysched: &[u8; 128]) -> Option<usize> {
    if !supported() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `supported()` checked the CPU; `key` is `key.len()` readable bytes.
        Some(unsafe { memhash(key.as_ptr(), seed, key.len(), aeskeysched) })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (key, seed, aeskeysched);
        None
    }
}

/// Go's `memhash32` on the AES path, or `None` when the CPU cannot run it.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub fn try_memhash32(key: [u8; 4], seed: usize, aeskeysched: &[u8; 128]) -> Option<usize> {
    if !supported() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `supported()` checked the CPU; `key` is 4 readable bytes.
        Some(unsafe { memhash32(key.as_ptr(), seed, aeskeysched) })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (key, seed, aeskeysched);
        None
    }
}

/// Go's `memhash64` on the AES path, or `None` when the CPU cannot run it.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub fn try_memhash64(key: [u8; 8], seed: usize, aeskeysched: &[u8; 128]) -> Option<usize> {
    if !supported() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `supported()` checked the CPU; `key` is 8 readable bytes.
        Some(unsafe { memhash64(key.as_ptr(), seed, aeskeysched) })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (key, seed, aeskeysched);
        None
    }
}

#[cfg(target_arch = "x86_64")]
pub use amd64::{memhash, memhash32, memhash64};

/// [`memhash64`] as inline assembly: the same instructions (Go's own sequence), but
/// inlinable into code compiled without the AES target feature, such as the fast paths,
/// where a call to a `#[target_feature]` function would cost as much as the hash itself.
///
/// # Safety
/// As [`memhash64`]: the CPU has AES and SSE4.1 ([`supported`]); `p` points at 8
/// readable bytes (no alignment needed).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub unsafe fn memhash64_inline(p: *const u8, seed: usize, ks: &[u8; 128]) -> usize {
    // SAFETY: 8 readable bytes (caller). PINSRQ $1, (AX), X0 puts them in the high lane.
    let d = unsafe { p.cast::<u64>().read_unaligned() };
    // SAFETY: the CPU has the instructions (caller).
    unsafe { aes3_inline(seed, d, ks) }
}

/// [`memhash32`] as inline assembly, for the reason given at [`memhash64_inline`].
///
/// # Safety
/// As [`memhash32`]: the CPU has AES and SSE4.1; `p` points at 4 readable bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub unsafe fn memhash32_inline(p: *const u8, seed: usize, ks: &[u8; 128]) -> usize {
    // SAFETY: 4 readable bytes (caller). PINSRD $2, (AX), X0 on X0 = seed (high lane
    // zero) leaves the high lane equal to the bytes zero-extended.
    let d = unsafe { p.cast::<u32>().read_unaligned() } as u64;
    // SAFETY: the CPU has the instructions (caller).
    unsafe { aes3_inline(seed, d, ks) }
}

/// The body shared by Go's memhash32 and memhash64: X0 = (seed, `hi`), three `AESENC`
/// rounds keyed by the schedule's first 48 bytes, the low 64 bits out.
///
/// # Safety
/// The CPU has AES and SSE4.1.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn aes3_inline(seed: usize, hi: u64, ks: &[u8; 128]) -> usize {
    let h: usize;
    // SAFETY: the instructions exist on this CPU (caller); they read ks[0..48] (in
    // bounds, unaligned loads), write only the named registers, and touch neither the
    // stack nor the flags.
    unsafe {
        core::arch::asm!(
            "movq {x}, {seed}",
            "pinsrq {x}, {hi}, 1",
            "movdqu {k}, xmmword ptr [{ks}]",
            "aesenc {x}, {k}",
            "movdqu {k}, xmmword ptr [{ks} + 16]",
            "aesenc {x}, {k}",
            "movdqu {k}, xmmword ptr [{ks} + 32]",
            "aesenc {x}, {k}",
            "movq {h}, {x}",
            seed = in(reg) seed,
            hi = in(reg) hi,
            ks = in(reg) ks.as_ptr(),
            x = out(xmm_reg) _,
            k = out(xmm_reg) _,
            h = lateout(reg) h,
            options(pure, readonly, nostack, preserves_flags)
        );
    }
    h
}

#[cfg(target_arch = "x86_64")]
mod amd64 {
    use core::arch::x86_64::*;

    /// Port of the AES branch of runtime·memhash (go1.19 asm_amd64.s), which jumps to
    /// `aeshashbody`.
    ///
    /// # Safety
    /// * The CPU has AES, SSE2, SSSE3 and SSE4.1 ([`super::supported`]).
    /// * `p` points at `s` readable bytes (any pointer, even null, when `s == 0`).
    #[inline]
    pub unsafe fn memhash(p: *const u8, seed: usize, s: usize, ks: &[u8; 128]) -> usize {
        // SAFETY: forwarded from the caller.
        unsafe { aeshashbody(p, seed, s, ks) }
    }

    /// 16 bytes of the key schedule from offset `off`.
    ///
    /// # Safety
    /// `off <= 112`.
    #[inline(always)]
    unsafe fn sched(ks: &[u8; 128], off: usize) -> __m128i {
        debug_assert!(off <= 112);
        // SAFETY: `off + 16 <= 128` (caller); loadu needs no alignment; SSE2 is part of
        // the x86_64 baseline.
        unsafe { _mm_loadu_si128(ks.as_ptr().add(off).cast()) }
    }

    /// An unaligned 16-byte load of the key at `p`.
    ///
    /// # Safety
    /// `p[0..16]` is readable.
    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m128i {
        // SAFETY: the caller vouches for p[0..16]; loadu needs no alignment.
        unsafe { _mm_loadu_si128(p.cast()) }
    }

    /// `AESENC k, x`: one AES round of state `x` with round key `k` (Go's operand order
    /// is source, destination: `AESENC X0, X1` is `X1 = aesenc(X1, X0)`).
    #[inline]
    #[target_feature(enable = "aes,sse2")]
    fn aesenc(x: __m128i, k: __m128i) -> __m128i {
        _mm_aesenc_si128(x, k)
    }

    /// `MOVQ Xn, AX`: the low 64 bits, the hash.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn low64(x: __m128i) -> usize {
        _mm_cvtsi128_si64(x) as u64 as usize
    }

    /// Port of aeshashbody (go1.19 asm_amd64.s): AX = `p`, BX = `seed`, CX = `s`.
    ///
    /// # Safety
    /// * The CPU has AES, SSE2, SSSE3 and SSE4.1.
    /// * `p` points at `s` readable bytes (any pointer when `s == 0`).
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    pub(super) unsafe fn aeshashbody(p: *const u8, seed: usize, s: usize, ks: &[u8; 128]) -> usize {
        // Fill an SSE register with our seeds: 64 bits of per-table hash seed
        // (MOVQ BX, X0), 16 bits of length (PINSRW $4, CX, X0) repeated 4 times in
        // total (PSHUFHW $0, X0, X0).
        let x0 = _mm_cvtsi64_si128(seed as i64);
        let x0 = _mm_insert_epi16::<4>(x0, s as i32);
        let x0 = _mm_shufflehi_epi16::<0>(x0);
        // Save the unscrambled seed.
        let x1 = x0;
        // Xor in the per-process seed.
        // SAFETY: offset 0 is in the schedule.
        let x0 = _mm_xor_si128(x0, unsafe { sched(ks, 0) });
        let x0 = aesenc(x0, x0); // scramble seed

        // SAFETY: in each branch, the branch's size range is the one its callee
        // requires, and the caller vouches for p[0..s].
        unsafe {
            if s < 16 {
                aes0to15(x0, p, s)
            } else if s == 16 {
                aes16(x0, p)
            } else if s <= 32 {
                aes17to32(x0, x1, p, s, ks)
            } else if s <= 64 {
                aes33to64(x0, x1, p, s, ks)
            } else if s <= 128 {
                aes65to128(x0, x1, p, s, ks)
            } else {
                aes129plus(x0, x1, p, s, ks)
            }
        }
    }

    /// The key's `s < 16` bytes followed by zeros: what Go's aes0to15 gets from its
    /// 16-byte load and `PAND masks<>` (or, at a page end, its load ending at the last
    /// byte and `PSHUFB shifts<>`). Built from one to four reads inside `p[0..s]`, the
    /// way `memhashFallback` reads short keys, so nothing past the key is touched.
    ///
    /// # Safety
    /// `1 <= s < 16` and `p[0..s]` is readable.
    #[inline(always)]
    pub(super) unsafe fn load0to15(p: *const u8, s: usize) -> __m128i {
        debug_assert!((1..16).contains(&s));
        // SAFETY: every read below lies inside p[0..s], per the range of its branch.
        let (lo, hi) = unsafe {
            let r4 = |q: *const u8| u32::from_le(q.cast::<u32>().read_unaligned()) as u64;
            let r8 = |q: *const u8| u64::from_le(q.cast::<u64>().read_unaligned());
            if s >= 8 {
                // p[0..8], then p[s-8..s] shifted so that only its bytes 8..s remain.
                let lo = r8(p);
                let hi = if s > 8 {
                    r8(p.add(s - 8)) >> (8 * (16 - s))
                } else {
                    0
                };
                (lo, hi)
            } else if s >= 4 {
                // p[0..4] and p[s-4..s]: overlapping bytes coincide, so or-ing is exact.
                (r4(p) | r4(p.add(s - 4)) << (8 * (s - 4)), 0)
            } else {
                // First, middle and last byte: for s = 1, 2, 3 these cover p[0..s].
                let x = *p as u64
                    | (*p.add(s >> 1) as u64) << (8 * (s >> 1))
                    | (*p.add(s - 1) as u64) << (8 * (s - 1));
                (x, 0)
            }
        };
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { _mm_set_epi64x(hi as i64, lo as i64) }
    }

    /// Label aes0to15 (and aes0, final1) of aeshashbody.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`]; `s < 16` and `p[0..s]` is readable.
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn aes0to15(x0: __m128i, p: *const u8, s: usize) -> usize {
        if s == 0 {
            // aes0: return scrambled input seed.
            return low64(aesenc(x0, x0));
        }
        // SAFETY: 1 <= s < 16 and the caller vouches for p[0..s].
        let x1 = unsafe { load0to15(p, s) };
        final1(x0, x1)
    }

    /// Label final1 of aeshashbody: xor data with seed, scramble the combination 3 times.
    #[inline]
    #[target_feature(enable = "aes,sse2")]
    fn final1(x0: __m128i, x1: __m128i) -> usize {
        let x1 = _mm_xor_si128(x1, x0);
        let x1 = aesenc(x1, x1);
        let x1 = aesenc(x1, x1);
        let x1 = aesenc(x1, x1);
        low64(x1)
    }

    /// Label aes16 of aeshashbody.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`]; `p[0..16]` is readable.
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn aes16(x0: __m128i, p: *const u8) -> usize {
        // SAFETY: the caller vouches for p[0..16].
        final1(x0, unsafe { load(p) })
    }

    /// Label aes17to32 of aeshashbody: the first and the last 16 bytes.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`]; `17 <= s <= 32` and `p[0..s]` is readable.
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn aes17to32(x0: __m128i, x1: __m128i, p: *const u8, s: usize, ks: &[u8; 128]) -> usize {
        // SAFETY: schedule offsets are at most 112; with 16 < s the loads p[0..16] and
        // p[s-16..s] lie in p[0..s], which the caller vouches for.
        unsafe {
            // make second starting seed
            let x1 = _mm_xor_si128(x1, sched(ks, 16));
            let x1 = aesenc(x1, x1);
            // load data to be hashed, xor with seed
            let mut x2 = _mm_xor_si128(load(p), x0);
            let mut x3 = _mm_xor_si128(load(p.add(s - 16)), x1);
            // scramble 3 times
            for _ in 0..3 {
                x2 = aesenc(x2, x2);
                x3 = aesenc(x3, x3);
            }
            // combine results
            low64(_mm_xor_si128(x2, x3))
        }
    }

    /// Label aes33to64 of aeshashbody: the first 32 and the last 32 bytes.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`]; `33 <= s <= 64` and `p[0..s]` is readable.
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn aes33to64(x0: __m128i, x1: __m128i, p: *const u8, s: usize, ks: &[u8; 128]) -> usize {
        // SAFETY: schedule offsets are at most 112; with 32 < s the loads at p, p+16,
        // p+s-32 and p+s-16 lie in p[0..s].
        unsafe {
            // make 3 more starting seeds
            let x2 = _mm_xor_si128(x1, sched(ks, 32));
            let x3 = _mm_xor_si128(x1, sched(ks, 48));
            let x1 = _mm_xor_si128(x1, sched(ks, 16));
            let x1 = aesenc(x1, x1);
            let x2 = aesenc(x2, x2);
            let x3 = aesenc(x3, x3);

            let mut x4 = _mm_xor_si128(load(p), x0);
            let mut x5 = _mm_xor_si128(load(p.add(16)), x1);
            let mut x6 = _mm_xor_si128(load(p.add(s - 32)), x2);
            let mut x7 = _mm_xor_si128(load(p.add(s - 16)), x3);

            for _ in 0..3 {
                x4 = aesenc(x4, x4);
                x5 = aesenc(x5, x5);
                x6 = aesenc(x6, x6);
                x7 = aesenc(x7, x7);
            }

            let x4 = _mm_xor_si128(x4, x6);
            let x5 = _mm_xor_si128(x5, x7);
            low64(_mm_xor_si128(x4, x5))
        }
    }

    /// The seven extra starting seeds of aes65to128 and aes129plus: the unscrambled seed
    /// xor-ed with schedule bytes 16..128, 16 at a time, each scrambled once.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`].
    #[inline]
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn seeds7(x1: __m128i, ks: &[u8; 128]) -> [__m128i; 7] {
        let mut out = [x1; 7];
        for (i, x) in out.iter_mut().enumerate() {
            // SAFETY: 16 * (i + 1) <= 112.
            let y = _mm_xor_si128(x1, unsafe { sched(ks, 16 * (i + 1)) });
            *x = aesenc(y, y);
        }
        out
    }

    /// The final combination of the eight lanes of aes65to128 and aes129plus.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn combine8(x: [__m128i; 8]) -> usize {
        let x8 = _mm_xor_si128(x[0], x[4]);
        let x9 = _mm_xor_si128(x[1], x[5]);
        let x10 = _mm_xor_si128(x[2], x[6]);
        let x11 = _mm_xor_si128(x[3], x[7]);
        let x8 = _mm_xor_si128(x8, x10);
        let x9 = _mm_xor_si128(x9, x11);
        low64(_mm_xor_si128(x8, x9))
    }

    /// Label aes65to128 of aeshashbody: the first 64 and the last 64 bytes.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`]; `65 <= s <= 128` and `p[0..s]` is readable.
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn aes65to128(
        x0: __m128i,
        x1: __m128i,
        p: *const u8,
        s: usize,
        ks: &[u8; 128],
    ) -> usize {
        // SAFETY: the CPU features are the caller's; with 64 < s the loads at p+16*i and
        // p+s-64+16*i (i < 4) lie in p[0..s].
        unsafe {
            // make 7 more starting seeds
            let sd = seeds7(x1, ks);
            let seed = [x0, sd[0], sd[1], sd[2], sd[3], sd[4], sd[5], sd[6]];
            // load data, xor with seed
            let mut x = [x0; 8];
            for i in 0..4 {
                x[i] = _mm_xor_si128(load(p.add(16 * i)), seed[i]);
                x[i + 4] = _mm_xor_si128(load(p.add(s - 64 + 16 * i)), seed[i + 4]);
            }
            // scramble 3 times
            for _ in 0..3 {
                for v in x.iter_mut() {
                    *v = aesenc(*v, *v);
                }
            }
            // combine results
            combine8(x)
        }
    }

    /// Label aes129plus (with aesloop) of aeshashbody: eight lanes start from the last
    /// (possibly overlapping) 128 bytes, then take each 128-byte block from the start
    /// as round keys.
    ///
    /// # Safety
    /// The CPU features of [`aeshashbody`]; `s >= 129` and `p[0..s]` is readable.
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    unsafe fn aes129plus(
        x0: __m128i,
        x1: __m128i,
        p: *const u8,
        s: usize,
        ks: &[u8; 128],
    ) -> usize {
        // SAFETY: the CPU features are the caller's. The first loads are of
        // p[s-128..s]. The loop runs (s-1)/128 times, reading p[128*j..128*(j+1)] for
        // j < (s-1)/128, so it ends by 128*((s-1)/128) <= s - 1 < s.
        unsafe {
            // make 7 more starting seeds
            let sd = seeds7(x1, ks);
            let seed = [x0, sd[0], sd[1], sd[2], sd[3], sd[4], sd[5], sd[6]];
            // start with last (possibly overlapping) block, xor in seed
            let mut x = [x0; 8];
            for i in 0..8 {
                x[i] = _mm_xor_si128(load(p.add(s - 128 + 16 * i)), seed[i]);
            }
            // compute number of remaining 128-byte blocks
            let mut n = (s - 1) >> 7;
            let mut q = p;
            // aesloop:
            while n > 0 {
                // scramble state
                for v in x.iter_mut() {
                    *v = aesenc(*v, *v);
                }
                // scramble state, xor in a block
                for (i, v) in x.iter_mut().enumerate() {
                    *v = aesenc(*v, load(q.add(16 * i)));
                }
                q = q.add(128);
                n -= 1;
            }
            // 3 more scrambles to finish
            for _ in 0..3 {
                for v in x.iter_mut() {
                    *v = aesenc(*v, *v);
                }
            }
            combine8(x)
        }
    }

    /// Port of the AES branch of runtime·memhash32 (go1.19 asm_amd64.s).
    ///
    /// # Safety
    /// * The CPU has AES, SSE2, SSSE3 and SSE4.1 ([`super::supported`]).
    /// * `p` points at 4 readable bytes (no alignment needed).
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    #[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
    pub unsafe fn memhash32(p: *const u8, seed: usize, ks: &[u8; 128]) -> usize {
        // SAFETY: the caller vouches for p[0..4]; schedule offsets are at most 32.
        unsafe {
            let x0 = _mm_cvtsi64_si128(seed as i64); // X0 = seed
            let d = p.cast::<i32>().read_unaligned();
            let x0 = _mm_insert_epi32::<2>(x0, d); // PINSRD $2, (AX), X0
            let x0 = aesenc(x0, sched(ks, 0));
            let x0 = aesenc(x0, sched(ks, 16));
            let x0 = aesenc(x0, sched(ks, 32));
            low64(x0)
        }
    }

    /// Port of the AES branch of runtime·memhash64 (go1.19 asm_amd64.s).
    ///
    /// # Safety
    /// * The CPU has AES, SSE2, SSSE3 and SSE4.1 ([`super::supported`]).
    /// * `p` points at 8 readable bytes (no alignment needed).
    #[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
    #[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
    pub unsafe fn memhash64(p: *const u8, seed: usize, ks: &[u8; 128]) -> usize {
        // SAFETY: the caller vouches for p[0..8]; schedule offsets are at most 32.
        unsafe {
            let x0 = _mm_cvtsi64_si128(seed as i64); // X0 = seed
            let d = p.cast::<i64>().read_unaligned();
            let x0 = _mm_insert_epi64::<1>(x0, d); // PINSRQ $1, (AX), X0
            let x0 = aesenc(x0, sched(ks, 0));
            let x0 = aesenc(x0, sched(ks, 16));
            let x0 = aesenc(x0, sched(ks, 32));
            low64(x0)
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use core::arch::x86_64::*;

    #[test]
    fn inline_asm_memhash_matches_the_intrinsics() {
        if !supported() {
            return;
        }
        // A schedule at an odd address, so the asm's loads must not assume alignment.
        let mut buf = [0u8; 129];
        let mut g = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            g ^= g << 13;
            g ^= g >> 7;
            g ^= g << 17;
            g
        };
        for b in buf.iter_mut() {
            *b = next() as u8;
        }
        let ks: &[u8; 128] = buf[1..].try_into().unwrap();
        for _ in 0..10_000 {
            let (k, seed) = (next().to_le_bytes(), next() as usize);
            // SAFETY: the CPU has AES (checked); 8 and 4 readable bytes.
            unsafe {
                assert_eq!(
                    memhash64_inline(k.as_ptr(), seed, ks),
                    memhash64(k.as_ptr(), seed, ks)
                );
                assert_eq!(
                    memhash32_inline(k.as_ptr(), seed, ks),
                    memhash32(k.as_ptr(), seed, ks)
                );
            }
        }
    }

    #[test]
    fn load0to15_is_the_key_zero_padded() {
        // What Go's masked (or shifted) 16-byte load yields: the key, then zeros.
        let src: Vec<u8> = (1..=15).map(|i| i * 17).collect();
        for s in 1..16 {
            let key = src[..s].to_vec().into_boxed_slice(); // exact size: no slack to read
            let mut want = [0u8; 16];
            want[..s].copy_from_slice(&key);
            let mut got = [0u8; 16];
            // SAFETY: 1 <= s < 16 and `key` holds s bytes; `got` is 16 writable bytes.
            unsafe { _mm_storeu_si128(got.as_mut_ptr().cast(), amd64::load0to15(key.as_ptr(), s)) };
            assert_eq!(got, want, "s = {s}");
        }
    }

    #[test]
    fn supported_is_gos_alginit_rule() {
        let want = std::arch::is_x86_feature_detected!("aes")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1");
        assert_eq!(supported(), want);
        assert_eq!(supported(), want, "cached answer");
        assert_eq!(try_memhash(b"", 0, &[0; 128]).is_some(), want);
    }
}
