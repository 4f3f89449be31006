//! Descriptors for the Go types a map takes, with the hash function, flags and fast-path
//! family that Go 1.19's compiler picks for each (`reflectdata.genhash`, `AlgType`,
//! `types.IsReflexive`, `needkeyupdate`, `walk.mapfast`).

use super::alg;
use super::release::GoRelease;
use super::{EqualFn, HashAlg, HashFn, Kind, MapFast, MapType, MapTypeError, MapTypeFlags, Type};
use crate::base::malloc::Allocator;
use crate::base::MAX_ELEM_SIZE;
use core::ptr;

/// A Go type that can be a map key or elem, for [`MapType::for_go_types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GoKind {
    /// `bool`.
    Bool,
    /// `int8`.
    Int8,
    /// `int16`.
    Int16,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `int` (64-bit).
    Int,
    /// `uint8`.
    Uint8,
    /// `uint16`.
    Uint16,
    /// `uint32`.
    Uint32,
    /// `uint64`.
    Uint64,
    /// `uint` (64-bit).
    Uint,
    /// `uintptr`.
    Uintptr,
    /// `*T` (a pointer: compared and hashed as an address).
    Pointer,
    /// `unsafe.Pointer`.
    UnsafePointer,
    /// `float32`.
    Float32,
    /// `float64`.
    Float64,
    /// `complex64`.
    Complex64,
    /// `complex128`.
    Complex128,
    /// `string`, stored as a [`super::GoString`] header.
    String,
    /// `[N]byte`.
    Bytes(usize),
    /// `struct{}`, or any zero-size type.
    EmptyStruct,
    /// A plain-memory type (a struct or array of integers without padding) of the given
    /// size and alignment: compared and hashed bytewise, as Go does for such types.
    Memory {
        /// Size in bytes.
        size: usize,
        /// Alignment in bytes (a power of two, at most 8).
        align: u8,
    },
}

/// Go's `AlgType` classes that decide the hash function (`types.AlgType`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Alg {
    Mem,
    Str,
    F32,
    F64,
    C64,
    C128,
}

impl GoKind {
    fn alg(self) -> Alg {
        match self {
            GoKind::Float32 => Alg::F32,
            GoKind::Float64 => Alg::F64,
            GoKind::Complex64 => Alg::C64,
            GoKind::Complex128 => Alg::C128,
            GoKind::String => Alg::Str,
            _ => Alg::Mem,
        }
    }

    fn has_pointers(self) -> bool {
        matches!(
            self,
            GoKind::Pointer | GoKind::UnsafePointer | GoKind::String
        )
    }

    /// `types.IsReflexive`: false for floats and complex numbers (NaN != NaN).
    fn reflexive(self) -> bool {
        !matches!(
            self,
            GoKind::Float32 | GoKind::Float64 | GoKind::Complex64 | GoKind::Complex128
        )
    }

    /// `needkeyupdate`: keys that compare equal but differ in bytes (+0/-0) or that hold
    /// pointers into storage the new key should replace (strings).
    fn needkeyupdate(self) -> bool {
        matches!(
            self,
            GoKind::Float32
                | GoKind::Float64
                | GoKind::Complex64
                | GoKind::Complex128
                | GoKind::String
        )
    }

    pub(crate) fn size_align(self) -> Result<(usize, u8), MapTypeError> {
        Ok(match self {
            GoKind::Bool | GoKind::Int8 | GoKind::Uint8 => (1, 1),
            GoKind::Int16 | GoKind::Uint16 => (2, 2),
            GoKind::Int32 | GoKind::Uint32 | GoKind::Float32 => (4, 4),
            GoKind::Int64
            | GoKind::Int
            | GoKind::Uint64
            | GoKind::Uint
            | GoKind::Uintptr
            | GoKind::Pointer
            | GoKind::UnsafePointer
            | GoKind::Float64 => (8, 8),
            GoKind::Complex64 => (8, 4),
            GoKind::Complex128 => (16, 8),
            GoKind::String => (16, 8),
            GoKind::Bytes(n) => (n, 1),
            GoKind::EmptyStruct => (0, 1),
            GoKind::Memory { size, align } => (size, align),
        })
    }

