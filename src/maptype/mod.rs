//! The map descriptor: what Go's compiler emits as `runtime.maptype` for a `map[K]E`.
//!
//! Go's map code never knows its key and element types statically. Everything it needs is
//! in the `maptype` the compiler lays down for each map type: the key and element
//! descriptors (size, alignment, whether they hold pointers, an equality function), the
//! hash function, the slot sizes inside a bucket, the bucket size, and a handful of flag
//! bits. [`MapType`] is that descriptor, and [`Type`] is the part of Go's `_type` the map
//! code reads.
//!
//! Two ways to get one:
//!
//! * [`MapType::for_go_types`] (and the shortcuts such as [`MapType::int64`]) lays the bucket
//!   out as Go 1.19's compiler does (`reflectdata.MapBucketType`): keys or elems larger than
//!   128 bytes are stored indirectly, keys follow the 8 tophash bytes, elems follow the 8
//!   keys, the overflow pointer comes last. It also picks the hash function and flags that
//!   the compiler picks for the Go type (`reflectdata.genhash`, `types.IsReflexive`,
//!   `needkeyupdate`, `hashMightPanic`) and the fast-path family (`walk.mapfast`).
//! * [`MapType::from_parts`] takes a hand-made descriptor and checks it the way Go's
//!   `reflect_makemap` does, returning a [`MapTypeError`] instead of crashing later.
//!
//! # The hasher and equal contract
//!
//! The map's correctness rests on the caller's functions. gomap requires:
//!
//! * `equal(a, b)` implies `hasher(a, s) == hasher(b, s)` for every seed `s`;
//! * `equal` is symmetric and, for keys whose type is flagged reflexive, `equal(a, a)`
//!   holds (a float NaN is the classic key that is *not* equal to itself: such a key
//!   type must not carry [`MapTypeFlags::REFLEXIVE_KEY`]);
//! * neither function changes the keys it is given, nor the map;
//! * a key does not change while it is stored in a map.
//!
//! Both functions receive the key's [`Type`], so a hasher can carry context: an embedding VM
//! stores whatever it needs (an interner, a heap handle) in [`Type::ctx`]. Go's own
//! hashers take `(pointer, seed)`; the extra argument is the only difference. Both
//! functions use the `"C-unwind"` ABI so a C embedder can supply them directly and a Rust
//! hasher may still panic (see the runtime's notes on panics).

#![allow(non_snake_case)]

pub(crate) mod aeshash;
pub mod alg;
mod builders;
pub mod genalg;
pub mod gotype;
pub(crate) mod hash64;
mod layout;
pub mod release;
pub(crate) mod spell;

use core::ffi::c_void;
use core::fmt;
use core::ptr;

pub use builders::GoKind;
pub use genalg::{GoIface, KeyHash};
pub use gotype::{AlgKind, GoType, GoTypeError, TypeDesc};
pub use layout::{bucket_layout, BucketLayout};
pub use release::{GoRelease, ReleaseError};

use crate::base::malloc::Allocator;

/// A hash function: `(key, seed, key type) -> hash`. Port of the type of Go's
/// `maptype.hasher` (`func(unsafe.Pointer, uintptr) uintptr`) with the key's [`Type`]
/// added as context.
///
/// `key` points at the key's bytes (for an indirect key, at the pointed-to key, never at
/// the slot).
pub type HashFn =
    unsafe extern "C-unwind" fn(key: *const u8, seed: usize, ty: *const Type) -> usize;

/// An equality function: `(a, b, type) -> a == b`. Port of Go's `_type.equal`.
pub type EqualFn = unsafe extern "C-unwind" fn(a: *const u8, b: *const u8, ty: *const Type) -> bool;

/// Go's `reflect.Kind` numbering (`runtime/typekind.go`). The map code branches on a
/// few of them (strings for the dump and the faststr family, floats for reflexivity);
/// an embedder's opaque value type uses [`Kind::Invalid`] or [`Kind::Struct`].
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Kind {
    Invalid = 0,
    Bool = 1,
    Int = 2,
    Int8 = 3,
    Int16 = 4,
    Int32 = 5,
    Int64 = 6,
    Uint = 7,
    Uint8 = 8,
    Uint16 = 9,
    Uint32 = 10,
    Uint64 = 11,
    Uintptr = 12,
    Float32 = 13,
    Float64 = 14,
    Complex64 = 15,
    Complex128 = 16,
    Array = 17,
    Chan = 18,
    Func = 19,
    Interface = 20,
    Map = 21,
    Pointer = 22,
    Slice = 23,
    String = 24,
    Struct = 25,
    UnsafePointer = 26,
}

