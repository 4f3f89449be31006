//! Go's hash and equality functions for map keys (go1.19 `alg.go`), and the process-wide
//! key state behind them.
//!
//! # Which hash
//!
//! As in Go, every hash goes through [`memhash`], [`memhash32`], [`memhash64`] or
//! [`strhash`], and each of those picks one of two algorithms by the process-wide switch
//! `useAeshash`:
//!
//! * **aeshash** (`asm_amd64.s`, ported in `aeshash.rs`): AES rounds keyed with the
//!   128-byte `aeskeysched`. Go uses it when the CPU has AES, SSSE3 and SSE4.1.
//! * **the fallback** (`hash64.go`, ported in `hash64.rs`): wyhash-style
//!   multiplications keyed with `hashkey[0]`.
//!
//! The other hashes build on those: [`memhash8`], [`memhash16`], [`memhash128`] are
//! [`memhash`] with the size fixed; floats hash +0 and -0 alike and NaN randomly
//! ([`f32hash`]); complex numbers hash their two halves in turn ([`c64hash`]).
//!
//! # The key state
//!
//! Go keeps three globals: `aeskeysched`, `hashkey` and `useAeshash`, filled once by
//! `alginit` at start-up from OS randomness. gomap keeps them together in one
//! [`HashKeys`] value behind the static `HASH_KEYS`, initialised on first use the way
//! `alginit` does (random schedule and hashkey, `hashkey` words forced odd, AES when the
//! CPU allows) and replaceable by tests and traces through [`set_hash_keys`],
//! [`set_aeskeysched`], [`set_hashkey`] and [`set_use_aeshash`]. Reading it costs a
//! pointer load per hash; a hash always sees one whole key state, never a mix.
//!
//! **Changing the key state while maps exist makes their hashes inconsistent**: a key
//! stored under the old hash is looked for in another bucket, and with another tophash,
//! under the new one. Go never changes it after start-up; gomap's callers should set it
//! once, before making maps, or only while no map is in use. That is why the setters are
//! `unsafe`: the safe [`crate::typed::GoMap`] relies on finding every entry it removes.
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Mutex;

use super::aeshash;
use super::hash64;
use super::release::{Go1_19, GoRelease};
use crate::base::rand::rand;
use crate::maptype::GoString;

const PTR_SIZE: u64 = core::mem::size_of::<usize>() as u64;

/// Go's `c0`, a multiplier of the float and interface hashes (one value per pointer size).
pub const C0: usize =
    ((8 - PTR_SIZE) / 4 * 2860486313 + (PTR_SIZE - 4) / 4 * 33054211828000289) as usize;
/// Go's `c1`, a multiplier of the float and interface hashes (one value per pointer size).
pub const C1: usize =
    ((8 - PTR_SIZE) / 4 * 3267000013 + (PTR_SIZE - 4) / 4 * 23344194077549503) as usize;

// ---------------------------------------------------------------------------------------
// The process-wide key state
// ---------------------------------------------------------------------------------------

/// Go's hash key state: `runtime.aeskeysched`, `runtime.hashkey` and `runtime.useAeshash`
/// (go1.19 alg.go), in one value.
///
/// Invariant of the installed state (see [`hash_keys`]): `use_aeshash` implies
/// [`has_aes`], so the hash functions may run AES instructions whenever it is set.
#[repr(C, align(16))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HashKeys {
    /// Go's `aeskeysched`: the 128 key bytes of aeshash.
    pub aeskeysched: [u8; 128],
    /// Go's `hashkey`: the key words of the fallback hash (the 64-bit one reads only
    /// `hashkey[0]`; `alginit` makes all four odd).
    pub hashkey: [usize; 4],
    /// Go's `useAeshash`: hash with aeshash rather than the fallback.
    pub use_aeshash: bool,
}

/// THE key state of the process: null until first use, then a [`HashKeys`] leaked by
/// `install` and never freed (every state ever installed stays reachable from
/// `INSTALLED`). Stores use `Release` and loads `Acquire`, so a hash reads a fully
/// written state; replacing the pointer is the only change ever made.
static HASH_KEYS: AtomicPtr<HashKeys> = AtomicPtr::new(ptr::null_mut());

/// Every state installed so far, so that re-installing an equal one reuses it (tests and
/// traces set the same few keys again and again: the leak stays bounded by the number of
/// distinct states). The lock also serialises the writers of `HASH_KEYS`.
static INSTALLED: Mutex<Vec<&'static HashKeys>> = Mutex::new(Vec::new());

/// The installed key state, initialising it on first use.
#[inline(always)]
fn keys() -> &'static HashKeys {
    let p = HASH_KEYS.load(Ordering::Acquire);
    if p.is_null() {
        return alginit();
    }
    // SAFETY: non-null values of HASH_KEYS come from `install`, which leaks them: they are
    // valid, never written again and never freed.
    unsafe { &*p }
}

