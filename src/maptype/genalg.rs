//! The hash and equal functions of composite and interface types: what Go 1.19's compiler
//! generates (`reflectdata.genhash`, `geneq`), what the runtime uses for values held in
//! interfaces and for `reflect.MapOf` maps (`runtime.typehash`), and the interface
//! functions of `runtime/alg.go` (`interhash`, `nilinterhash`, `efaceeq`, `ifaceeq`).
//!
//! # Two hashes for one type
//!
//! A compiled `map[S]T` hashes with the function `genhash` made for `S`: runs of plain
//! memory fields are merged into one `memhash(p+off, h, size)` each, other fields are
//! hashed one by one (`strhash`, `f64hash`, `interhash`, or the generated function of a
//! nested struct or array), each call seeded with the previous one's result. The same `S`
//! held in an interface, or keyed in a map made by `reflect.MapOf`, is hashed by
//! `typehash`, which walks field by field (a 4- or 8-byte plain-memory field through
//! `memhash32`/`memhash64`, others through `memhash`) and never merges. For most structs
//! the two give different hashes; [`KeyHash`] says which one a [`MapType`] uses.
//!
//! # Interface values
//!
//! A value of an interface type is two words, [`GoIface`]: the dynamic type (the address
//! of its [`TypeDesc`], null for a nil interface) and the data word: the value itself for
//! types that Go stores directly (pointers, and one-field structs and one-element arrays
//! of them: `types.IsDirectIface`), otherwise the address of the value. gomap keeps the
//! dynamic type where Go keeps `_type` (`interface {}`) or `itab` (other interfaces): for
//! one interface type an itab stands for exactly one dynamic type, so comparing the words
//! gives the same answers.
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ffi::c_void;

use super::alg::{self, C0, C1};
use super::builders::{hash_fn, hashers};
use super::gotype::{AlgKind, GoType, Shape, SigOp, Step, TypeDesc};
use super::release::GoRelease::{self, Go1_19, Go1_22, Go1_23, Go1_24NoSwiss};
use super::{EqualFn, HashAlg, HashFn, Kind, MapFast, MapType, MapTypeError, MapTypeFlags, Type};
use crate::base::malloc::Allocator;
use crate::base::panic::{raise, RuntimeError};
use crate::base::MAX_ELEM_SIZE;

/// Go's `eface`/`iface`: an interface value as it sits in a key slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoIface {
    /// The dynamic type ([`GoType::as_ptr`]), null for a nil interface.
    pub typ: *const TypeDesc,
    /// The value (direct types) or its address.
    pub data: *const u8,
}

pub use crate::base::panic::{UNCOMPARABLE, UNHASHABLE, UNHASHABLE_KEY};

/// Go's runtime-error message a panic carries, when its payload is one of the panics of
/// this module (`runtime error: hash of unhashable type T`, `runtime error: comparing
/// uncomparable type T`): what a caller that catches them (a VM, a trace replayer) reports.
pub fn go_runtime_error(payload: &(dyn core::any::Any + Send)) -> Option<&str> {
    crate::base::panic::panic_message(payload).filter(|m| {
        m.starts_with(UNHASHABLE) || m.starts_with(UNHASHABLE_KEY) || m.starts_with(UNCOMPARABLE)
    })
}

/// Installs (once per process) a panic hook that prints nothing for the panics of
/// [`go_runtime_error`], which the caller catches as Go programs `recover` them, and
/// passes every other panic to the hook installed before.
pub fn quiet_go_runtime_errors() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if go_runtime_error(info.payload()).is_none() {
                prev(info)
            }
        }));
    });
}

#[cold]
#[inline(never)]
fn unhashable(t: GoType) -> ! {
    raise(RuntimeError::Unhashable(t.name().to_string()))
}

#[cold]
#[inline(never)]
fn unhashable_key(t: GoType) -> ! {
    raise(RuntimeError::UnhashableKey(t.name().to_string()))
}

#[cold]
#[inline(never)]
fn uncomparable(t: GoType) -> ! {
    raise(RuntimeError::Uncomparable(t.name().to_string()))
}

/// Which of Go's two hashes of a key type a map uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyHash {
    /// The function the compiler generates for `map[K]E` (`reflectdata.genhash`).
    Compiled,
    /// `runtime.typehash`, as a map made by `reflect.MapOf` hashes.
    TypeHash,
}

/// Port of `reflectdata.hashfor` (go1.19 reflectdata/alg.go): the function a generated
/// hash calls for a component that is not plain memory, chosen by `types.AlgType`.
///
/// # Safety
/// `p` points at a readable value of `t` (strings' and interfaces' targets readable too).
pub unsafe fn hashfor(t: GoType, p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { hashfor_r(t, p, h, Go1_19) }
}