impl Kind {
    /// Every kind, at the index of its number: the one table from a kind number to a
    /// [`Kind`].
    const ALL: [Kind; 27] = {
        use Kind::*;
        [
            Invalid,
            Bool,
            Int,
            Int8,
            Int16,
            Int32,
            Int64,
            Uint,
            Uint8,
            Uint16,
            Uint32,
            Uint64,
            Uintptr,
            Float32,
            Float64,
            Complex64,
            Complex128,
            Array,
            Chan,
            Func,
            Interface,
            Map,
            Pointer,
            Slice,
            String,
            Struct,
            UnsafePointer,
        ]
    };

    /// The kind numbered `k` (Go's `reflect.Kind(k)`), or `None` past `UnsafePointer`.
    pub fn from_u8(k: u8) -> Option<Kind> {
        Kind::ALL.get(k as usize).copied()
    }
}

// `Kind::ALL` holds each kind at its own number.
const _: () = {
    let mut i = 0;
    while i < Kind::ALL.len() {
        assert!(Kind::ALL[i] as usize == i);
        i += 1;
    }
};

/// Go's string header, as stored in a `map[string]E` key slot: data pointer, then length.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoString {
    /// First byte; may be dangling (never read) when `len == 0`, and is nil in a slot
    /// that `mapdelete_faststr` cleared.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl GoString {
    /// A header over `s`. The header borrows nothing: keep `s` alive while a map holds it.
    pub fn from_bytes(s: &[u8]) -> GoString {
        GoString {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// The bytes the header points at.
    ///
    /// # Safety
    /// `ptr` must point at `len` readable bytes that outlive `'a` (or `len == 0`).
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the caller vouches for `ptr..ptr+len`.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// Which of Go's hash functions a [`MapType`] uses, when it is one of Go's.
///
/// The map code always calls [`MapType::hasher`]; the fast paths use this to call the
/// same function directly (and inline it) where it is known. `Custom` means an
/// embedder's function.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum HashAlg {
    Custom = 0,
    Mem0,
    Mem8,
    Mem16,
    Mem32,
    Mem64,
    Mem128,
    /// `memhash_varlen`: plain memory of `key.size` bytes.
    MemVarlen,
    Str,
    F32,
    F64,
    C64,
    C128,
}

/// Whether `hasher` is Go's hash `alg` as far as the runtime can tell, for the hashes the
/// fast paths call directly instead of `hasher` (`Mem32`, `Mem64`, `Str`); true for the
/// others, which only name the hash. The same function pointer settles it; otherwise the
/// two must agree on sample keys under several seeds (a hasher that happens to agree on
/// all of them and differs elsewhere is not caught).
fn hasher_is(hasher: HashFn, alg: HashAlg, key: &Type) -> bool {
    if !matches!(alg, HashAlg::Mem32 | HashAlg::Mem64 | HashAlg::Str) {
        return true;
    }
    let Some(go) = builders::hash_fn(alg) else {
        return true;
    };
    if hasher as usize == go as usize {
        return true;
    }
    let samples: [&[u8]; 5] = [
        b"",
        b"a",
        b"gomap",
        b"0123456789abcdef",
        b"\xff\x00\x7f\x80",
    ];
    for seed in [0usize, 1, 0x9e37_79b9_7f4a_7c15, usize::MAX] {
        for s in samples {
            let mut word = [0u8; 8];
            let n = s.len().min(8);
            word[..n].copy_from_slice(&s[..n]);
            let gs = GoString::from_bytes(s);
            let p: *const u8 = if alg == HashAlg::Str {
                ptr::addr_of!(gs).cast()
            } else {
                word.as_ptr()
            };
            // SAFETY: `p` is a key of this type (4 or 8 plain bytes from `word`, or a string
            // header over `s`, live for the calls), as both functions' contracts require.
            if unsafe { hasher(p, seed, key) != go(p, seed, key) } {
                return false;
            }
        }
    }
    true
}

/// Whether `equal` compares `size`-byte keys bitwise, as Go's `memequal32`/`memequal64`
/// do (what the fast paths assume), judged on sample keys: the same bits must be equal
/// (a float NaN is not), different bits unequal (float +0 and -0 are equal). An `equal`
/// that agrees on all samples and differs elsewhere is not caught.
///
/// # Safety
/// `equal` may be called with two `size`-byte keys of type `key`.
unsafe fn equal_is_bitwise(equal: EqualFn, key: &Type, size: usize) -> bool {
    let samples: [u64; 7] = [
        0,
        1,
        0x8000_0000,           // -0.0f32
        0x7fc0_0000,           // NaN f32
        0x8000_0000_0000_0000, // -0.0f64
        0x7ff8_0000_0000_0000, // NaN f64
        0x0123_4567_89ab_cdef,
    ];
    for a in samples {
        for b in samples {
            let (a, b) = (a.to_ne_bytes(), b.to_ne_bytes());
            let same = a[..size] == b[..size];
            // SAFETY: two keys of `size` readable bytes (caller).
            if unsafe { equal(a.as_ptr(), b.as_ptr(), key) } != same {
                return false;
            }
        }
    }
    true
}

/// The map runtime family Go's compiler routes a map type through (`walk.mapfast`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapFast {
    /// The generic `mapaccess1`/`mapassign`/`mapdelete`.
    Slow = 0,
    /// `map_fast32.go`: 4-byte plain-memory keys.
    Fast32,
    /// `mapassign_fast32ptr`: 4-byte pointer keys (32-bit platforms only in Go).
    Fast32Ptr,
    /// `map_fast64.go`: 8-byte plain-memory keys.
    Fast64,
    /// `mapassign_fast64ptr`: pointer keys on 64-bit platforms.
    Fast64Ptr,
    /// `map_faststr.go`: string keys.
    FastStr,
}