/// Port of runtime.alginit (go1.19 alg.go), run on first use rather than at start-up:
/// random key bytes from the OS, `hashkey` words forced odd, and aeshash when the CPU
/// supports it. Unlike Go, both keys are filled, so switching algorithms later is
/// well defined.
#[cold]
#[inline(never)]
fn alginit() -> &'static HashKeys {
    let mut installed = lock_installed();
    let p = HASH_KEYS.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: as in `keys`.
        return unsafe { &*p };
    }
    let mut k = HashKeys {
        aeskeysched: [0; 128],
        hashkey: [0; 4],
        use_aeshash: aeshash::supported(),
    };
    getRandomData(&mut k.aeskeysched);
    let mut words = [0u8; 4 * core::mem::size_of::<usize>()];
    getRandomData(&mut words);
    for (w, b) in k
        .hashkey
        .iter_mut()
        .zip(words.chunks_exact(core::mem::size_of::<usize>()))
    {
        *w = usize::from_ne_bytes(b.try_into().expect("chunk of a word")) | 1; // make sure these numbers are odd
    }
    install(&mut installed, k)
}

fn lock_installed() -> std::sync::MutexGuard<'static, Vec<&'static HashKeys>> {
    // A panic while holding the lock cannot leave the list inconsistent (it is only
    // pushed to), so a poisoned lock is still good.
    INSTALLED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes `k` the key state. The caller holds the `INSTALLED` lock and has checked that
/// `k.use_aeshash` implies [`has_aes`].
fn install(installed: &mut Vec<&'static HashKeys>, k: HashKeys) -> &'static HashKeys {
    debug_assert!(!k.use_aeshash || has_aes());
    let s: &'static HashKeys = match installed.iter().find(|s| ***s == k) {
        Some(s) => s,
        None => {
            let s: &'static HashKeys = Box::leak(Box::new(k));
            installed.push(s);
            s
        }
    };
    HASH_KEYS.store(s as *const HashKeys as *mut HashKeys, Ordering::Release);
    s
}

/// Go's `getRandomData`: fills `buf` from the OS (`getrandom`), or, should that fail,
/// from the standard library's per-process random hasher keys.
fn getRandomData(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: `buf[done..]` is writable and getrandom writes at most its length.
        let n = unsafe { libc::getrandom(buf[done..].as_mut_ptr().cast(), buf.len() - done, 0) };
        if n > 0 {
            done += n as usize;
        } else if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {
            continue;
        } else {
            break;
        }
    }
    if done < buf.len() {
        use std::hash::{BuildHasher, Hasher};
        let rs = std::collections::hash_map::RandomState::new();
        for (i, c) in buf[done..].chunks_mut(8).enumerate() {
            let mut h = rs.build_hasher();
            h.write_usize(i);
            c.copy_from_slice(&h.finish().to_ne_bytes()[..c.len()]);
        }
    }
}

/// Changes the installed state with `f` under the writers' lock. Returns false, changing
/// nothing, when the result would ask for aeshash on a CPU without it.
fn update(f: impl FnOnce(&mut HashKeys)) -> bool {
    keys(); // initialise first: alginit takes the lock itself
    let mut installed = lock_installed();
    // SAFETY: `keys()` above made HASH_KEYS non-null; as in `keys`.
    let mut k = unsafe { *HASH_KEYS.load(Ordering::Acquire) };
    f(&mut k);
    if k.use_aeshash && !has_aes() {
        return false;
    }
    install(&mut installed, k);
    true
}

/// Whether a map that safe code relies on ([`crate::typed::GoMap`], or one made through
/// the C ABI) has ever been made in this process: from then on the keys may only change
/// through the `unsafe` setters.
static SAFE_MAPS: AtomicBool = AtomicBool::new(false);

/// Orders [`note_safe_map`] against [`set_hash_keys_before_safe_maps`].
static KEY_CHANGE: Mutex<()> = Mutex::new(());

/// Records that a map safe code relies on is being made. After the first call it is one
/// atomic load.
pub(crate) fn note_safe_map() {
    if !SAFE_MAPS.load(Ordering::Acquire) {
        let _g = KEY_CHANGE.lock().unwrap_or_else(|e| e.into_inner());
        SAFE_MAPS.store(true, Ordering::Release);
    }
}