/// [`hashfor`] as release `r` computes it: the runtime functions it calls draw a NaN's
/// hash from `r`'s generator and key their fallback (no AES) hash as `r` does.
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn hashfor_r(t: GoType, p: *const u8, h: usize, r: GoRelease) -> usize {
    let go123 = r.hash64_uses_hashkey();
    // SAFETY: (all arms) the caller vouches for the value at `p`, which is what each
    // function reads.
    unsafe {
        match t.alg_type() {
            AlgKind::ASTRING => alg::strhash_rel(p, h, go123),
            AlgKind::AFLOAT32 => alg::f32hash_r(p, h, r),
            AlgKind::AFLOAT64 => alg::f64hash_r(p, h, r),
            AlgKind::ACPLX64 => alg::c64hash_r(p, h, r),
            AlgKind::ACPLX128 => alg::c128hash_r(p, h, r),
            AlgKind::AINTER => interhash_r(p, h, r),
            AlgKind::ANILINTER => nilinterhash_r(p, h, r),
            AlgKind::ASPECIAL => genhash_body(t, p, h, r),
            // Generated code hashes memory in runs (`hashmem`) and never asks for these;
            // answer as hashmem would for the whole value.
            AlgKind::AMEM
            | AlgKind::AMEM0
            | AlgKind::AMEM8
            | AlgKind::AMEM16
            | AlgKind::AMEM32
            | AlgKind::AMEM64
            | AlgKind::AMEM128 => alg::memhash_rel(p, h, t.size(), go123),
            AlgKind::ANOEQ => unhashable(t),
        }
    }
}

/// Port of the hash function `reflectdata.genhash` returns for `t` (go1.19
/// reflectdata/alg.go): `memhash0..128` or `memhash_varlen` for plain memory by
/// `reflectdata.AlgType`, the runtime's own function for strings, floats, complex numbers
/// and interfaces, and for ASPECIAL arrays and structs the body it generates.
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn genhash(t: GoType, p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { genhash_r(t, p, h, Go1_19) }
}

/// [`genhash`] as release `r` computes it (see [`hashfor_r`]).
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn genhash_r(t: GoType, p: *const u8, h: usize, r: GoRelease) -> usize {
    let go123 = r.hash64_uses_hashkey();
    // SAFETY: (all arms) as in hashfor.
    unsafe {
        match t.reflect_alg_type() {
            AlgKind::AMEM0 => alg::memhash0(p, h),
            AlgKind::AMEM8 => alg::memhash_rel(p, h, 1, go123),
            AlgKind::AMEM16 => alg::memhash_rel(p, h, 2, go123),
            AlgKind::AMEM32 => alg::memhash32_rel(p, h, go123),
            AlgKind::AMEM64 => alg::memhash64_rel(p, h, go123),
            AlgKind::AMEM128 => alg::memhash_rel(p, h, 16, go123),
            AlgKind::AMEM => alg::memhash_rel(p, h, t.size(), go123),
            _ => hashfor_r(t, p, h, r),
        }
    }
}

/// The body `genhash` generates for an ASPECIAL type: for an array, a loop hashing each
/// element with `hashfor(elem)`; for a struct, its plan (memory runs through `memhash`,
/// other fields through `hashfor`), the seed chained from call to call.
///
/// # Safety
/// As [`hashfor`].
unsafe fn genhash_body(t: GoType, p: *const u8, mut h: usize, r: GoRelease) -> usize {
    let go123 = r.hash64_uses_hashkey();
    match t.shape() {
        Shape::Array { elem, len } => {
            for i in 0..*len {
                // SAFETY: element i lies inside the array the caller vouches for.
                h = unsafe { hashfor_r(*elem, p.add(i * elem.size()), h, r) };
            }
            h
        }
        Shape::Struct(_) => {
            for s in t.plan.iter() {
                // SAFETY: the plan's offsets and sizes lie inside the struct (TypeDesc
                // invariant) the caller vouches for.
                h = unsafe {
                    match *s {
                        Step::Mem { off, size } => alg::memhash_rel(p.add(off), h, size, go123),
                        Step::Field { off, ty } => hashfor_r(ty, p.add(off), h, r),
                    }
                };
            }
            h
        }
        _ => unreachable!("only arrays and structs are ASPECIAL"),
    }
}

