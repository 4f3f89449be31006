//! Shared helpers for the integration tests: typed wrappers over the raw runtime API
//! (`put`, `get`, `del`, `iterate`, ...), the invariant check that prints the map's dump
//! on failure, weak hashers that force overflow chains, a tracking allocator that catches
//! leaks and mismatched frees, and small inspectors of map internals (tombstones,
//! evacuation progress) after Go's `export_test.go`.
//!
//! The wrappers are `unsafe fn`s: they take raw `*mut Hmap`s, and a key or elem of a
//! pointer kind (a `GoString`) must point at live bytes. Each asserts that the Rust types
//! have the sizes of the map's key and elem, so a mismatched call fails loudly instead of
//! reading out of bounds.

#![allow(dead_code)]

use core::ffi::c_void;
use std::collections::HashMap;
use std::mem::size_of;
use std::ptr;
use std::sync::Mutex;

use gomap::export_test::runtime::*;
use gomap::maptype::{GoKind, GoString, HashFn, Kind, MapType, MapTypeFlags, Type};

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/// Asserts `runtime::check`, printing `what` and the canonical dump on failure.
///
/// # Safety
/// `h` is null or a live map of type `t`, not written concurrently; string keys (if any)
/// point at live bytes.
#[track_caller]
pub unsafe fn assert_check(t: &MapType, h: *const Hmap, what: &str) {
    // SAFETY: forwarded from the caller.
    if let Err(e) = unsafe { check(t, h) } {
        // SAFETY: forwarded from the caller; check() failing does not make the map unreadable
        // for the dump, which only follows chains.
        let d = unsafe { dump::dump_string(t, h) };
        panic!("check failed after {what}: {e}\n{d}");
    }
}

/// The map's dump, for assertion messages.
///
/// # Safety
/// As [`assert_check`], `h` non-null.
pub unsafe fn dump_of(t: &MapType, h: *const Hmap) -> String {
    // SAFETY: forwarded.
    unsafe { dump::dump_string(t, h) }
}

// ---------------------------------------------------------------------------------------
// Typed wrappers
// ---------------------------------------------------------------------------------------

#[track_caller]
fn assert_key<K>(t: &MapType) {
    assert_eq!(
        size_of::<K>(),
        t.key().size,
        "Rust key type does not fit the map's key"
    );
}

#[track_caller]
fn assert_elem<V>(t: &MapType) {
    assert_eq!(
        size_of::<V>(),
        t.elem().size,
        "Rust elem type does not fit the map's elem"
    );
}

fn kp<K>(k: &K) -> *const u8 {
    (k as *const K).cast()
}

/// A fresh map (`make(map[K]E, hint)`) with its header from `t.alloc`.
///
/// # Safety
/// Free the result with [`free`] (or `mapfree`) and the same `t`.
pub unsafe fn make(t: &MapType, hint: isize) -> *mut Hmap {
    // SAFETY: a null `h` asks makemap for a fresh header.
    unsafe { makemap(t, hint, ptr::null_mut()) }
}

/// `mapfree`.
///
/// # Safety
/// `h` is a map of `t`, no iterator of which is still registered.
pub unsafe fn free(t: &MapType, h: *mut Hmap) {
    // SAFETY: forwarded.
    unsafe { mapfree(t, h) }
}

/// `len(m)`.
///
/// # Safety
/// `h` is null or a live map.
pub unsafe fn len(h: *const Hmap) -> usize {
    if h.is_null() {
        0
    } else {
        // SAFETY: live (caller).
        unsafe { (*h).count }
    }
}

/// `m[k] = v`.
///
/// # Safety
/// `h` is a live map of `t` (or null, which panics as Go does); `K`/`V` are the map's key
/// and elem types; pointer-kind keys and elems point at live memory.
#[track_caller]
pub unsafe fn put<K: Copy, V: Copy>(t: &MapType, h: *mut Hmap, k: K, v: V) {
    assert_key::<K>(t);
    assert_elem::<V>(t);
    // SAFETY: `k` is a key of t (caller, size asserted); the returned elem slot has
    // elem.size == size_of::<V>() writable bytes.
    unsafe {
        let e = mapassign(t, h, kp(&k));
        ptr::write_unaligned(e.cast::<V>(), v);
    }
}