/// Installs a whole key state, as [`set_hash_keys`] does, but only while no map that safe
/// code relies on ([`crate::typed::GoMap`], a C ABI map) has ever been made in this
/// process; fails otherwise, changing nothing. A map made meanwhile waits for the change,
/// so it hashes under the new keys only. What the trace language's `aeskey` line uses.
///
/// Maps made with the raw runtime functions are the caller's: their contract (the
/// hasher contract, see [`crate::maptype`]) is theirs to keep, as with [`set_hash_keys`].
pub fn set_hash_keys_before_safe_maps(k: HashKeys) -> Result<bool, &'static str> {
    let _g = KEY_CHANGE.lock().unwrap_or_else(|e| e.into_inner());
    if SAFE_MAPS.load(Ordering::Acquire) {
        return Err(
            "the process-wide hash keys cannot change once a GoMap or a C ABI map \
                    has been made (their entries would become unfindable)",
        );
    }
    // SAFETY: no GoMap or C ABI map exists, and none can be made until the lock is
    // released (note_safe_map takes it); raw runtime maps are their callers' (above).
    Ok(unsafe { set_hash_keys(k) })
}

/// The current key state (initialised from OS randomness on first use).
pub fn hash_keys() -> HashKeys {
    *keys()
}

/// Installs a whole key state. Returns false, changing nothing, when `k.use_aeshash` is
/// set on a CPU without AES ([`has_aes`]). See the module docs: changing the key while
/// maps exist makes their hashes inconsistent.
///
/// # Safety
/// No map may be in use, by any thread, from this call until every map that holds
/// entries hashed under the previous keys is freed or cleared: a key stored under the old
/// hash is looked for in another bucket, and with another tophash, under the new one, so
/// [`crate::typed::GoMap`] (which relies on finding the entries it removes) would free
/// keys and values twice. Set the keys once, before making maps, as Go does.
pub unsafe fn set_hash_keys(k: HashKeys) -> bool {
    update(|cur| *cur = k)
}

/// Go's `aeskeysched`: the current AES key schedule.
pub fn aeskeysched() -> [u8; 128] {
    keys().aeskeysched
}

/// Sets Go's `aeskeysched` (as a Go test would through `//go:linkname`). Changing the key
/// while maps exist makes their hashes inconsistent.
///
/// # Safety
/// No map may be in use, by any thread, from this call until every map that holds
/// entries hashed under the previous keys is freed or cleared: a key stored under the old
/// hash is looked for in another bucket, and with another tophash, under the new one, so
/// [`crate::typed::GoMap`] (which relies on finding the entries it removes) would free
/// keys and values twice. Set the keys once, before making maps, as Go does.
pub unsafe fn set_aeskeysched(k: &[u8; 128]) {
    update(|cur| cur.aeskeysched = *k);
}

/// Go's `hashkey`: the current key words of the fallback hash.
pub fn hashkey() -> [usize; 4] {
    keys().hashkey
}

/// Sets Go's `hashkey`, as given (Go's `alginit` makes the words odd; this does not).
/// Changing the key while maps exist makes their hashes inconsistent.
///
/// ```compile_fail
/// // Safe code cannot change the keys under live maps.
/// gomap::maptype::alg::set_hashkey([1, 3, 5, 7]);
/// ```
///
/// # Safety
/// No map may be in use, by any thread, from this call until every map that holds
/// entries hashed under the previous keys is freed or cleared: a key stored under the old
/// hash is looked for in another bucket, and with another tophash, under the new one, so
/// [`crate::typed::GoMap`] (which relies on finding the entries it removes) would free
/// keys and values twice. Set the keys once, before making maps, as Go does.
pub unsafe fn set_hashkey(k: [usize; 4]) {
    update(|cur| cur.hashkey = k);
}

/// Go's `useAeshash`: whether hashes currently use aeshash.
pub fn use_aeshash() -> bool {
    keys().use_aeshash
}

/// Sets Go's `useAeshash`. Returns false, changing nothing, when asked for aeshash on a
/// CPU without it. Switching while maps exist makes their hashes inconsistent.
///
/// # Safety
/// No map may be in use, by any thread, from this call until every map that holds
/// entries hashed under the previous keys is freed or cleared: a key stored under the old
/// hash is looked for in another bucket, and with another tophash, under the new one, so
/// [`crate::typed::GoMap`] (which relies on finding the entries it removes) would free
/// keys and values twice. Set the keys once, before making maps, as Go does.
pub unsafe fn set_use_aeshash(on: bool) -> bool {
    update(|cur| cur.use_aeshash = on)
}

/// Whether this CPU can run aeshash (Go's `alginit` test: AES, SSSE3 and SSE4.1).
#[inline]
pub fn has_aes() -> bool {
    aeshash::supported()
}

// ---------------------------------------------------------------------------------------
// Hash functions
// ---------------------------------------------------------------------------------------

/// Port of runtime.memhash (go1.19 asm_amd64.s, alg.go): hashes `s` bytes at `p`.
///
/// # Safety
/// `p` points at `s` readable bytes (any pointer, even null, when `s == 0`).
#[inline]
pub unsafe fn memhash(p: *const u8, seed: usize, s: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { memhash_rel(p, seed, s, false) }
}