bitflags::bitflags! {
    /// The `maptype.flags` bits. The values are fixed by Go's compiler
    /// (`reflectdata.writeType`) and by the dump format: never renumber them.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MapTypeFlags: u32 {
        /// Key slots hold a pointer to the key (the key is over 128 bytes).
        const INDIRECT_KEY = 1;
        /// Elem slots hold a pointer to the elem (the elem is over 128 bytes).
        const INDIRECT_ELEM = 2;
        /// `k == k` for every key `k` (false for floats: NaN).
        const REFLEXIVE_KEY = 4;
        /// Overwriting an entry must also overwrite the stored key (+0/-0, strings).
        const NEED_KEY_UPDATE = 8;
        /// The hasher may panic (interface keys holding unhashable values).
        const HASH_MIGHT_PANIC = 16;
    }
}

/// The part of Go's `runtime._type` the map code reads, for a key or an elem.
///
/// Invariants (checked by [`MapType::from_parts`]): `align` is a power of two no larger
/// than 8 and `size` is a multiple of it; `ptrdata <= size`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Type {
    /// Size in bytes.
    pub size: usize,
    /// Length of the prefix that holds pointers; 0 when the type holds none. The map code
    /// only asks whether it is zero: deleting clears key bytes only when it is not, and
    /// evacuation clears old buckets only when key or elem holds pointers.
    pub ptrdata: usize,
    /// Alignment in bytes.
    pub align: u8,
    /// Go's kind of the type.
    pub kind: Kind,
    /// Equality; `None` for a type that cannot be a map key.
    pub equal: Option<EqualFn>,
    /// Embedder context, readable by the hasher and `equal` through their type argument.
    /// gomap never reads it.
    pub ctx: *mut c_void,
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Type")
            .field("size", &self.size)
            .field("ptrdata", &self.ptrdata)
            .field("align", &self.align)
            .field("kind", &self.kind)
            .field("equal", &self.equal.is_some())
            .finish()
    }
}