/// `m[k] = v`, then [`assert_check`].
///
/// # Safety
/// As [`put`].
#[track_caller]
pub unsafe fn put_checked<K: Copy, V: Copy>(t: &MapType, h: *mut Hmap, k: K, v: V) {
    // SAFETY: forwarded.
    unsafe {
        put(t, h, k, v);
        assert_check(t, h, "put");
    }
}

/// The elem slot of `m[k]` as `mapassign` returns it (for `m[k] op= x`).
///
/// # Safety
/// As [`put`]; the pointer is valid until the next write to the map.
#[track_caller]
pub unsafe fn slot<K: Copy, V: Copy>(t: &MapType, h: *mut Hmap, k: K) -> *mut V {
    assert_key::<K>(t);
    assert_elem::<V>(t);
    // SAFETY: forwarded.
    unsafe { mapassign(t, h, kp(&k)).cast() }
}

/// `v, ok := m[k]` as an `Option`.
///
/// # Safety
/// `h` is null or a live map of `t`; `K`/`V` are its key and elem types.
#[track_caller]
pub unsafe fn get<K: Copy, V: Copy>(t: &MapType, h: *const Hmap, k: K) -> Option<V> {
    assert_key::<K>(t);
    assert_elem::<V>(t);
    // SAFETY: forwarded; when found, the elem has size_of::<V>() readable bytes.
    unsafe {
        let (e, ok) = mapaccess2(t, h, kp(&k));
        ok.then(|| ptr::read_unaligned(e.cast::<V>()))
    }
}

/// `m[k]` (`mapaccess1`, or `mapaccess1_fat` for elems over the 1024-byte zero value):
/// the zero value for a missing key.
///
/// # Safety
/// As [`get`].
#[track_caller]
pub unsafe fn get1<K: Copy, V: Copy>(t: &MapType, h: *const Hmap, k: K) -> V {
    assert_key::<K>(t);
    assert_elem::<V>(t);
    if size_of::<V>() > malloc::MAX_ZERO {
        let zero = vec![0u8; size_of::<V>()];
        // SAFETY: `zero` is a zero elem of t; the result points at elem.size bytes.
        unsafe {
            let e = mapaccess1_fat(t, h, kp(&k), zero.as_ptr());
            ptr::read_unaligned(e.cast::<V>())
        }
    } else {
        // SAFETY: the elem (or the 1024-byte zero value) has size_of::<V>() readable bytes.
        unsafe { ptr::read_unaligned(mapaccess1(t, h, kp(&k)).cast::<V>()) }
    }
}

/// `delete(m, k)`.
///
/// # Safety
/// `h` is null or a live map of `t`; `K` is its key type.
#[track_caller]
pub unsafe fn del<K: Copy>(t: &MapType, h: *mut Hmap, k: K) {
    assert_key::<K>(t);
    // SAFETY: forwarded.
    unsafe { mapdelete(t, h, kp(&k)) }
}

/// `delete(m, k)`, then [`assert_check`].
///
/// # Safety
/// As [`del`].
#[track_caller]
pub unsafe fn del_checked<K: Copy>(t: &MapType, h: *mut Hmap, k: K) {
    // SAFETY: forwarded.
    unsafe {
        del(t, h, k);
        assert_check(t, h, "del");
    }
}

/// The current entry of a started iterator, or `None` when it is done.
///
/// # Safety
/// `it` was started on a live map whose key and elem types are `K` and `V`.
pub unsafe fn iter_kv<K: Copy, V: Copy>(it: &Hiter) -> Option<(K, V)> {
    if it.key().is_null() {
        return None;
    }
    // SAFETY: a non-null it.key/it.elem point at the current key and elem (caller).
    unsafe {
        Some((
            ptr::read_unaligned(it.key().cast::<K>()),
            ptr::read_unaligned(it.elem().cast::<V>()),
        ))
    }
}

/// Starts an iterator on `h`.
///
/// # Safety
/// As `mapiterinit`.
pub unsafe fn iter_start(t: &MapType, h: *mut Hmap) -> Hiter {
    let mut it = Hiter::new();
    // SAFETY: forwarded; `it` is fresh.
    unsafe { mapiterinit(t, h, &mut it) };
    it
}

/// `for k, v := range m`, collected.
///
/// # Safety
/// As [`get`].
#[track_caller]
pub unsafe fn iterate<K: Copy, V: Copy>(t: &MapType, h: *mut Hmap) -> Vec<(K, V)> {
    assert_key::<K>(t);
    assert_elem::<V>(t);
    let mut out = Vec::new();
    // SAFETY: forwarded; the iterator only lives in this function.
    unsafe {
        let mut it = iter_start(t, h);
        while let Some(kv) = iter_kv::<K, V>(&it) {
            out.push(kv);
            mapiternext(&mut it);
        }
    }
    out
}