/// The portable hash's keys for the installed state: go1.23's (`hashkey` only) when
/// `go123`, else go1.19's (see [`hash64::FallbackKeys`]).
#[inline(always)]
fn fallback_keys(k: &HashKeys, go123: bool) -> hash64::FallbackKeys {
    if go123 {
        hash64::FallbackKeys::go123(&k.hashkey)
    } else {
        hash64::FallbackKeys::go119(k.hashkey[0])
    }
}

/// [`memhash`] of a release: `go123` picks go1.23's portable hash when AES is off
/// (`GoRelease::hash64_uses_hashkey`); aeshash is the same in every release.
///
/// # Safety
/// As [`memhash`].
#[inline]
pub unsafe fn memhash_rel(p: *const u8, seed: usize, s: usize, go123: bool) -> usize {
    let k = keys();
    #[cfg(target_arch = "x86_64")]
    if k.use_aeshash {
        // SAFETY: an installed state sets use_aeshash only when the CPU has AES (see
        // `HashKeys`); the caller vouches for p[0..s].
        return unsafe { aeshash::memhash(p, seed, s, &k.aeskeysched) };
    }
    // SAFETY: the caller vouches for p[0..s].
    unsafe { hash64::memhashFallbackK(p, seed, s, &fallback_keys(k, go123)) }
}

/// Port of runtime.memhash0 (go1.19 alg.go): a zero-size key hashes to the seed.
///
/// # Safety
/// None: `p` is not read. (Unsafe only to share the signature of its siblings.)
#[inline]
pub unsafe fn memhash0(_p: *const u8, seed: usize) -> usize {
    seed
}

/// Port of runtime.memhash8 (go1.19 alg.go): `memhash(p, h, 1)`.
///
/// # Safety
/// `p` points at 1 readable byte.
#[inline]
pub unsafe fn memhash8(p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { memhash(p, seed, 1) }
}

/// Port of runtime.memhash16 (go1.19 alg.go): `memhash(p, h, 2)`.
///
/// # Safety
/// `p` points at 2 readable bytes.
#[inline]
pub unsafe fn memhash16(p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { memhash(p, seed, 2) }
}

/// Port of runtime.memhash32 (go1.19 asm_amd64.s, hash64.go): hashes 4 bytes. Not the
/// same function as `memhash(p, h, 4)`.
///
/// # Safety
/// `p` points at 4 readable bytes (no alignment needed).
#[inline]
pub unsafe fn memhash32(p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { memhash32_rel(p, seed, false) }
}

/// [`memhash32`] of a release (see [`memhash_rel`]).
///
/// # Safety
/// As [`memhash32`].
#[inline]
pub unsafe fn memhash32_rel(p: *const u8, seed: usize, go123: bool) -> usize {
    let k = keys();
    #[cfg(target_arch = "x86_64")]
    if k.use_aeshash {
        // SAFETY: use_aeshash implies the CPU has AES (see `HashKeys`); the caller
        // vouches for p[0..4].
        return unsafe { aeshash::memhash32_inline(p, seed, &k.aeskeysched) };
    }
    // SAFETY: the caller vouches for p[0..4].
    unsafe { hash64::memhash32FallbackK(p, seed, &fallback_keys(k, go123)) }
}

/// Port of runtime.memhash64 (go1.19 asm_amd64.s, hash64.go): hashes 8 bytes. Not the
/// same function as `memhash(p, h, 8)`.
///
/// # Safety
/// `p` points at 8 readable bytes (no alignment needed).
#[inline]
pub unsafe fn memhash64(p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { memhash64_rel(p, seed, false) }
}

/// [`memhash64`] of a release (see [`memhash_rel`]).
///
/// # Safety
/// As [`memhash64`].
#[inline]
pub unsafe fn memhash64_rel(p: *const u8, seed: usize, go123: bool) -> usize {
    let k = keys();
    #[cfg(target_arch = "x86_64")]
    if k.use_aeshash {
        // SAFETY: use_aeshash implies the CPU has AES (see `HashKeys`); the caller
        // vouches for p[0..8].
        return unsafe { aeshash::memhash64_inline(p, seed, &k.aeskeysched) };
    }
    // SAFETY: the caller vouches for p[0..8].
    unsafe { hash64::memhash64FallbackK(p, seed, &fallback_keys(k, go123)) }
}

/// Port of runtime.memhash128 (go1.19 alg.go): `memhash(p, h, 16)`.
///
/// # Safety
/// `p` points at 16 readable bytes.
#[inline]
pub unsafe fn memhash128(p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { memhash(p, seed, 16) }
}