/// Port of the hash function Go 1.27's compiler generates for `t`
/// (`reflectdata.genhash`, go1.27 reflectdata/alg.go): for an ASPECIAL type, the body
/// `reflectdata.hashFunc` writes from its signature
/// ([`TypeDesc::eq_signature_go127`]); for the others the runtime function [`genhash`]
/// names, which Go 1.27 picks alike (a signature of plain memory alone is `memhash0..128`
/// or `memhash_varlen`, a lone string, float, complex number or interface its runtime
/// hash). Runtime hashes as release `r` computes them.
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn genhash_go127(t: GoType, p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: (both arms) forwarded from the caller; a signature covers the value's bytes.
    unsafe {
        if t.alg_type() == AlgKind::ASPECIAL {
            sighash(&t.sig, p, h, r)
        } else {
            genhash_r(t, p, h, r)
        }
    }
}

/// The body `reflectdata.hashFunc` (go1.27 reflectdata/alg.go) generates for a
/// signature: memory runs of 4 and 8 bytes through `memhash32`/`memhash64`, other runs
/// through `memhash`, floats, strings and interfaces through their runtime hashes,
/// skipped bytes passed over, and an array part as a loop over its body; the seed
/// chained from call to call.
///
/// # Safety
/// `p` points at a readable value that `ops` describes.
unsafe fn sighash(ops: &[SigOp], p: *const u8, mut h: usize, r: GoRelease) -> usize {
    let go123 = r.hash64_uses_hashkey();
    let mut off = 0;
    for op in ops {
        // SAFETY: (all arms) each instruction reads the bytes it covers, at `off` inside
        // the value the caller vouches for.
        unsafe {
            let q = p.add(off);
            match op {
                SigOp::Memory(n) => {
                    h = match n {
                        4 => alg::memhash32_rel(q, h, go123),
                        8 => alg::memhash64_rel(q, h, go123),
                        _ => alg::memhash_rel(q, h, *n, go123),
                    }
                }
                SigOp::Skip(_) => {}
                SigOp::Float32 => h = alg::f32hash_r(q, h, r),
                SigOp::Float64 => h = alg::f64hash_r(q, h, r),
                SigOp::String => h = alg::strhash_rel(q, h, go123),
                SigOp::Iface => h = interhash_r(q, h, r),
                SigOp::Eface => h = nilinterhash_r(q, h, r),
                SigOp::Array { n, body } => {
                    let size = SigOp::size(body);
                    for i in 0..*n {
                        h = sighash(body, q.add(i * size), h, r);
                    }
                }
            }
        }
        off += SigOp::size(core::slice::from_ref(op));
    }
    h
}

/// Port of runtime.typehash (go1.19 alg.go): the hash of a value of type `t` at `p`, as
/// used for values in interfaces and for `reflect.MapOf` maps. Plain memory of 4 and 8
/// bytes through `memhash32`/`memhash64` (Go's issue 37086), other plain memory through
/// `memhash`; otherwise by kind, arrays element by element and structs field by field
/// (blank fields skipped), never merging fields.
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn typehash(t: GoType, p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { typehash_r(t, p, h, Go1_19) }
}

/// [`typehash`] as release `r` computes it (see [`hashfor_r`]).
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn typehash_r(t: GoType, p: *const u8, mut h: usize, r: GoRelease) -> usize {
    let go123 = r.hash64_uses_hashkey();
    // SAFETY: (all arms) the caller vouches for the value at `p`; components lie inside it.
    unsafe {
        if t.is_regular_memory() {
            return match t.size() {
                4 => alg::memhash32_rel(p, h, go123),
                8 => alg::memhash64_rel(p, h, go123),
                n => alg::memhash_rel(p, h, n, go123),
            };
        }
        match t.kind() {
            Kind::Float32 => alg::f32hash_r(p, h, r),
            Kind::Float64 => alg::f64hash_r(p, h, r),
            Kind::Complex64 => alg::c64hash_r(p, h, r),
            Kind::Complex128 => alg::c128hash_r(p, h, r),
            Kind::String => alg::strhash_rel(p, h, go123),
            Kind::Interface => {
                if t.is_empty_interface() {
                    nilinterhash_r(p, h, r)
                } else {
                    interhash_r(p, h, r)
                }
            }
            Kind::Array => {
                let Shape::Array { elem, len } = t.shape() else {
                    unreachable!("array kind")
                };
                for i in 0..*len {
                    h = typehash_r(*elem, p.add(i * elem.size()), h, r);
                }
                h
            }
            Kind::Struct => {
                for f in t.fields() {
                    if f.is_blank() {
                        continue;
                    }
                    h = typehash_r(f.ty, p.add(f.offset), h, r);
                }
                h
            }
            // Should never happen: typehash is only called with comparable types.
            _ => unhashable(t),
        }
    }
}