    pub(crate) fn kind(self) -> Kind {
        match self {
            GoKind::Bool => Kind::Bool,
            GoKind::Int8 => Kind::Int8,
            GoKind::Int16 => Kind::Int16,
            GoKind::Int32 => Kind::Int32,
            GoKind::Int64 => Kind::Int64,
            GoKind::Int => Kind::Int,
            GoKind::Uint8 => Kind::Uint8,
            GoKind::Uint16 => Kind::Uint16,
            GoKind::Uint32 => Kind::Uint32,
            GoKind::Uint64 => Kind::Uint64,
            GoKind::Uint => Kind::Uint,
            GoKind::Uintptr => Kind::Uintptr,
            GoKind::Pointer => Kind::Pointer,
            GoKind::UnsafePointer => Kind::UnsafePointer,
            GoKind::Float32 => Kind::Float32,
            GoKind::Float64 => Kind::Float64,
            GoKind::Complex64 => Kind::Complex64,
            GoKind::Complex128 => Kind::Complex128,
            GoKind::String => Kind::String,
            GoKind::Bytes(_) => Kind::Array,
            GoKind::EmptyStruct | GoKind::Memory { .. } => Kind::Struct,
        }
    }

    /// The hash Go's compiler picks (`genhash`): special memhashes for plain memory of
    /// 0, 1, 2, 4, 8 and 16 bytes, `memhash_varlen` for other sizes.
    fn hash_alg(self, size: usize) -> HashAlg {
        match self.alg() {
            Alg::Str => HashAlg::Str,
            Alg::F32 => HashAlg::F32,
            Alg::F64 => HashAlg::F64,
            Alg::C64 => HashAlg::C64,
            Alg::C128 => HashAlg::C128,
            Alg::Mem => mem_hash_alg(size),
        }
    }

    /// The Go runtime type descriptor of this kind.
    pub fn go_type(self) -> Result<Type, MapTypeError> {
        let (size, align) = self.size_align()?;
        let ptrdata = if self.has_pointers() { 8 } else { 0 };
        Ok(Type {
            size,
            ptrdata,
            align,
            kind: self.kind(),
            equal: Some(equal_fn(self.alg(), size)),
            ctx: ptr::null_mut(),
        })
    }
}

/// Go's `AlgType` size classes for plain memory.
fn mem_hash_alg(size: usize) -> HashAlg {
    match size {
        0 => HashAlg::Mem0,
        1 => HashAlg::Mem8,
        2 => HashAlg::Mem16,
        4 => HashAlg::Mem32,
        8 => HashAlg::Mem64,
        16 => HashAlg::Mem128,
        _ => HashAlg::MemVarlen,
    }
}

fn equal_fn(alg: Alg, size: usize) -> EqualFn {
    match alg {
        Alg::Str => hashers::strequal,
        Alg::F32 => hashers::f32equal,
        Alg::F64 => hashers::f64equal,
        Alg::C64 => hashers::c64equal,
        Alg::C128 => hashers::c128equal,
        Alg::Mem => match size {
            0 => hashers::memequal0,
            1 => hashers::memequal8,
            2 => hashers::memequal16,
            4 => hashers::memequal32,
            8 => hashers::memequal64,
            16 => hashers::memequal128,
            _ => hashers::memequal_varlen,
        },
    }
}

/// The [`HashFn`] for one of Go's hashes (`Custom` has none).
pub fn hash_fn(a: HashAlg) -> Option<HashFn> {
    Some(match a {
        HashAlg::Custom => return None,
        HashAlg::Mem0 => hashers::memhash0,
        HashAlg::Mem8 => hashers::memhash8,
        HashAlg::Mem16 => hashers::memhash16,
        HashAlg::Mem32 => hashers::memhash32,
        HashAlg::Mem64 => hashers::memhash64,
        HashAlg::Mem128 => hashers::memhash128,
        HashAlg::MemVarlen => hashers::memhash_varlen,
        HashAlg::Str => hashers::strhash,
        HashAlg::F32 => hashers::f32hash,
        HashAlg::F64 => hashers::f64hash,
        HashAlg::C64 => hashers::c64hash,
        HashAlg::C128 => hashers::c128hash,
    })
}