/// The keys in iteration order.
///
/// # Safety
/// As [`iterate`].
pub unsafe fn keys<K: Copy, V: Copy>(t: &MapType, h: *mut Hmap) -> Vec<K> {
    // SAFETY: forwarded.
    unsafe { iterate::<K, V>(t, h) }
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// Finishes a growth in progress by calling `growWork` as writes do.
///
/// # Safety
/// `h` is a live map of `t`, not used by another thread.
pub unsafe fn finish_grow(t: &MapType, h: *mut Hmap) {
    // SAFETY: exclusive access (caller); growWork is what every write calls while growing.
    unsafe {
        while (*h).growing() {
            let nv = (*h).nevacuate;
            growWork(t, &mut *h, nv);
        }
    }
}

/// Number of evacuated old buckets (0 when not growing).
///
/// # Safety
/// `h` is a live map of `t`.
pub unsafe fn evacuated_count(t: &MapType, h: *const Hmap) -> usize {
    // SAFETY: live (caller); indexes below noldbuckets.
    unsafe {
        let h = &*h;
        if !h.growing() {
            return 0;
        }
        (0..h.noldbuckets())
            .filter(|&i| bucketEvacuated(t, h, i))
            .count()
    }
}

/// Port of `runtime.MapTombstoneCheck` (go1.19 export_test.go): in every chain of the
/// current array, live and `emptyOne` cells come first, then only `emptyRest` cells, and
/// the last cell before the `emptyRest` run is not `emptyOne` (it would have become
/// `emptyRest`).
///
/// # Safety
/// `h` is a live map of `t`.
pub unsafe fn tombstone_check(t: &MapType, h: *const Hmap) -> Result<(), String> {
    // SAFETY: live (caller); indexes below 2^B; chains end in null.
    unsafe {
        let h = &*h;
        if h.buckets.is_null() {
            return Ok(());
        }
        for x in 0..bucketShift(h.B) {
            let b0 = bucket_at(t, h.buckets, x);
            let mut n = 0;
            let mut b = b0;
            while !b.is_null() {
                n += (*b).tophash.iter().filter(|&&th| th != EMPTY_REST).count();
                b = Bmap::overflow(b, t);
            }
            let mut k = 0;
            let mut b = b0;
            while !b.is_null() {
                for i in 0..BUCKET_CNT {
                    let th = (*b).tophash[i];
                    if k < n && th == EMPTY_REST {
                        return Err(format!("bucket {x}: early emptyRest (cell {k} of {n})"));
                    }
                    if k >= n && th != EMPTY_REST {
                        return Err(format!("bucket {x}: late non-emptyRest (cell {k})"));
                    }
                    if n > 0 && k == n - 1 && th == EMPTY_ONE {
                        return Err(format!("bucket {x}: last non-emptyRest entry is emptyOne"));
                    }
                    k += 1;
                }
                b = Bmap::overflow(b, t);
            }
        }
        Ok(())
    }
}

/// Every tophash byte of the chain hanging from bucket `i` of the array `base`.
///
/// # Safety
/// `base` is a live bucket array of `t` with more than `i` buckets.
pub unsafe fn chain_tophash(t: &MapType, base: *mut Bmap, i: usize) -> Vec<[u8; BUCKET_CNT]> {
    let mut v = Vec::new();
    // SAFETY: live chain (caller).
    unsafe {
        let mut b = bucket_at(t, base, i);
        while !b.is_null() {
            v.push((*b).tophash);
            b = Bmap::overflow(b, t);
        }
    }
    v
}

/// Finds `key` in the chain hanging from bucket `i` of `base` by key equality; returns the
/// bucket and slot.
///
/// # Safety
/// `base` is a live bucket array of `t` with more than `i` buckets; `key` is a key of t.
pub unsafe fn find_in_chain(
    t: &MapType,
    base: *mut Bmap,
    i: usize,
    key: *const u8,
) -> Option<(*mut Bmap, usize)> {
    // SAFETY: live chain (caller); only live cells' keys are compared.
    unsafe {
        let mut b = bucket_at(t, base, i);
        while !b.is_null() {
            for j in 0..BUCKET_CNT {
                if (*b).tophash[j] < MIN_TOP_HASH {
                    continue;
                }
                let mut k = key_at(t, b, j);
                if t.indirectkey() {
                    k = load_ptr(k);
                }
                if t.key_equal(key, k) {
                    return Some((b, j));
                }
            }
            b = Bmap::overflow(b, t);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Hashers and hand-made map types
// ---------------------------------------------------------------------------------------

/// A deliberately weak hasher: the key's first 8 bytes (read unaligned), seed ignored. Key
/// `k` lands in bucket `k & (2^B - 1)` and every tophash is `minTopHash` for small keys,
/// so tests can aim keys at buckets and build overflow chains at will.
///
/// # Safety
/// `key` points at at least 8 readable bytes.
pub unsafe extern "C-unwind" fn identity_hash(
    key: *const u8,
    _seed: usize,
    _t: *const Type,
) -> usize {
    // SAFETY: 8 readable bytes (caller).
    unsafe { ptr::read_unaligned(key.cast::<u64>()) as usize }
}

/// `map[uint64]E` hashed by [`identity_hash`].
pub fn identity_u64_map(elem: GoKind) -> MapType {
    // SAFETY: identity_hash reads the 8 key bytes, which the key type has, and is a
    // function of the bytes Go's memequal compares: the map type contract holds.
    unsafe {
        MapType::new(
            GoKind::Uint64.go_type().unwrap(),
            elem.go_type().unwrap(),
            identity_hash,
            MapTypeFlags::REFLEXIVE_KEY,
        )
    }
    .unwrap()
}

/// `map[[N]byte]E` hashed by [`identity_hash`] (the first 8 key bytes).
pub fn identity_bytes_map(n: usize, elem: GoKind) -> MapType {
    assert!(n >= 8);
    // SAFETY: as in `identity_u64_map`: keys of n >= 8 bytes, equal keys hash alike.
    unsafe {
        MapType::new(
            GoKind::Bytes(n).go_type().unwrap(),
            elem.go_type().unwrap(),
            identity_hash,
            MapTypeFlags::REFLEXIVE_KEY,
        )
    }
    .unwrap()
}

/// Go's own hash functions for a few kinds, as [`HashFn`]s with their key [`Type`]s, for
/// composing struct hashes the way Go's compiler does (`genhash`: field by field, each
/// hash seeding the next). Taken from `MapType::for_go_types`, so they follow whatever
/// `alg.rs` implements.
pub struct GoHashes {
    /// `f32hash`.
    pub f32: (HashFn, Type),
    /// `f64hash`.
    pub f64: (HashFn, Type),
    /// `c64hash`.
    pub c64: (HashFn, Type),
    /// `c128hash`.
    pub c128: (HashFn, Type),
    /// `strhash`.
    pub str: (HashFn, Type),
    /// `memhash64`.
    pub mem64: (HashFn, Type),
}

/// The process's [`GoHashes`].
pub fn go_hashes() -> &'static GoHashes {
    static H: std::sync::OnceLock<GoHashes> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        let f = |k: GoKind| {
            let t = MapType::for_go_types(k, GoKind::Bool).unwrap();
            (t.hasher(), *t.key())
        };
        GoHashes {
            f32: f(GoKind::Float32),
            f64: f(GoKind::Float64),
            c64: f(GoKind::Complex64),
            c128: f(GoKind::Complex128),
            str: f(GoKind::String),
            mem64: f(GoKind::Int64),
        }
    })
}

/// Calls one of [`GoHashes`].
///
/// # Safety
/// `p` points at a value of the hash's kind.
pub unsafe fn hash_with(h: &(HashFn, Type), p: *const u8, seed: usize) -> usize {
    // SAFETY: forwarded; the Type is the hash's own.
    unsafe { (h.0)(p, seed, &h.1) }
}

/// A [`Type`] for a hand-made key or elem.
pub fn plain_type(
    size: usize,
    align: u8,
    kind: Kind,
    equal: Option<gomap::maptype::EqualFn>,
) -> Type {
    Type {
        size,
        ptrdata: 0,
        align,
        kind,
        equal,
        ctx: ptr::null_mut(),
    }
}

/// A Go string header over `s` (keep `s` alive while a map holds it).
pub fn gs(s: &str) -> GoString {
    GoString::from_bytes(s.as_bytes())
}

/// The bytes of a Go string header.
///
/// # Safety
/// The header points at live bytes.
pub unsafe fn gs_str(s: GoString) -> String {
    // SAFETY: live bytes (caller).
    String::from_utf8(unsafe { s.as_bytes() }.to_vec()).unwrap()
}

// ---------------------------------------------------------------------------------------
// A tracking allocator
// ---------------------------------------------------------------------------------------

/// Records every block a map allocates and checks every free against it: a free of an
/// unknown block, or with another size or alignment, panics. Lets tests observe when
/// memory is really given back (what `reclaim.rs` defers) and that `mapfree` leaks nothing.
#[derive(Default)]
pub struct Tracker {
    inner: Mutex<TrackerState>,
}

#[derive(Default)]
struct TrackerState {
    live: HashMap<usize, (usize, usize)>,
    allocs: usize,
    frees: usize,
    sizes: Vec<usize>,
}

impl Tracker {
    /// A new tracker; keep the box alive while any map uses its allocator.
    pub fn new() -> Box<Tracker> {
        Box::default()
    }

    /// An allocator that records into `self`.
    pub fn allocator(&self) -> Allocator {
        // SAFETY: the two functions meet the Allocator contract: zeroed blocks of the
        // size and alignment asked for (or null), each freed once, from any thread.
        unsafe {
            Allocator::new(
                tracked_alloc,
                tracked_free,
                (self as *const Tracker).cast_mut().cast::<c_void>(),
            )
        }
    }

    /// Blocks allocated and not freed.
    pub fn live(&self) -> usize {
        self.inner.lock().unwrap().live.len()
    }

    /// Bytes allocated and not freed.
    pub fn live_bytes(&self) -> usize {
        self.inner
            .lock()
            .unwrap()
            .live
            .values()
            .map(|&(s, _)| s)
            .sum()
    }

    /// (allocations, frees) so far.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.inner.lock().unwrap();
        (s.allocs, s.frees)
    }

    /// Sizes of every allocation so far, in order.
    pub fn sizes(&self) -> Vec<usize> {
        self.inner.lock().unwrap().sizes.clone()
    }

    /// Forgets the allocation history (not the live set).
    pub fn clear_sizes(&self) {
        self.inner.lock().unwrap().sizes.clear();
    }
}