/// The hash of the value an interface holds: `c1 * typehash(t, value, h ^ c0)`, after
/// the checks of `interhash`/`nilinterhash`.
///
/// # Safety
/// `p` points at a readable [`GoIface`] whose type word is null or a descriptor address,
/// and whose value is readable.
unsafe fn iface_hash(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: the caller vouches for the two words at `p`.
    let a = unsafe { p.cast::<GoIface>().read_unaligned() };
    // SAFETY: the type word is null or a descriptor address (caller).
    let Some(t) = (unsafe { GoType::from_ptr(a.typ) }) else {
        return h;
    };
    if !t.is_comparable() {
        // Checked here rather than in typehash so that the message names the topmost
        // type (a struct with a slice field, not the slice).
        unhashable(t);
    }
    let v = if t.is_direct_iface() {
        // SAFETY: the data word is the second word of the value at `p`.
        unsafe { p.add(core::mem::size_of::<usize>()) }
    } else {
        a.data
    };
    // SAFETY: `v` is the value of type `t` (caller).
    C1.wrapping_mul(unsafe { typehash_r(t, v, h ^ C0, r) })
}

/// Port of runtime.mapKeyError2 (go1.22 alg.go): panics `hash of unhashable type T` when
/// the value of `t` at `p` holds, in an interface, a value of a type that is not
/// comparable; hashes nothing (so a NaN inside draws no random number). What Go 1.22 on
/// runs on a lookup or delete in a nil or empty map, where Go 1.19-1.21 hashed the key.
///
/// # Safety
/// As [`hashfor`].
pub unsafe fn mapKeyError2(t: GoType, p: *const u8) {
    // SAFETY: forwarded.
    unsafe { key_error_walk(t, p, unhashable) }
}

/// [`mapKeyError2`] with `fail` for the value of an unhashable type: Go 1.19's words
/// (`runtime.mapKeyError2`) or those of `internal/runtime/maps.mapKeyError2` (Go 1.25 on).
///
/// # Safety
/// As [`mapKeyError2`].
unsafe fn key_error_walk(t: GoType, p: *const u8, fail: fn(GoType) -> !) {
    if t.is_regular_memory() {
        return;
    }
    match t.kind() {
        Kind::Float32 | Kind::Float64 | Kind::Complex64 | Kind::Complex128 | Kind::String => {}
        Kind::Interface => {
            // SAFETY: the caller vouches for the two words at `p`.
            let a = unsafe { p.cast::<GoIface>().read_unaligned() };
            // SAFETY: the type word is null or a descriptor address (caller).
            let Some(d) = (unsafe { GoType::from_ptr(a.typ) }) else {
                return;
            };
            if !d.is_comparable() {
                fail(d);
            }
            let v = if d.is_direct_iface() {
                // SAFETY: the data word is the second word of the value at `p`.
                unsafe { p.add(core::mem::size_of::<usize>()) }
            } else {
                a.data
            };
            // SAFETY: `v` is the value of type `d` (caller).
            unsafe { key_error_walk(d, v, fail) }
        }
        Kind::Array => {
            let Shape::Array { elem, len } = t.shape() else {
                unreachable!("array kind")
            };
            for i in 0..*len {
                // SAFETY: element i lies inside the array the caller vouches for.
                unsafe { key_error_walk(*elem, p.add(i * elem.size()), fail) };
            }
        }
        Kind::Struct => {
            for f in t.fields() {
                if !f.is_blank() {
                    // SAFETY: the field lies inside the struct the caller vouches for.
                    unsafe { key_error_walk(f.ty, p.add(f.offset), fail) };
                }
            }
        }
        // Should never happen (Go keeps the case for robustness).
        _ => fail(t),
    }
}

/// Port of runtime.mapKeyError (go1.22 alg.go) for a map type: nothing unless the key's
/// hash might panic; then [`mapKeyError2`] on a key of a Go type descriptor (a key type
/// made by [`MapType::for_types`]), or, for a key type the runtime cannot look into (a
/// caller's own hasher), the hash itself, which panics where the check would.
///
/// # Safety
/// `key` points at a key of `t`.
pub unsafe fn mapKeyError(t: &MapType, key: *const u8) {
    // SAFETY: forwarded.
    unsafe { map_key_error(t, key, unhashable) }
}

/// Port of `internal/runtime/maps.mapKeyError` (Go 1.25 on, the Swiss map's own copy of
/// [`mapKeyError`]): the same check, but an unhashable value panics with the package's
/// `unhashableTypeError` (`hash of unhashable type: T`).
///
/// # Safety
/// As [`mapKeyError`].
pub unsafe fn mapKeyError_maps(t: &MapType, key: *const u8) {
    // SAFETY: forwarded.
    unsafe { map_key_error(t, key, unhashable_key) }
}