/// Port of Go's `runtime.maptype`.
///
/// The fields are private (read them through the accessors, which keep Go's names):
/// every runtime function, and the safe [`crate::typed::GoMap`], relies on the invariants
/// below, so only the constructors set them. [`MapType::for_go_types`] and the shortcuts
/// use Go's own functions and are safe; [`MapType::new`] and [`MapType::from_parts`]
/// take the caller's hasher and `equal` and are `unsafe`.
///
/// ```compile_fail
/// let mut t = gomap::MapType::int64();
/// t.bucketsize = 16; // private: a safe caller cannot break the layout
/// ```
///
/// Invariants (established by the constructors, relied on by every runtime function):
/// * `keysize` is `key.size`, or 8 with [`MapTypeFlags::INDIRECT_KEY`] when
///   `key.size > 128`; the same for `elemsize` and `elem`;
/// * `bucketsize == 8 + 8 * keysize + 8 * elemsize + 8`: tophash bytes, keys, elems, the
///   overflow pointer, with no padding (every alignment divides 8);
/// * `key.equal` is `Some`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct MapType {
    /// The key type.
    pub(crate) key: Type,
    /// The elem type.
    pub(crate) elem: Type,
    /// The hash function of `key`.
    pub(crate) hasher: HashFn,
    /// Size of a key slot.
    pub(crate) keysize: u8,
    /// Size of an elem slot.
    pub(crate) elemsize: u8,
    /// Size of a bucket.
    pub(crate) bucketsize: u16,
    /// The flag bits.
    pub(crate) flags: MapTypeFlags,
    /// Whether a bucket holds pointers (Go's `t.bucket.ptrdata != 0`): true iff the key or
    /// elem holds pointers or is stored indirectly.
    pub(crate) bucket_has_pointers: bool,
    /// Which Go hash `hasher` is, when it is one.
    pub(crate) hash_alg: HashAlg,
    /// The runtime family Go's compiler would pick.
    pub(crate) fast: MapFast,
    /// Where buckets, overflow buckets and indirect keys and elems come from.
    pub(crate) alloc: Allocator,
    /// The key's Go type when the descriptor was built from one ([`MapType::for_types`]):
    /// the dump then spells key slots structurally ([`spell::format_slot`]).
    pub(crate) key_type: Option<GoType>,
    /// The Go release whose map this descriptor reproduces (Go 1.19 unless set with
    /// [`MapType::with_release`]).
    release: GoRelease,
}

impl fmt::Debug for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapType")
            .field("key", &self.key)
            .field("elem", &self.elem)
            .field("keysize", &self.keysize)
            .field("elemsize", &self.elemsize)
            .field("bucketsize", &self.bucketsize)
            .field("flags", &self.flags)
            .field("hash_alg", &self.hash_alg)
            .field("fast", &self.fast)
            .field("release", &self.release)
            .finish()
    }
}

// SAFETY: a MapType is immutable after construction; its raw `ctx` pointers are only handed
// back to the embedder's own functions, which the embedder promises are callable from any
// thread that uses the map (documented on `Type::ctx`).
unsafe impl Send for MapType {}
// SAFETY: as above; nothing in a MapType is mutated through a shared reference.
unsafe impl Sync for MapType {}
// SAFETY: see `MapType`.
unsafe impl Send for Type {}
// SAFETY: see `MapType`.
unsafe impl Sync for Type {}

impl MapType {
    /// The key type.
    #[inline]
    pub fn key(&self) -> &Type {
        &self.key
    }
    /// The elem type.
    #[inline]
    pub fn elem(&self) -> &Type {
        &self.elem
    }
    /// The hash function of the key (Go's `t.hasher`).
    #[inline]
    pub fn hasher(&self) -> HashFn {
        self.hasher
    }
    /// Size of a key slot (Go's `t.keysize`).
    #[inline]
    pub fn keysize(&self) -> u8 {
        self.keysize
    }
    /// Size of an elem slot (Go's `t.elemsize`).
    #[inline]
    pub fn elemsize(&self) -> u8 {
        self.elemsize
    }
    /// Size of a bucket (Go's `t.bucketsize`).
    #[inline]
    pub fn bucketsize(&self) -> u16 {
        self.bucketsize
    }
    /// The flag bits (Go's `t.flags`).
    #[inline]
    pub fn flags(&self) -> MapTypeFlags {
        self.flags
    }
    /// Whether a bucket holds pointers (Go's `t.bucket.ptrdata != 0`).
    #[inline]
    pub fn bucket_has_pointers(&self) -> bool {
        self.bucket_has_pointers
    }
    /// Which Go hash the hasher is, when it is one.
    #[inline]
    pub fn hash_alg(&self) -> HashAlg {
        self.hash_alg
    }
    /// The runtime family Go's compiler would pick (`walk.mapfast`).
    #[inline]
    pub fn fast(&self) -> MapFast {
        self.fast
    }
    /// Where buckets, overflow buckets and indirect keys and elems come from.
    #[inline]
    pub fn alloc(&self) -> Allocator {
        self.alloc
    }