/// The [`HashFn`] release `r` uses for one of Go's hashes: [`hash_fn`], except that the
/// float hashes draw their NaN word from ChaCha8 (64 bits) from go1.22 on, and from
/// go1.23 the portable (no-AES) hash is keyed by all of `hashkey`.
pub fn hash_fn_for(a: HashAlg, r: GoRelease) -> Option<HashFn> {
    if r.hash64_uses_hashkey() {
        // go1.23: every Go hash keys its portable (no-AES) variant with all of hashkey.
        return Some(match a {
            HashAlg::Custom => return None,
            HashAlg::Mem0 => hashers::memhash0,
            HashAlg::Mem8 => hashers::memhash8_go123,
            HashAlg::Mem16 => hashers::memhash16_go123,
            HashAlg::Mem32 => hashers::memhash32_go123,
            HashAlg::Mem64 => hashers::memhash64_go123,
            HashAlg::Mem128 => hashers::memhash128_go123,
            HashAlg::MemVarlen => hashers::memhash_varlen_go123,
            HashAlg::Str => hashers::strhash_go123,
            HashAlg::F32 => hashers::f32hash_go123,
            HashAlg::F64 => hashers::f64hash_go123,
            HashAlg::C64 => hashers::c64hash_go123,
            HashAlg::C128 => hashers::c128hash_go123,
        });
    }
    if !r.uses_chacha8() {
        return hash_fn(a);
    }
    Some(match a {
        HashAlg::F32 => hashers::f32hash_go122,
        HashAlg::F64 => hashers::f64hash_go122,
        HashAlg::C64 => hashers::c64hash_go122,
        HashAlg::C128 => hashers::c128hash_go122,
        _ => return hash_fn(a),
    })
}

/// Go's hash and equal functions in the [`HashFn`]/[`EqualFn`] shape: each ignores the
/// type argument except the `_varlen` ones, which read the size from it (Go keeps that
/// size in the closure of the `.hashfuncN` it generates).
pub mod hashers {
    use super::alg;
    use crate::maptype::Type;

    macro_rules! hashers {
        ($($name:ident),*) => {$(
            #[doc = concat!("`", stringify!($name), "` as a [`crate::maptype::HashFn`].")]
            ///
            /// # Safety
            /// `p` points at a readable key of the size this hash is for.
            pub unsafe extern "C-unwind" fn $name(p: *const u8, seed: usize, _t: *const Type) -> usize {
                // SAFETY: forwarded from the caller.
                unsafe { alg::$name(p, seed) }
            }
        )*};
    }
    macro_rules! equals {
        ($($name:ident),*) => {$(
            #[doc = concat!("`", stringify!($name), "` as a [`crate::maptype::EqualFn`].")]
            ///
            /// # Safety
            /// `a` and `b` point at readable keys of the size this function is for.
            pub unsafe extern "C-unwind" fn $name(a: *const u8, b: *const u8, _t: *const Type) -> bool {
                // SAFETY: forwarded from the caller.
                unsafe { alg::$name(a, b) }
            }
        )*};
    }
    hashers!(
        memhash0, memhash8, memhash16, memhash32, memhash64, memhash128, strhash, f32hash, f64hash,
        c64hash, c128hash
    );
    equals!(
        memequal0,
        memequal8,
        memequal16,
        memequal32,
        memequal64,
        memequal128,
        strequal,
        f32equal,
        f64equal,
        c64equal,
        c128equal
    );

    macro_rules! hashers_go122 {
        ($($name:ident => $alg:ident),*) => {$(
            #[doc = concat!("`", stringify!($alg), "` as Go 1.22 and later compute it (a NaN draws 64 bits from ChaCha8), as a [`crate::maptype::HashFn`].")]
            ///
            /// # Safety
            /// `p` points at a readable key of the size this hash is for.
            pub unsafe extern "C-unwind" fn $name(p: *const u8, seed: usize, _t: *const Type) -> usize {
                // SAFETY: forwarded from the caller.
                unsafe { alg::$alg(p, seed, crate::maptype::release::Go1_22) }
            }
        )*};
    }
    hashers_go122!(
        f32hash_go122 => f32hash_r,
        f64hash_go122 => f64hash_r,
        c64hash_go122 => c64hash_r,
        c128hash_go122 => c128hash_r
    );