/// [`mapKeyError`] with `fail` for the value of an unhashable type.
///
/// # Safety
/// As [`mapKeyError`].
unsafe fn map_key_error(t: &MapType, key: *const u8, fail: fn(GoType) -> !) {
    if !t.hashMightPanic() {
        return;
    }
    if composite_hasher_for(t.hasher, t.release).is_some() {
        // SAFETY: a composite hasher is only installed on key types whose ctx is their
        // descriptor (MapType::for_types); `key` is a key of it (caller).
        unsafe { key_error_walk(desc_of(&t.key), key, fail) }
    } else {
        // SAFETY: as the caller vouches.
        unsafe { t.hash(key, 0) };
    }
}

/// Port of runtime.interhash (go1.19 alg.go): a nil interface hashes to the seed; a
/// dynamic type that is not comparable panics `hash of unhashable type T`.
///
/// # Safety
/// As `iface_hash`: `p` points at a [`GoIface`] with a valid type word and value.
pub unsafe fn interhash(p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { iface_hash(p, h, Go1_19) }
}

/// [`interhash`] as release `r` computes it (see [`hashfor_r`]).
///
/// # Safety
/// As [`interhash`].
pub unsafe fn interhash_r(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { iface_hash(p, h, r) }
}

/// Port of runtime.nilinterhash (go1.19 alg.go): as [`interhash`], for `interface {}`.
///
/// # Safety
/// As [`interhash`].
pub unsafe fn nilinterhash(p: *const u8, h: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { iface_hash(p, h, Go1_19) }
}

/// [`nilinterhash`] as release `r` computes it (see [`hashfor_r`]).
///
/// # Safety
/// As [`interhash`].
pub unsafe fn nilinterhash_r(p: *const u8, h: usize, r: GoRelease) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { iface_hash(p, h, r) }
}

/// `t.equal(p, q)`: the equality function Go gives `t` (`reflectdata.geneq`), which is
/// also what `==` does on two values of `t`.
///
/// # Safety
/// `p` and `q` point at readable values of `t`.
pub unsafe fn equal(t: GoType, p: *const u8, q: *const u8) -> bool {
    // SAFETY: (all arms) the caller vouches for both values.
    unsafe {
        match t.reflect_alg_type() {
            AlgKind::AMEM0 => true,
            AlgKind::AMEM8 => alg::memequal8(p, q),
            AlgKind::AMEM16 => alg::memequal16(p, q),
            AlgKind::AMEM32 => alg::memequal32(p, q),
            AlgKind::AMEM64 => alg::memequal64(p, q),
            AlgKind::AMEM128 => alg::memequal128(p, q),
            AlgKind::AMEM => alg::memequal(p, q, t.size()),
            AlgKind::ASTRING => alg::strequal(p, q),
            AlgKind::AFLOAT32 => alg::f32equal(p, q),
            AlgKind::AFLOAT64 => alg::f64equal(p, q),
            AlgKind::ACPLX64 => alg::c64equal(p, q),
            AlgKind::ACPLX128 => alg::c128equal(p, q),
            AlgKind::AINTER => interequal(p, q),
            AlgKind::ANILINTER => nilinterequal(p, q),
            AlgKind::ASPECIAL => geneq_body(t, p, q),
            AlgKind::ANOEQ => uncomparable(t),
        }
    }
}

/// The body `geneq` generates for an ASPECIAL array or struct: elements, or the plan's
/// memory runs and fields, compared in order, stopping at the first difference (so an
/// interface field after a difference is never compared and cannot panic, as in Go's
/// ordering of `compare.EqStruct`'s conditions).
///
/// # Safety
/// As [`equal`].
unsafe fn geneq_body(t: GoType, p: *const u8, q: *const u8) -> bool {
    match t.shape() {
        Shape::Array { elem, len } => (0..*len).all(|i| {
            let o = i * elem.size();
            // SAFETY: element i lies inside both arrays (caller).
            unsafe { equal(*elem, p.add(o), q.add(o)) }
        }),
        Shape::Struct(_) => t.plan.iter().all(|s| {
            // SAFETY: the plan lies inside both structs (TypeDesc invariant, caller).
            unsafe {
                match *s {
                    Step::Mem { off, size } => alg::memequal(p.add(off), q.add(off), size),
                    Step::Field { off, ty } => equal(ty, p.add(off), q.add(off)),
                }
            }
        }),
        _ => unreachable!("only arrays and structs are ASPECIAL"),
    }
}