unsafe extern "C-unwind" fn tracked_alloc(size: usize, align: usize, ctx: *mut c_void) -> *mut u8 {
    let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: size > 0 by the Allocator contract.
    let p = unsafe { std::alloc::alloc_zeroed(layout) };
    assert!(!p.is_null());
    // SAFETY: ctx is the Tracker that made this allocator, alive while maps use it.
    let tr = unsafe { &*(ctx as *const Tracker) };
    let mut s = tr.inner.lock().unwrap();
    s.allocs += 1;
    s.sizes.push(size);
    assert!(s.live.insert(p as usize, (size, align)).is_none());
    p
}

unsafe extern "C-unwind" fn tracked_free(p: *mut u8, size: usize, align: usize, ctx: *mut c_void) {
    // SAFETY: as in tracked_alloc.
    let tr = unsafe { &*(ctx as *const Tracker) };
    {
        let mut s = tr.inner.lock().unwrap();
        match s.live.remove(&(p as usize)) {
            Some(sa) => assert_eq!(
                sa,
                (size, align),
                "block {p:p} freed with another size/align than allocated"
            ),
            None => panic!("free of unknown or already freed block {p:p} ({size} bytes)"),
        }
        s.frees += 1;
    }
    // SAFETY: allocated by tracked_alloc with this very layout (checked above). Poisoning
    // it first makes a later read of freed map memory show up as garbage in the tests'
    // consistency checks, even without valgrind.
    unsafe { ptr::write_bytes(p, 0xDD, size) };
    // SAFETY: as above.
    unsafe {
        std::alloc::dealloc(
            p,
            std::alloc::Layout::from_size_align_unchecked(size, align),
        )
    };
}