/// Port of runtime.strhash (go1.19 asm_amd64.s) and runtime.strhashFallback (alg.go):
/// hashes the bytes of the string whose header is at `p`, as `memhash` of them.
///
/// # Safety
/// `p` points at a readable [`GoString`] (no alignment needed) whose `ptr` points at
/// `len` readable bytes (any pointer, even null, when `len == 0`).
#[inline]
pub unsafe fn strhash(p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { strhash_rel(p, seed, false) }
}

/// [`strhash`] of a release (see [`memhash_rel`]).
///
/// # Safety
/// As [`strhash`].
#[inline]
pub unsafe fn strhash_rel(p: *const u8, seed: usize, go123: bool) -> usize {
    // SAFETY: the caller vouches for the header at `p`.
    let s = unsafe { p.cast::<GoString>().read_unaligned() };
    // SAFETY: the caller vouches for s.ptr[0..s.len].
    unsafe { memhash_rel(s.ptr, seed, s.len, go123) }
}

/// Port of runtime.f32hash (go1.19 alg.go): +0 and -0 hash alike; a NaN hashes to a
/// random value (NaN != NaN, so a map may hold any number of NaN keys; random hashes
/// keep them from forming one long chain); other values hash their bits.
///
/// # Safety
/// `p` points at 4 readable bytes (no alignment needed).
#[inline]
pub unsafe fn f32hash(p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { f32hash_r(p, h, Go1_19) }
}

/// The random word a NaN hash mixes in: `uintptr(fastrand())`, 32 bits, through 1.21;
/// `uintptr(rand())`, 64 bits, from go1.22.
#[inline]
fn nan_rand(r: GoRelease) -> usize {
    if r.uses_chacha8() {
        rand(r) as usize
    } else {
        rand(r) as u32 as usize
    }
}

/// [`f32hash`] as release `r` computes it (the NaN draw, see `nan_rand`).
///
/// # Safety
/// As [`f32hash`].
#[inline]
pub unsafe fn f32hash_r(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: the caller vouches for p[0..4].
    let f = unsafe { p.cast::<f32>().read_unaligned() };
    if f == 0.0 {
        C1.wrapping_mul(C0 ^ h) // +0, -0
    } else if f.is_nan() {
        C1.wrapping_mul(C0 ^ h ^ nan_rand(r)) // any kind of NaN
    } else {
        // SAFETY: as above.
        unsafe { memhash_rel(p, h, 4, r.hash64_uses_hashkey()) }
    }
}

/// Port of runtime.f64hash (go1.19 alg.go): as [`f32hash`], for 8-byte floats.
///
/// # Safety
/// `p` points at 8 readable bytes (no alignment needed).
#[inline]
pub unsafe fn f64hash(p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { f64hash_r(p, h, Go1_19) }
}

/// [`f64hash`] as release `r` computes it (the NaN draw, see `nan_rand`).
///
/// # Safety
/// As [`f64hash`].
#[inline]
pub unsafe fn f64hash_r(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: the caller vouches for p[0..8].
    let f = unsafe { p.cast::<f64>().read_unaligned() };
    if f == 0.0 {
        C1.wrapping_mul(C0 ^ h) // +0, -0
    } else if f.is_nan() {
        C1.wrapping_mul(C0 ^ h ^ nan_rand(r)) // any kind of NaN
    } else {
        // SAFETY: as above.
        unsafe { memhash_rel(p, h, 8, r.hash64_uses_hashkey()) }
    }
}

/// Port of runtime.c64hash (go1.19 alg.go): the imaginary part's hash seeded with the
/// real part's.
///
/// # Safety
/// `p` points at 8 readable bytes (no alignment needed).
#[inline]
pub unsafe fn c64hash(p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { c64hash_r(p, h, Go1_19) }
}

/// [`c64hash`] as release `r` computes it.
///
/// # Safety
/// As [`c64hash`].
#[inline]
pub unsafe fn c64hash_r(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: the caller vouches for p[0..8]: the two halves.
    unsafe { f32hash_r(p.add(4), f32hash_r(p, h, r), r) }
}

/// Port of runtime.c128hash (go1.19 alg.go): the imaginary part's hash seeded with the
/// real part's.
///
/// # Safety
/// `p` points at 16 readable bytes (no alignment needed).
#[inline]
pub unsafe fn c128hash(p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { c128hash_r(p, h, Go1_19) }
}

/// [`c128hash`] as release `r` computes it.
///
/// # Safety
/// As [`c128hash`].
#[inline]
pub unsafe fn c128hash_r(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: the caller vouches for p[0..16]: the two halves.
    unsafe { f64hash_r(p.add(8), f64hash_r(p, h, r), r) }
}

// ---------------------------------------------------------------------------------------
// Equality functions
// ---------------------------------------------------------------------------------------