/// Port of runtime.interequal (go1.19 alg.go): same type word, then [`ifaceeq`].
///
/// # Safety
/// `p` and `q` point at [`GoIface`]s as [`interhash`] requires.
pub unsafe fn interequal(p: *const u8, q: *const u8) -> bool {
    // SAFETY: the caller vouches for both.
    unsafe {
        let (x, y) = (
            p.cast::<GoIface>().read_unaligned(),
            q.cast::<GoIface>().read_unaligned(),
        );
        x.typ == y.typ && ifaceeq(x.typ, x.data, y.data)
    }
}

/// Port of runtime.nilinterequal (go1.19 alg.go): same type word, then [`efaceeq`].
///
/// # Safety
/// As [`interequal`].
pub unsafe fn nilinterequal(p: *const u8, q: *const u8) -> bool {
    // SAFETY: the caller vouches for both.
    unsafe {
        let (x, y) = (
            p.cast::<GoIface>().read_unaligned(),
            q.cast::<GoIface>().read_unaligned(),
        );
        x.typ == y.typ && efaceeq(x.typ, x.data, y.data)
    }
}

/// Port of runtime.efaceeq (go1.19 alg.go): two values of dynamic type `t`. Nil
/// interfaces are equal; an uncomparable type panics `comparing uncomparable type T`;
/// direct types compare their data words.
///
/// # Safety
/// `t` is null or a descriptor address; `x` and `y` are data words of values of it.
pub unsafe fn efaceeq(t: *const TypeDesc, x: *const u8, y: *const u8) -> bool {
    // SAFETY: the caller vouches for `t`.
    let Some(t) = (unsafe { GoType::from_ptr(t) }) else {
        return true;
    };
    if !t.is_comparable() {
        uncomparable(t);
    }
    if t.is_direct_iface() {
        // Direct types are pointers and one-field wrappers of them: comparable by ==.
        return x == y;
    }
    // SAFETY: `x` and `y` point at values of `t` (caller).
    unsafe { equal(t, x, y) }
}

/// Port of runtime.ifaceeq (go1.19 alg.go): as [`efaceeq`] (gomap's type word stands
/// for Go's itab).
///
/// # Safety
/// As [`efaceeq`].
pub unsafe fn ifaceeq(t: *const TypeDesc, x: *const u8, y: *const u8) -> bool {
    // SAFETY: forwarded from the caller.
    unsafe { efaceeq(t, x, y) }
}

/// The descriptor a map's key or elem [`Type`] carries in `ctx`.
///
/// # Safety
/// `ty` is a live [`Type`] built by [`go_type_of`] (its `ctx` a descriptor address).
unsafe fn desc_of(ty: *const Type) -> GoType {
    // SAFETY: the caller vouches for `ty` and that its ctx is a descriptor address;
    // descriptors are never freed.
    unsafe { GoType::from_ptr((*ty).ctx as *const TypeDesc).expect("a Go type descriptor") }
}

/// [`genhash`] as a [`HashFn`]: the key's descriptor comes from the key type's `ctx`.
///
/// # Safety
/// `ty` is a key [`Type`] made by [`MapType::for_types`]; `p` points at a key of it.
pub unsafe extern "C-unwind" fn genhash_fn(p: *const u8, seed: usize, ty: *const Type) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { genhash(desc_of(ty), p, seed) }
}

/// [`genhash_fn`] as Go 1.22 computes it (NaN hashes from ChaCha8).
///
/// # Safety
/// As [`genhash_fn`].
pub unsafe extern "C-unwind" fn genhash_fn_go122(
    p: *const u8,
    seed: usize,
    ty: *const Type,
) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { genhash_r(desc_of(ty), p, seed, Go1_22) }
}

/// [`genhash_fn`] as Go 1.23 on computes it (and the fallback hash keyed by `hashkey`).
///
/// # Safety
/// As [`genhash_fn`].
pub unsafe extern "C-unwind" fn genhash_fn_go123(
    p: *const u8,
    seed: usize,
    ty: *const Type,
) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { genhash_r(desc_of(ty), p, seed, Go1_23) }
}

/// [`genhash_fn`] as Go 1.27 computes it ([`genhash_go127`]), with the runtime hashes
/// of the Swiss releases (those of the last classic release, Go 1.24's).
///
/// # Safety
/// As [`genhash_fn`].
pub unsafe extern "C-unwind" fn genhash_fn_go127(
    p: *const u8,
    seed: usize,
    ty: *const Type,
) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { genhash_go127(desc_of(ty), p, seed, Go1_24NoSwiss) }
}

/// [`typehash`] as a [`HashFn`] (the hasher of a `reflect.MapOf` map).
///
/// # Safety
/// As [`genhash_fn`].
pub unsafe extern "C-unwind" fn typehash_fn(p: *const u8, seed: usize, ty: *const Type) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { typehash(desc_of(ty), p, seed) }
}