    /// Go's `indirectkey()`.
    #[inline]
    pub fn indirectkey(&self) -> bool {
        self.flags.contains(MapTypeFlags::INDIRECT_KEY)
    }
    /// Go's `indirectelem()`.
    #[inline]
    pub fn indirectelem(&self) -> bool {
        self.flags.contains(MapTypeFlags::INDIRECT_ELEM)
    }
    /// Go's `reflexivekey()`.
    #[inline]
    pub fn reflexivekey(&self) -> bool {
        self.flags.contains(MapTypeFlags::REFLEXIVE_KEY)
    }
    /// Go's `needkeyupdate()`.
    #[inline]
    pub fn needkeyupdate(&self) -> bool {
        self.flags.contains(MapTypeFlags::NEED_KEY_UPDATE)
    }
    /// Go's `hashMightPanic()`.
    #[inline]
    pub fn hashMightPanic(&self) -> bool {
        self.flags.contains(MapTypeFlags::HASH_MIGHT_PANIC)
    }

    /// Hashes the key at `key` with `seed` (Go's `t.hasher(key, seed)`).
    ///
    /// # Safety
    /// `key` points at a readable key of this map type.
    #[inline]
    pub unsafe fn hash(&self, key: *const u8, seed: usize) -> usize {
        // SAFETY: the caller vouches for `key`; `self.key` outlives the call.
        unsafe { (self.hasher)(key, seed, &self.key) }
    }

    /// Compares two keys (Go's `t.key.equal(a, b)`).
    ///
    /// # Safety
    /// `a` and `b` point at readable keys of this map type.
    #[inline]
    pub unsafe fn key_equal(&self, a: *const u8, b: *const u8) -> bool {
        // SAFETY: the constructors guarantee `equal` is Some; the caller vouches for `a`, `b`.
        unsafe { (self.key.equal.unwrap_unchecked())(a, b, &self.key) }
    }

    /// Builds a descriptor from key and elem types and a hash function, laying the bucket
    /// out as Go's compiler does (`reflectdata.MapBucketType`) and deriving the indirect
    /// flags from the sizes. `flags` gives the other bits (reflexive key, need key update,
    /// hash might panic); indirect bits in it are ignored and recomputed.
    ///
    /// # Safety
    /// `hasher` and `key.equal` meet the contract in the [module documentation](self)
    /// (and `elem.equal`, if any, is a function of that signature) for as long as the map
    /// type, or any map made with it, is in use: the map code reads and writes the bucket
    /// memory their answers lead it to, so functions that break the contract (hashes that
    /// change, an `equal` that is not reflexive on a key type flagged reflexive, functions
    /// that write the keys or the map) can make it free or read memory twice.
    pub unsafe fn new(
        key: Type,
        elem: Type,
        hasher: HashFn,
        flags: MapTypeFlags,
    ) -> Result<MapType, MapTypeError> {
        let l = bucket_layout(&key, &elem)?;
        let mut f = flags - (MapTypeFlags::INDIRECT_KEY | MapTypeFlags::INDIRECT_ELEM);
        if l.indirect_key {
            f |= MapTypeFlags::INDIRECT_KEY;
        }
        if l.indirect_elem {
            f |= MapTypeFlags::INDIRECT_ELEM;
        }
        // SAFETY: the caller's functions meet the contract (caller).
        unsafe {
            MapType::from_parts(
                key,
                elem,
                hasher,
                l.keysize,
                l.elemsize,
                l.bucketsize,
                f,
                HashAlg::Custom,
                MapFast::Slow,
                Allocator::system(),
            )
        }
    }