    macro_rules! hashers_go123 {
        ($($name:ident($p:ident, $s:ident, $t:ident) => $e:expr),* $(,)?) => {$(
            #[doc = concat!("`", stringify!($name), "`: Go 1.23's hash (its portable hash keyed by all of `hashkey` when AES is off), as a [`crate::maptype::HashFn`].")]
            ///
            /// # Safety
            /// `p` points at a readable key of the size this hash is for (`t` is live for
            /// `memhash_varlen_go123`, which reads the size from it).
            pub unsafe extern "C-unwind" fn $name($p: *const u8, $s: usize, $t: *const Type) -> usize {
                let _ = $t;
                // SAFETY: forwarded from the caller.
                unsafe { $e }
            }
        )*};
    }
    use crate::maptype::release::Go1_23;
    hashers_go123!(
        memhash8_go123(p, s, t) => alg::memhash_rel(p, s, 1, true),
        memhash16_go123(p, s, t) => alg::memhash_rel(p, s, 2, true),
        memhash32_go123(p, s, t) => alg::memhash32_rel(p, s, true),
        memhash64_go123(p, s, t) => alg::memhash64_rel(p, s, true),
        memhash128_go123(p, s, t) => alg::memhash_rel(p, s, 16, true),
        memhash_varlen_go123(p, s, t) => alg::memhash_rel(p, s, (*t).size, true),
        strhash_go123(p, s, t) => alg::strhash_rel(p, s, true),
        f32hash_go123(p, s, t) => alg::f32hash_r(p, s, Go1_23),
        f64hash_go123(p, s, t) => alg::f64hash_r(p, s, Go1_23),
        c64hash_go123(p, s, t) => alg::c64hash_r(p, s, Go1_23),
        c128hash_go123(p, s, t) => alg::c128hash_r(p, s, Go1_23),
    );

    /// Go's `memhash_varlen`: plain memory of `t.size` bytes.
    ///
    /// # Safety
    /// `t` is a live [`Type`]; `p` points at `t.size` readable bytes.
    pub unsafe extern "C-unwind" fn memhash_varlen(
        p: *const u8,
        seed: usize,
        t: *const Type,
    ) -> usize {
        // SAFETY: the caller vouches for `t` and for `p` covering `t.size` bytes.
        unsafe { alg::memhash(p, seed, (*t).size) }
    }

    /// Go's `memequal_varlen`: compares `t.size` bytes.
    ///
    /// # Safety
    /// `t` is a live [`Type`]; `a` and `b` point at `t.size` readable bytes.
    pub unsafe extern "C-unwind" fn memequal_varlen(
        a: *const u8,
        b: *const u8,
        t: *const Type,
    ) -> bool {
        // SAFETY: the caller vouches for `t`, `a` and `b`.
        unsafe { alg::memequal(a, b, (*t).size) }
    }
}

impl MapType {
    /// The descriptor Go 1.19's compiler emits for `map[K]E`, with K and E given as
    /// [`GoKind`]s: layout, hash function, flags and fast-path family.
    pub fn for_go_types(key: GoKind, elem: GoKind) -> Result<MapType, MapTypeError> {
        let kt = key.go_type()?;
        let et = elem.go_type()?;
        let l = super::bucket_layout(&kt, &et)?;
        let hash_alg = key.hash_alg(kt.size);
        let mut flags = l.indirect_flags();
        flags.set(MapTypeFlags::REFLEXIVE_KEY, key.reflexive());
        flags.set(MapTypeFlags::NEED_KEY_UPDATE, key.needkeyupdate());
        let fast = mapfast(key, &kt, &et, hash_alg);
        let hasher = hash_fn(hash_alg).expect("Go kinds always have a Go hash");
        // SAFETY: Go's own hash and equal functions for the kind, which meet the contract,
        // with the flags Go's compiler derives for it; the system allocator.
        unsafe {
            MapType::from_parts(
                kt,
                et,
                hasher,
                l.keysize,
                l.elemsize,
                l.bucketsize,
                flags,
                hash_alg,
                fast,
                Allocator::system(),
            )
        }
    }