/// [`typehash_fn`] as Go 1.22 computes it.
///
/// # Safety
/// As [`genhash_fn`].
pub unsafe extern "C-unwind" fn typehash_fn_go122(
    p: *const u8,
    seed: usize,
    ty: *const Type,
) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { typehash_r(desc_of(ty), p, seed, Go1_22) }
}

/// [`typehash_fn`] as Go 1.23 on computes it.
///
/// # Safety
/// As [`genhash_fn`].
pub unsafe extern "C-unwind" fn typehash_fn_go123(
    p: *const u8,
    seed: usize,
    ty: *const Type,
) -> usize {
    // SAFETY: the caller vouches for `ty` and the key.
    unsafe { typehash_r(desc_of(ty), p, seed, Go1_23) }
}

/// The composite hasher (`genhash_fn` or `typehash_fn`, any release's variant) that
/// release `r` uses in place of `f`, or `None` when `f` is none of them.
pub(crate) fn composite_hasher_for(f: HashFn, r: GoRelease) -> Option<HashFn> {
    let gen: [HashFn; 3] = [genhash_fn, genhash_fn_go122, genhash_fn_go123];
    if f as usize == genhash_fn_go127 as HashFn as usize {
        // A Swiss 1.27 map type's hasher, taken back to a classic release.
        return Some(gen[era_of(r)]);
    }
    let typ: [HashFn; 3] = [typehash_fn, typehash_fn_go122, typehash_fn_go123];
    let era = era_of(r);
    if gen.iter().any(|&g| g as usize == f as usize) {
        Some(gen[era])
    } else if typ.iter().any(|&g| g as usize == f as usize) {
        Some(typ[era])
    } else {
        None
    }
}

/// Which of the three generations of the runtime hashes `r` has: 0 (Go 1.19-1.21), 1
/// (NaN hashes from ChaCha8, 1.22), 2 (the fallback keyed by `hashkey`, 1.23 on).
fn era_of(r: GoRelease) -> usize {
    if r.hash64_uses_hashkey() {
        2
    } else if r.uses_chacha8() {
        1
    } else {
        0
    }
}

/// The hasher a Swiss map type of a release from 1.27 on (`go127`) uses in place of `f`,
/// one of the crate's hashers for that key type: Go 1.27's generated hash
/// ([`genhash_fn_go127`]) where `f` is a generated hash, else `f` (Go 1.27 changed no
/// runtime hash, nor `typehash`).
pub(crate) fn swiss_hasher(f: HashFn, go127: bool) -> HashFn {
    let gen: [HashFn; 4] = [
        genhash_fn,
        genhash_fn_go122,
        genhash_fn_go123,
        genhash_fn_go127,
    ];
    if !gen.iter().any(|&g| g as usize == f as usize) {
        return f;
    }
    if go127 {
        genhash_fn_go127
    } else {
        // Every release before 1.27 generates Go 1.19's hash; the runtime hashes of the
        // Swiss releases are Go 1.24's.
        genhash_fn_go123
    }
}

/// [`equal`] as an [`EqualFn`].
///
/// # Safety
/// `ty` is a [`Type`] made by [`go_type_of`] for a comparable type; `a` and `b` point at
/// values of it.
pub unsafe extern "C-unwind" fn equal_fn(a: *const u8, b: *const u8, ty: *const Type) -> bool {
    // SAFETY: the caller vouches for `ty` and the values.
    unsafe { equal(desc_of(ty), a, b) }
}

/// The [`HashAlg`] naming the function `genhash` picks, when it is one of the runtime's
/// fixed functions; `Custom` for generated and interface hashes.
fn compiled_hash_alg(t: GoType) -> HashAlg {
    match t.reflect_alg_type() {
        AlgKind::AMEM0 => HashAlg::Mem0,
        AlgKind::AMEM8 => HashAlg::Mem8,
        AlgKind::AMEM16 => HashAlg::Mem16,
        AlgKind::AMEM32 => HashAlg::Mem32,
        AlgKind::AMEM64 => HashAlg::Mem64,
        AlgKind::AMEM128 => HashAlg::Mem128,
        AlgKind::AMEM => HashAlg::MemVarlen,
        AlgKind::ASTRING => HashAlg::Str,
        AlgKind::AFLOAT32 => HashAlg::F32,
        AlgKind::AFLOAT64 => HashAlg::F64,
        AlgKind::ACPLX64 => HashAlg::C64,
        AlgKind::ACPLX128 => HashAlg::C128,
        AlgKind::AINTER | AlgKind::ANILINTER | AlgKind::ASPECIAL | AlgKind::ANOEQ => {
            HashAlg::Custom
        }
    }
}