    /// Takes every field of a hand-made descriptor and checks it as Go's
    /// `reflect_makemap` does, plus the layout facts the runtime relies on (bucket size,
    /// fast-path family). Port of the checks of `runtime.reflect_makemap` (go1.19 map.go).
    ///
    /// # Safety
    /// As [`MapType::new`]; `alloc` is an [`Allocator`] (itself made under its contract).
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn from_parts(
        key: Type,
        elem: Type,
        hasher: HashFn,
        keysize: u8,
        elemsize: u8,
        bucketsize: u16,
        flags: MapTypeFlags,
        hash_alg: HashAlg,
        fast: MapFast,
        alloc: Allocator,
    ) -> Result<MapType, MapTypeError> {
        use crate::base::{BUCKET_CNT, DATA_OFFSET, MAX_ELEM_SIZE, MAX_KEY_SIZE};
        const PTR: usize = core::mem::size_of::<usize>();
        if key.equal.is_none() {
            return Err(MapTypeError::UnsupportedKeyType);
        }
        let ik = flags.contains(MapTypeFlags::INDIRECT_KEY);
        let ie = flags.contains(MapTypeFlags::INDIRECT_ELEM);
        if key.size > MAX_KEY_SIZE && (!ik || keysize as usize != PTR)
            || key.size <= MAX_KEY_SIZE && (ik || keysize as usize != key.size)
        {
            return Err(MapTypeError::KeySizeWrong {
                size: key.size,
                keysize,
                indirect: ik,
            });
        }
        if elem.size > MAX_ELEM_SIZE && (!ie || elemsize as usize != PTR)
            || elem.size <= MAX_ELEM_SIZE && (ie || elemsize as usize != elem.size)
        {
            return Err(MapTypeError::ElemSizeWrong {
                size: elem.size,
                elemsize,
                indirect: ie,
            });
        }
        for (which, ty) in [(Which::Key, &key), (Which::Elem, &elem)] {
            if ty.align == 0 || !ty.align.is_power_of_two() {
                return Err(MapTypeError::AlignNotPowerOfTwo {
                    which,
                    align: ty.align,
                });
            }
            if ty.align as usize > BUCKET_CNT {
                return Err(MapTypeError::AlignTooBig {
                    which,
                    align: ty.align,
                });
            }
            if ty.size % ty.align as usize != 0 {
                return Err(MapTypeError::SizeNotMultipleOfAlign {
                    which,
                    size: ty.size,
                    align: ty.align,
                });
            }
            if DATA_OFFSET % ty.align as usize != 0 {
                return Err(MapTypeError::NeedPadding { which });
            }
            if ty.ptrdata > ty.size {
                return Err(MapTypeError::PtrdataTooBig {
                    which,
                    ptrdata: ty.ptrdata,
                    size: ty.size,
                });
            }
        }
        let want = layout::bucket_size(keysize as usize, elemsize as usize);
        if bucketsize as usize != want {
            return Err(MapTypeError::BucketSizeWrong { bucketsize, want });
        }
        if flags.bits() & !MapTypeFlags::all().bits() != 0 {
            return Err(MapTypeError::UnknownFlags(flags.bits()));
        }

        let hash_ok = match hash_alg {
            HashAlg::Custom | HashAlg::MemVarlen => true,
            HashAlg::Mem0 => key.size == 0,
            HashAlg::Mem8 => key.size == 1,
            HashAlg::Mem16 => key.size == 2,
            HashAlg::Mem32 | HashAlg::F32 => key.size == 4,
            HashAlg::Mem64 | HashAlg::F64 | HashAlg::C64 => key.size == 8,
            HashAlg::Mem128 | HashAlg::C128 => key.size == 16,
            HashAlg::Str => {
                matches!(key.kind, Kind::String | Kind::Struct | Kind::Array) && key.size == 2 * PTR
            }
        };
        if !hash_ok {
            return Err(MapTypeError::HashAlgWrong(hash_alg));
        }
        if !hasher_is(hasher, hash_alg, &key) {
            return Err(MapTypeError::HasherNotHashAlg(hash_alg));
        }
        // Keys Go never treats as reflexive: floats and complex numbers (NaN), interfaces.
        let never_reflexive = matches!(
            key.kind,
            Kind::Float32 | Kind::Float64 | Kind::Complex64 | Kind::Complex128 | Kind::Interface
        );
        if never_reflexive && flags.contains(MapTypeFlags::REFLEXIVE_KEY) {
            return Err(MapTypeError::ReflexiveKindWrong(key.kind));
        }
        // Port of walk.mapfast (go1.19 cmd/compile/internal/walk/walk.go): a fast family
        // only for elems of at most 128 bytes and keys of Go's AMEM32, AMEM64 or ASTRING
        // algorithm (4- or 8-byte plain memory compared bitwise, or strings). The fast
        // paths compare key bits, so a key with another equality (a float: +0 == -0, NaN)
        // must take the generic routines. The slow family is always accepted: the generic
        // routines compute the same bytes. (A `Custom` or varlen memory hasher with bitwise
        // equality may use the 4- and 8-byte families: they call it, and equal keys are
        // equal bytes.)
        let mem_key = |size: usize, alg: HashAlg| {
            (hash_alg == alg || matches!(hash_alg, HashAlg::Custom | HashAlg::MemVarlen))
                && key.size == size
                && keysize as usize == size
                && !ik
                && !never_reflexive
                && !matches!(key.kind, Kind::String)
                && flags.contains(MapTypeFlags::REFLEXIVE_KEY)
                // SAFETY: `key.equal` is Some (checked above); the samples are `size` bytes.
                && unsafe { equal_is_bitwise(key.equal.unwrap_unchecked(), &key, size) }
        };
        let fast_ok = match fast {
            MapFast::Slow => true,
            MapFast::Fast32 => mem_key(4, HashAlg::Mem32) && key.ptrdata == 0,
            // Go picks this one only where pointers are 4 bytes; gomap runs it on 64-bit
            // targets too (its tests and fuzzers do), with the bytes of `Fast32`.
            MapFast::Fast32Ptr => mem_key(4, HashAlg::Mem32) && key.ptrdata != 0,
            MapFast::Fast64 => mem_key(8, HashAlg::Mem64) && key.ptrdata == 0,
            MapFast::Fast64Ptr => mem_key(8, HashAlg::Mem64) && key.ptrdata != 0 && PTR == 8,
            // String keys, and the one-field structs and one-element arrays of a string
            // that Go's AlgType classifies as ASTRING (same memory, same hash).
            MapFast::FastStr => {
                (key.kind == Kind::String
                    || matches!(key.kind, Kind::Struct | Kind::Array) && hash_alg == HashAlg::Str)
                    && matches!(hash_alg, HashAlg::Str | HashAlg::Custom)
                    && key.size == 2 * PTR
                    && keysize as usize == 2 * PTR
                    && flags.contains(MapTypeFlags::REFLEXIVE_KEY)
            }
        };
        if !fast_ok || (fast != MapFast::Slow && elem.size > MAX_ELEM_SIZE) {
            return Err(MapTypeError::FastFamilyWrong(fast));
        }
        Ok(MapType {
            bucket_has_pointers: ik || ie || key.ptrdata != 0 || elem.ptrdata != 0,
            key,
            elem,
            hasher,
            keysize,
            elemsize,
            bucketsize,
            flags,
            hash_alg,
            fast,
            alloc,
            key_type: None,
            release: GoRelease::Go1_19,
        })
    }