    /// A descriptor for Rust types that are plain memory: compared and hashed bytewise,
    /// reflexive, no key update (what Go does for a struct of integers). Elems need only
    /// be `Copy`.
    ///
    /// # Safety
    /// `K` has no padding bytes and no invalid bit patterns for its equality (two values are
    /// equal exactly when their bytes are), e.g. integers and arrays or `#[repr(C)]` structs
    /// of them without padding. Neither `K` nor `E` may need dropping.
    pub unsafe fn for_plain_memory<K: Copy, E: Copy>() -> Result<MapType, MapTypeError> {
        let k = GoKind::Memory {
            size: core::mem::size_of::<K>(),
            align: core::mem::align_of::<K>().min(8) as u8,
        };
        let e = GoKind::Memory {
            size: core::mem::size_of::<E>(),
            align: core::mem::align_of::<E>().min(8) as u8,
        };
        if core::mem::align_of::<K>() > 8 || core::mem::align_of::<E>() > 8 {
            return Err(MapTypeError::AlignTooBig {
                which: if core::mem::align_of::<K>() > 8 {
                    super::Which::Key
                } else {
                    super::Which::Elem
                },
                align: 16,
            });
        }
        MapType::for_go_types(k, e)
    }

    /// `map[int32]int32`.
    pub fn int32() -> MapType {
        MapType::for_go_types(GoKind::Int32, GoKind::Int32).expect("valid")
    }
    /// `map[int64]int64`.
    pub fn int64() -> MapType {
        MapType::for_go_types(GoKind::Int64, GoKind::Int64).expect("valid")
    }
    /// `map[string]int64`.
    pub fn string_int64() -> MapType {
        MapType::for_go_types(GoKind::String, GoKind::Int64).expect("valid")
    }
    /// `map[float64]int64`.
    pub fn float64_int64() -> MapType {
        MapType::for_go_types(GoKind::Float64, GoKind::Int64).expect("valid")
    }
}

/// Port of `walk.mapfast` (go1.19 cmd/compile/internal/walk/walk.go): which runtime family
/// the compiler routes a map type through.
fn mapfast(key: GoKind, kt: &Type, et: &Type, hash_alg: HashAlg) -> MapFast {
    if et.size > MAX_ELEM_SIZE {
        return MapFast::Slow;
    }
    match (hash_alg, key.alg()) {
        (HashAlg::Mem32, Alg::Mem) => {
            if kt.ptrdata == 0 {
                MapFast::Fast32
            } else {
                MapFast::Fast32Ptr
            }
        }
        (HashAlg::Mem64, Alg::Mem) => {
            if kt.ptrdata == 0 {
                MapFast::Fast64
            } else {
                MapFast::Fast64Ptr
            }
        }
        (HashAlg::Str, Alg::Str) => MapFast::FastStr,
        _ => MapFast::Slow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_flags_and_sizes() {
        let t = MapType::for_go_types(GoKind::Int64, GoKind::Int64).unwrap();
        assert_eq!(
            (t.keysize, t.elemsize, t.bucketsize, t.flags.bits()),
            (8, 8, 144, 4)
        );
        assert_eq!(t.fast, MapFast::Fast64);
        let t = MapType::for_go_types(GoKind::String, GoKind::Int64).unwrap();
        assert_eq!(
            (t.keysize, t.elemsize, t.bucketsize, t.flags.bits()),
            (16, 8, 208, 12)
        );
        assert_eq!(t.fast, MapFast::FastStr);
        let t = MapType::for_go_types(GoKind::Float64, GoKind::Int64).unwrap();
        assert_eq!(t.flags.bits(), 8);
        assert_eq!(t.fast, MapFast::Slow);
        let t = MapType::for_go_types(GoKind::Bytes(129), GoKind::Bytes(200)).unwrap();
        assert_eq!(
            (t.keysize, t.elemsize, t.bucketsize, t.flags.bits()),
            (8, 8, 144, 7)
        );
        let t = MapType::for_go_types(GoKind::Bytes(4), GoKind::EmptyStruct).unwrap();
        assert_eq!((t.keysize, t.elemsize, t.bucketsize), (4, 0, 48));
        assert_eq!(t.fast, MapFast::Fast32);
        assert_eq!(t.hash_alg, HashAlg::Mem32);
        let t = MapType::for_go_types(GoKind::Int64, GoKind::Bytes(129)).unwrap();
        assert_eq!(t.fast, MapFast::Slow);
        assert!(t.bucket_has_pointers);
    }
}