/// The runtime view of `t` for a map: size, alignment, pointer prefix, kind, Go's equal
/// function (the runtime's own for the fixed classes, [`equal_fn`] otherwise; `None`
/// when `t` is not comparable) and `ctx` pointing at `t`'s descriptor.
pub fn go_type_of(t: GoType) -> Type {
    let equal: Option<EqualFn> = match t.reflect_alg_type() {
        AlgKind::ANOEQ => None,
        AlgKind::AMEM0 => Some(hashers::memequal0),
        AlgKind::AMEM8 => Some(hashers::memequal8),
        AlgKind::AMEM16 => Some(hashers::memequal16),
        AlgKind::AMEM32 => Some(hashers::memequal32),
        AlgKind::AMEM64 => Some(hashers::memequal64),
        AlgKind::AMEM128 => Some(hashers::memequal128),
        AlgKind::AMEM => Some(hashers::memequal_varlen),
        AlgKind::ASTRING => Some(hashers::strequal),
        AlgKind::AFLOAT32 => Some(hashers::f32equal),
        AlgKind::AFLOAT64 => Some(hashers::f64equal),
        AlgKind::ACPLX64 => Some(hashers::c64equal),
        AlgKind::ACPLX128 => Some(hashers::c128equal),
        AlgKind::AINTER | AlgKind::ANILINTER | AlgKind::ASPECIAL => Some(equal_fn),
    };
    Type {
        size: t.size(),
        ptrdata: t.ptrdata(),
        align: t.align(),
        kind: t.kind(),
        equal,
        ctx: t.as_ptr() as *mut c_void,
    }
}

impl MapType {
    /// The descriptor of `map[key]elem` for any Go types: the bucket layout of
    /// `reflectdata.MapBucketType`, the flags `reflectdata.writeType` (or `reflect.MapOf`)
    /// sets from the key type (`reflexivekey`, `needkeyupdate`, `hashMightPanic`), and the
    /// hash `hash` names: the compiler's generated function with the fast-path family of
    /// `walk.mapfast`, or `runtime.typehash` with the families `reflect` calls (the
    /// string functions for string-kinded keys, the generic ones otherwise).
    pub fn for_types(key: GoType, elem: GoType, hash: KeyHash) -> Result<MapType, MapTypeError> {
        if !key.is_comparable() {
            return Err(MapTypeError::UnsupportedKeyType);
        }
        let kt = go_type_of(key);
        let et = go_type_of(elem);
        let l = super::bucket_layout(&kt, &et)?;
        let mut flags = l.indirect_flags();
        flags.set(MapTypeFlags::REFLEXIVE_KEY, key.is_reflexive());
        flags.set(MapTypeFlags::NEED_KEY_UPDATE, key.needkeyupdate());
        flags.set(MapTypeFlags::HASH_MIGHT_PANIC, key.hash_might_panic());
        let (hasher, hash_alg, fast): (HashFn, HashAlg, MapFast) = match hash {
            KeyHash::Compiled => {
                let a = compiled_hash_alg(key);
                let f = hash_fn(a).unwrap_or(genhash_fn);
                (f, a, mapfast(key, elem))
            }
            KeyHash::TypeHash => {
                let fast = if key.kind() == Kind::String && elem.size() <= MAX_ELEM_SIZE {
                    MapFast::FastStr
                } else {
                    MapFast::Slow
                };
                (typehash_fn, HashAlg::Custom, fast)
            }
        };
        // SAFETY: every function here is one of the crate's own Go hash and equal
        // functions for this key's description, which agree (equal keys hash alike).
        let mut t = unsafe {
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
        }?;
        t.key_type = Some(key);
        Ok(t)
    }
}

/// Port of `walk.mapfast` (go1.19 cmd/compile/internal/walk/walk.go) for any key type.
fn mapfast(key: GoType, elem: GoType) -> MapFast {
    if elem.size() > MAX_ELEM_SIZE {
        return MapFast::Slow;
    }
    match key.reflect_alg_type() {
        AlgKind::AMEM32 if key.ptrdata() == 0 => MapFast::Fast32,
        // A 4-byte type cannot hold an 8-byte pointer: Go's "small pointer" fatal error
        // is unreachable on 64-bit targets.
        AlgKind::AMEM32 => MapFast::Fast32Ptr,
        AlgKind::AMEM64 if key.ptrdata() == 0 => MapFast::Fast64,
        AlgKind::AMEM64 => MapFast::Fast64Ptr,
        AlgKind::ASTRING => MapFast::FastStr,
        _ => MapFast::Slow,
    }
}