    /// The Go release this descriptor's maps follow.
    #[inline(always)]
    pub fn release(&self) -> GoRelease {
        self.release
    }

    /// The same descriptor for Go release `r`: maps made with it follow that release's
    /// `map.go` (see [`release`]). A Go hasher (one of `hash_alg`'s functions) is swapped
    /// for the release's own: float hashes draw NaN words from that release's generator,
    /// and go1.23's portable (no-AES) hash is keyed differently; a custom hasher is kept.
    pub fn with_release(mut self, r: GoRelease) -> MapType {
        let ours = release::CLASSIC_RELEASES
            .iter()
            .filter_map(|&q| builders::hash_fn_for(self.hash_alg, q))
            .any(|f| f as usize == self.hasher as usize);
        if ours {
            if let Some(f) = builders::hash_fn_for(self.hash_alg, r) {
                self.hasher = f;
            }
        } else if let Some(f) = genalg::composite_hasher_for(self.hasher, r) {
            // A composite key's generated hash (or typehash) calls the runtime's hashes,
            // which changed with the release too.
            self.hasher = f;
        }
        self.release = r;
        self
    }

    /// The same descriptor with another allocator.
    pub fn with_allocator(mut self, alloc: Allocator) -> MapType {
        self.alloc = alloc;
        self
    }
}

/// Key or elem, in a [`MapTypeError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The key type.
    Key,
    /// The elem type.
    Elem,
}

impl fmt::Display for Which {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Which::Key => "key",
            Which::Elem => "elem",
        })
    }
}