/// Port of runtime.memequal (go1.19 asm): compares `size` bytes.
///
/// # Safety
/// `a` and `b` point at `size` readable bytes each (any pointers when `size == 0`).
#[inline]
pub unsafe fn memequal(a: *const u8, b: *const u8, size: usize) -> bool {
    if size == 0 || a == b {
        return true;
    }
    // SAFETY: size > 0 and the caller vouches for both ranges (so neither is null).
    unsafe { core::slice::from_raw_parts(a, size) == core::slice::from_raw_parts(b, size) }
}

/// Port of runtime.memequal0 (go1.19 alg.go): zero-size values are all equal.
///
/// # Safety
/// None: nothing is read. (Unsafe only to share the signature of its siblings.)
#[inline]
pub unsafe fn memequal0(_a: *const u8, _b: *const u8) -> bool {
    true
}

macro_rules! memequal_n {
    ($name:ident, $t:ty, $n:literal) => {
        #[doc = concat!("Port of runtime.", stringify!($name), " (go1.19 alg.go): compares ", $n, " bytes.")]
        ///
        /// # Safety
        #[doc = concat!("`a` and `b` point at ", $n, " readable bytes each (no alignment needed).")]
        #[inline]
        pub unsafe fn $name(a: *const u8, b: *const u8) -> bool {
            // SAFETY: the caller vouches for both ranges; read_unaligned needs no
            // alignment (Go's [N]byte keys use these functions at any address too).
            unsafe { a.cast::<$t>().read_unaligned() == b.cast::<$t>().read_unaligned() }
        }
    };
}
memequal_n!(memequal8, u8, 1);
memequal_n!(memequal16, u16, 2);
memequal_n!(memequal32, u32, 4);
memequal_n!(memequal64, u64, 8);
memequal_n!(memequal128, u128, 16);

/// Port of runtime.f32equal (go1.19 alg.go): float comparison (+0 == -0, NaN != NaN).
///
/// # Safety
/// `a` and `b` point at 4 readable bytes each (no alignment needed).
#[inline]
pub unsafe fn f32equal(a: *const u8, b: *const u8) -> bool {
    // SAFETY: the caller vouches for both.
    unsafe { a.cast::<f32>().read_unaligned() == b.cast::<f32>().read_unaligned() }
}

/// Port of runtime.f64equal (go1.19 alg.go): float comparison (+0 == -0, NaN != NaN).
///
/// # Safety
/// `a` and `b` point at 8 readable bytes each (no alignment needed).
#[inline]
pub unsafe fn f64equal(a: *const u8, b: *const u8) -> bool {
    // SAFETY: the caller vouches for both.
    unsafe { a.cast::<f64>().read_unaligned() == b.cast::<f64>().read_unaligned() }
}

/// Port of runtime.c64equal (go1.19 alg.go): both halves equal as floats.
///
/// # Safety
/// `a` and `b` point at 8 readable bytes each (no alignment needed).
#[inline]
pub unsafe fn c64equal(a: *const u8, b: *const u8) -> bool {
    // SAFETY: the caller vouches for both: two 4-byte halves each.
    unsafe { f32equal(a, b) && f32equal(a.add(4), b.add(4)) }
}

/// Port of runtime.c128equal (go1.19 alg.go): both halves equal as floats.
///
/// # Safety
/// `a` and `b` point at 16 readable bytes each (no alignment needed).
#[inline]
pub unsafe fn c128equal(a: *const u8, b: *const u8) -> bool {
    // SAFETY: the caller vouches for both: two 8-byte halves each.
    unsafe { f64equal(a, b) && f64equal(a.add(8), b.add(8)) }
}

/// Port of runtime.strequal (go1.19 alg.go): Go's string `==`, lengths first, then the
/// bytes.
///
/// # Safety
/// `a` and `b` point at readable [`GoString`]s (no alignment needed) whose `ptr`s point
/// at `len` readable bytes (any pointer when `len == 0`).
#[inline]
pub unsafe fn strequal(a: *const u8, b: *const u8) -> bool {
    // SAFETY: the caller vouches for the headers and their bytes.
    unsafe {
        let (x, y) = (
            a.cast::<GoString>().read_unaligned(),
            b.cast::<GoString>().read_unaligned(),
        );
        x.len == y.len && memequal(x.ptr, y.ptr, x.len)
    }
}

#[cfg(test)]
mod tests {
    //! These tests leave the process-wide key state alone (other tests in the crate use
    //! maps concurrently); the functions that take the key as an argument are checked
    //! against Go 1.19 directly. tests/hash_vectors.rs compares everything with Go.
    use super::*;