/// A raw pointer that may cross threads: for sharing one map among reader threads, which
/// Go's rules allow (any number of readers, no writer).
pub struct SendPtr<T>(pub *mut T);
impl<T> Clone for SendPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SendPtr<T> {}
// SAFETY: used only to share maps among concurrent readers (see the type's doc); Hmap is
// Sync for exactly that.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

// ---------------------------------------------------------------------------------------
// Generic functions or Go's compiler's choice
// ---------------------------------------------------------------------------------------

/// A set of entry points for the map operations: the generic functions of `map.go`, or
/// `runtime::dispatch`, which picks the fast32/fast64/faststr family as Go's compiler
/// does. Tests that Go runs through the fast paths run through both.
#[derive(Clone, Copy)]
pub struct Ops {
    /// For messages.
    pub name: &'static str,
    /// `m[k] = ...`.
    pub assign: unsafe fn(&MapType, *mut Hmap, *const u8) -> *mut u8,
    /// `m[k]`.
    pub access1: unsafe fn(&MapType, *const Hmap, *const u8) -> *mut u8,
    /// `v, ok := m[k]`.
    pub access2: unsafe fn(&MapType, *const Hmap, *const u8) -> (*mut u8, bool),
    /// `delete(m, k)`.
    pub delete: unsafe fn(&MapType, *mut Hmap, *const u8),
}