/// Why a descriptor was refused. The messages follow Go's `reflect_makemap` throws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapTypeError {
    /// The key type has no equality function.
    UnsupportedKeyType,
    /// `keysize` disagrees with the key size and the indirect-key flag.
    KeySizeWrong {
        /// `key.size`.
        size: usize,
        /// The slot size given.
        keysize: u8,
        /// Whether the indirect-key flag was set.
        indirect: bool,
    },
    /// `elemsize` disagrees with the elem size and the indirect-elem flag.
    ElemSizeWrong {
        /// `elem.size`.
        size: usize,
        /// The slot size given.
        elemsize: u8,
        /// Whether the indirect-elem flag was set.
        indirect: bool,
    },
    /// An alignment that is zero or not a power of two.
    AlignNotPowerOfTwo {
        /// Key or elem.
        which: Which,
        /// The alignment given.
        align: u8,
    },
    /// An alignment above 8 (`bucketCnt`).
    AlignTooBig {
        /// Key or elem.
        which: Which,
        /// The alignment given.
        align: u8,
    },
    /// A size that is not a multiple of the alignment.
    SizeNotMultipleOfAlign {
        /// Key or elem.
        which: Which,
        /// The size given.
        size: usize,
        /// The alignment given.
        align: u8,
    },
    /// The slots would need padding after the tophash bytes.
    NeedPadding {
        /// Key or elem.
        which: Which,
    },
    /// `ptrdata` larger than the type.
    PtrdataTooBig {
        /// Key or elem.
        which: Which,
        /// The pointer prefix given.
        ptrdata: usize,
        /// The size given.
        size: usize,
    },
    /// `bucketsize` is not what the slot sizes give.
    BucketSizeWrong {
        /// The bucket size given.
        bucketsize: u16,
        /// The size Go's layout gives.
        want: usize,
    },
    /// Flag bits Go does not define.
    UnknownFlags(u32),
    /// A fast-path family that does not fit the key (or an elem over 128 bytes).
    FastFamilyWrong(MapFast),
    /// A named Go hash that does not fit the key.
    HashAlgWrong(HashAlg),
    /// `hasher` does not compute the Go hash `hash_alg` names, for one of the hashes the
    /// fast paths call directly (`Mem32`, `Mem64`, `Str`): they would hash differently
    /// from the generic paths. Name such a hasher `HashAlg::Custom`.
    HasherNotHashAlg(HashAlg),
    /// A key or elem too large for any bucket (the slot sizes overflow).
    TooLarge,
    /// The reflexive-key flag on a key kind that has values not equal to themselves
    /// (floats and complex numbers: NaN; interfaces).
    ReflexiveKindWrong(Kind),
}

impl fmt::Display for MapTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapTypeError::UnsupportedKeyType => {
                write!(f, "unsupported map key type: the key type has no equal function")
            }
            MapTypeError::KeySizeWrong { size, keysize, indirect } => write!(
                f,
                "key size wrong: key.size={size} keysize={keysize} indirect={indirect} \
                 (keys over 128 bytes need an 8-byte indirect slot, others an inline slot of their size)"
            ),
            MapTypeError::ElemSizeWrong { size, elemsize, indirect } => write!(
                f,
                "elem size wrong: elem.size={size} elemsize={elemsize} indirect={indirect} \
                 (elems over 128 bytes need an 8-byte indirect slot, others an inline slot of their size)"
            ),
            MapTypeError::AlignNotPowerOfTwo { which, align } => {
                write!(f, "{which} align {align} is not a power of two")
            }
            MapTypeError::AlignTooBig { which, align } => {
                write!(f, "{which} align too big: {align} > 8")
            }
            MapTypeError::SizeNotMultipleOfAlign { which, size, align } => {
                write!(f, "{which} size not a multiple of {which} align: size {size}, align {align}")
            }
            MapTypeError::NeedPadding { which } => write!(f, "need padding in bucket ({which})"),
            MapTypeError::PtrdataTooBig { which, ptrdata, size } => {
                write!(f, "{which} ptrdata {ptrdata} exceeds its size {size}")
            }
            MapTypeError::BucketSizeWrong { bucketsize, want } => {
                write!(f, "bucketsize wrong: {bucketsize}, the layout gives {want}")
            }
            MapTypeError::UnknownFlags(b) => write!(f, "unknown maptype flag bits {b:#x}"),
            MapTypeError::FastFamilyWrong(m) => {
                write!(f, "fast-path family {m:?} does not fit this key and elem")
            }
            MapTypeError::HashAlgWrong(a) => write!(f, "hash {a:?} does not fit this key type"),
            MapTypeError::HasherNotHashAlg(a) => write!(
                f,
                "hasher is not Go's {a:?} hash (the fast paths would call {a:?} directly); use HashAlg::Custom"
            ),
            MapTypeError::TooLarge => write!(f, "key or elem too large for a bucket"),
            MapTypeError::ReflexiveKindWrong(k) => write!(
                f,
                "reflexive key flag on a {k:?} key, whose values need not equal themselves"
            ),
        }
    }
}

impl std::error::Error for MapTypeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bits_are_gos() {
        assert_eq!(MapTypeFlags::INDIRECT_KEY.bits(), 1);
        assert_eq!(MapTypeFlags::INDIRECT_ELEM.bits(), 2);
        assert_eq!(MapTypeFlags::REFLEXIVE_KEY.bits(), 4);
        assert_eq!(MapTypeFlags::NEED_KEY_UPDATE.bits(), 8);
        assert_eq!(MapTypeFlags::HASH_MIGHT_PANIC.bits(), 16);
    }
}