    /// splitmix64 from the constant "aeskey": the state tests/go/hashvec installs.
    fn go_test_keys() -> ([u8; 128], [usize; 4]) {
        let mut s = 0x6165736b6579u64;
        let mut next = || {
            s = s.wrapping_add(0x9e3779b97f4a7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^ (z >> 31)
        };
        let mut ks = [0u8; 128];
        for b in ks.iter_mut() {
            *b = next() as u8;
        }
        let mut hk = [0usize; 4];
        for w in hk.iter_mut() {
            *w = next() as usize | 1;
        }
        (ks, hk)
    }

    /// (length, byte, seed, aeshash, fallback) from Go 1.19 with the keys of
    /// `go_test_keys`, for keys of `length` copies of `byte`: one per aeshash size class.
    const GO_MEMHASH: &[(usize, u8, usize, u64, u64)] = &[
        (0, 0x0, 0x0, 0x445f81a38f12d5b4, 0x86e9afbeef6f3f8a),
        (3, 0xff, 0x1, 0xe8f40701d468a930, 0x2728673fec8ad6cb),
        (15, 0x0, 0xffffffff, 0x165d167e97daae13, 0x6bf590f4507ca2c8),
        (
            16,
            0xff,
            0x9e3779b97f4a7c15,
            0x115b6dd0b9ebf5d8,
            0xb84f1ad7b65c7178,
        ),
        (31, 0x0, 0x0, 0xd99912d2649e0a81, 0x1c8b674473350c54),
        (64, 0xff, 0x1, 0x627dee95fee70f68, 0x1a4a14837c1a7ed5),
        (100, 0x0, 0x9f3c1e27, 0xd47ec916c93387a0, 0xeea7ab3077921b47),
        (
            300,
            0xff,
            usize::MAX,
            0x71848dbd881506f0,
            0x75e343321f94db56,
        ),
    ];

    #[test]
    fn memhash_matches_go_per_size_class() {
        let (ks, hk) = go_test_keys();
        for &(n, byte, seed, aes, fb) in GO_MEMHASH {
            let key = vec![byte; n];
            // SAFETY: `key` holds n readable bytes.
            let got = unsafe { hash64::memhashFallback(key.as_ptr(), seed, n, hk[0]) };
            assert_eq!(got as u64, fb, "fallback len {n}");
            if let Some(got) = aeshash::try_memhash(&key, seed, &ks) {
                assert_eq!(got as u64, aes, "aeshash len {n}");
            }
        }
    }

    /// (seed, key, aeshash, fallback) from Go 1.19 with the keys of `go_test_keys`.
    const GO_MEMHASH32: &[(usize, u32, u64, u64)] = &[
        (0, 0, 0x9d5958dec02f05e1, 0x4d0d213cef9567e3),
        (
            0x9e3779b97f4a7c15,
            0,
            0x62cca6ba12737082,
            0x6b0213a76609f2e9,
        ),
        (0, u32::MAX, 0xe70ae5ff5dad9a25, 0x27fb26ba03d278fc),
        (
            0x9e3779b97f4a7c15,
            u32::MAX,
            0x77724b47835caf78,
            0x32ea544eac4253c0,
        ),
    ];
    /// (seed, key, aeshash, fallback) from Go 1.19 with the keys of `go_test_keys`.
    const GO_MEMHASH64: &[(usize, u64, u64, u64)] = &[
        (0, 0, 0x9d5958dec02f05e1, 0x961b6b30be185ffa),
        (
            0x9e3779b97f4a7c15,
            0,
            0x62cca6ba12737082,
            0x2d0e3088bd391ec3,
        ),
        (0, u64::MAX, 0xf85b9e1b6bba5a3b, 0xa580ba054ea2df39),
        (
            0x9e3779b97f4a7c15,
            u64::MAX,
            0x502907b570632b91,
            0x5f67cee13224408d,
        ),
    ];

    #[test]
    fn memhash32_and_memhash64_match_go() {
        let (ks, hk) = go_test_keys();
        for &(seed, k, aes, fb) in GO_MEMHASH32 {
            let b = k.to_le_bytes();
            // SAFETY: `b` has 4 readable bytes.
            let got = unsafe { hash64::memhash32Fallback(b.as_ptr(), seed, hk[0]) };
            assert_eq!(got as u64, fb, "fallback {k:#x} seed {seed:#x}");
            if let Some(got) = aeshash::try_memhash32(b, seed, &ks) {
                assert_eq!(got as u64, aes, "aeshash {k:#x} seed {seed:#x}");
            }
        }
        for &(seed, k, aes, fb) in GO_MEMHASH64 {
            let b = k.to_le_bytes();
            // SAFETY: `b` has 8 readable bytes.
            let got = unsafe { hash64::memhash64Fallback(b.as_ptr(), seed, hk[0]) };
            assert_eq!(got as u64, fb, "fallback {k:#x} seed {seed:#x}");
            if let Some(got) = aeshash::try_memhash64(b, seed, &ks) {
                assert_eq!(got as u64, aes, "aeshash {k:#x} seed {seed:#x}");
            }
        }
    }

    #[test]
    fn float_zeros_hash_alike_and_nans_randomly() {
        for h in [0usize, 1, 0xdead_beef, usize::MAX] {
            let (p, n) = (0.0f64.to_ne_bytes(), (-0.0f64).to_ne_bytes());
            // SAFETY: the arrays are the 8 / 4 readable bytes each hash reads.
            unsafe {
                assert_eq!(f64hash(p.as_ptr(), h), C1.wrapping_mul(C0 ^ h));
                assert_eq!(f64hash(n.as_ptr(), h), C1.wrapping_mul(C0 ^ h));
                let (p, n) = (0.0f32.to_ne_bytes(), (-0.0f32).to_ne_bytes());
                assert_eq!(f32hash(p.as_ptr(), h), f32hash(n.as_ptr(), h));
            }
        }
        // NaN: c1 * (c0 ^ h ^ fastrand()), so fixing the generator fixes the hash.
        let nan = f64::NAN.to_ne_bytes();
        crate::base::rand::set_fastrand_state(42);
        let r = crate::base::rand::fastrand() as usize;
        crate::base::rand::set_fastrand_state(42);
        // SAFETY: `nan` has 8 readable bytes.
        let (a, b) = unsafe { (f64hash(nan.as_ptr(), 5), f64hash(nan.as_ptr(), 5)) };
        assert_eq!(a, C1.wrapping_mul(C0 ^ 5 ^ r));
        assert_ne!(a, b, "consecutive NaN hashes draw new random numbers");
    }

    #[test]
    fn equal_functions_follow_go_semantics() {
        let (pz, nz, nan) = (
            0.0f32.to_ne_bytes(),
            (-0.0f32).to_ne_bytes(),
            f32::NAN.to_ne_bytes(),
        );
        let (s1, s2) = (b"abc".to_vec(), b"abd".to_vec());
        let g = |s: &[u8], n: usize| GoString {
            ptr: s.as_ptr(),
            len: n,
        };
        let gs = |x: &GoString| x as *const GoString as *const u8;
        // SAFETY: every pointer is a live local of the size the function reads.
        unsafe {
            assert!(f32equal(pz.as_ptr(), nz.as_ptr()));
            assert!(!f32equal(nan.as_ptr(), nan.as_ptr()));
            let c = [1.0f32, f32::NAN];
            assert!(!c64equal(c.as_ptr().cast(), c.as_ptr().cast()));
            assert!(strequal(gs(&g(&s1, 2)), gs(&g(&s2, 2))));
            assert!(!strequal(gs(&g(&s1, 3)), gs(&g(&s2, 3))));
            assert!(!strequal(gs(&g(&s1, 2)), gs(&g(&s1, 3))));
            let empty = GoString {
                ptr: ptr::null(),
                len: 0,
            };
            assert!(strequal(gs(&empty), gs(&g(&s1, 0))));
            assert!(memequal(ptr::null(), s1.as_ptr(), 0));
            assert!(!memequal32(b"abcd".as_ptr(), b"abcX".as_ptr()));
            assert!(memequal32(b"abcd".as_ptr(), b"abcd".as_ptr()));
            let (x, y) = ([7u8; 17], [7u8; 17]);
            assert!(memequal128(x[1..].as_ptr(), y[..].as_ptr()));
        }
    }

    #[test]
    fn key_state_is_consistent_and_setters_check_the_cpu() {
        // Re-installing the current state changes nothing observable.
        let k = hash_keys();
        // SAFETY: the state installed is the current one, so no map's hashes change.
        let ok = unsafe { set_hash_keys(k) };
        assert!(ok, "the installed state is always installable");
        assert_eq!(use_aeshash(), k.use_aeshash);
        if !has_aes() {
            assert!(!k.use_aeshash);
            // SAFETY: refused on this CPU, so nothing changes.
            let on = unsafe { set_use_aeshash(true) };
            assert!(!on, "AES refused on a CPU without it");
            assert!(!use_aeshash());
        }
        // The global functions use the installed state (retried if another test changed
        // it meanwhile).
        let key = *b"0123456789abcdefghijklmnopq";
        loop {
            let k = hash_keys();
            // SAFETY: `key` has 27 readable bytes.
            let h = unsafe { memhash(key.as_ptr(), 9, key.len()) };
            // SAFETY: as above.
            let fb = unsafe { hash64::memhashFallback(key.as_ptr(), 9, key.len(), k.hashkey[0]) };
            let want = if k.use_aeshash {
                aeshash::try_memhash(&key, 9, &k.aeskeysched).unwrap()
            } else {
                fb
            };
            if hash_keys() == k {
                assert_eq!(h, want);
                break;
            }
        }
    }
}