/// The generic functions (`mapassign`, `mapaccess1/2`, `mapdelete`).
pub const GENERIC: Ops = Ops {
    name: "generic",
    assign: mapassign,
    access1: mapaccess1,
    access2: mapaccess2,
    delete: mapdelete,
};

/// `runtime::dispatch` (`map_assign`, `map_access1/2`, `map_delete`).
pub const DISPATCH: Ops = Ops {
    name: "dispatch",
    assign: map_assign,
    access1: map_access1,
    access2: map_access2,
    delete: map_delete,
};

/// Both.
pub const PATHS: [Ops; 2] = [GENERIC, DISPATCH];

impl Ops {
    /// `m[k] = v`.
    ///
    /// # Safety
    /// As [`put`]; elems of at most 1024 bytes.
    #[track_caller]
    pub unsafe fn put<K: Copy, V: Copy>(&self, t: &MapType, h: *mut Hmap, k: K, v: V) {
        assert_key::<K>(t);
        assert_elem::<V>(t);
        // SAFETY: as in `put`.
        unsafe { ptr::write_unaligned((self.assign)(t, h, kp(&k)).cast::<V>(), v) }
    }

    /// The elem slot `m[k]` for `m[k] op= x`.
    ///
    /// # Safety
    /// As [`slot`].
    #[track_caller]
    pub unsafe fn slot<K: Copy, V: Copy>(&self, t: &MapType, h: *mut Hmap, k: K) -> *mut V {
        assert_key::<K>(t);
        assert_elem::<V>(t);
        // SAFETY: as in `slot`.
        unsafe { (self.assign)(t, h, kp(&k)).cast() }
    }

    /// `v, ok := m[k]`.
    ///
    /// # Safety
    /// As [`get`].
    #[track_caller]
    pub unsafe fn get<K: Copy, V: Copy>(&self, t: &MapType, h: *const Hmap, k: K) -> Option<V> {
        assert_key::<K>(t);
        assert_elem::<V>(t);
        // SAFETY: as in `get`.
        unsafe {
            let (e, ok) = (self.access2)(t, h, kp(&k));
            ok.then(|| ptr::read_unaligned(e.cast::<V>()))
        }
    }

    /// `m[k]`.
    ///
    /// # Safety
    /// As [`get1`]; elems of at most 1024 bytes for the generic path.
    #[track_caller]
    pub unsafe fn get1<K: Copy, V: Copy>(&self, t: &MapType, h: *const Hmap, k: K) -> V {
        assert_key::<K>(t);
        assert_elem::<V>(t);
        assert!(size_of::<V>() <= malloc::MAX_ZERO);
        // SAFETY: the elem or the zero value has size_of::<V>() readable bytes.
        unsafe { ptr::read_unaligned((self.access1)(t, h, kp(&k)).cast::<V>()) }
    }

    /// `delete(m, k)`.
    ///
    /// # Safety
    /// As [`del`].
    #[track_caller]
    pub unsafe fn del<K: Copy>(&self, t: &MapType, h: *mut Hmap, k: K) {
        assert_key::<K>(t);
        // SAFETY: forwarded.
        unsafe { (self.delete)(t, h, kp(&k)) }
    }
}

/// Runs `m.retain` with a closure that deletes every entry it sees and panics at the
/// `at`-th call (after `at - 1` deletes); returns whether the panic came out of `retain`.
pub fn retain_panicking_at<K: gomap::typed::GoKey, V>(
    m: &mut gomap::typed::GoMap<K, V>,
    at: usize,
) -> bool {
    let mut seen = 0;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        m.retain(|_, _| {
            seen += 1;
            if seen == at {
                panic!("closure panics");
            }
            false
        })
    }))
    .is_err()
}
