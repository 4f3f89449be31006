//! Go type descriptors for every comparable key type: scalars, strings, structs, arrays
//! and interfaces, nested to any depth, with the facts Go 1.19's compiler derives from a
//! type (size, alignment and field offsets as `types.CalcSize` lays them out, the
//! `AlgType` class, `IsRegularMemory`, `IsPaddedField`, reflexivity, `needkeyupdate`,
//! `hashMightPanic`, `IsDirectIface`) and the plan of the hash and equal functions that
//! `reflectdata.genhash`/`geneq` generate for it (runs of memory fields merged as
//! `compare.Memrun` merges them). [`super::genalg`] runs those plans.
//!
//! # Lifetime and identity
//!
//! Like Go's `_type`s, descriptors are never freed: [`GoType`] is a `Copy` handle to a
//! `&'static` [`TypeDesc`], interned by structure (and name), so building the same type
//! twice gives the same handle and memory stays bounded by the number of distinct types.
//! Two handles are the same Go type exactly when they are equal; this is the identity an
//! interface's type word carries (Go compares `_type`/`itab` pointers the same way). A
//! map's [`super::Type::ctx`] points at its key's descriptor, and an interface key's type
//! word is a descriptor's address: both stay valid for the whole process, so hashers may
//! read them at any time.
//
// Copyright 2016 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::fmt;
use core::hash::{Hash, Hasher};
use std::collections::HashMap;
use std::sync::Mutex;

use super::{GoKind, Kind};

const PTR: usize = core::mem::size_of::<usize>();

/// Port of `types.AlgKind` (go1.19 cmd/compile/internal/types/alg.go): how a type is
/// compared and hashed. The numbered values are the ones the runtime knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AlgKind {
    ANOEQ,
    AMEM0,
    AMEM8,
    AMEM16,
    AMEM32,
    AMEM64,
    AMEM128,
    ASTRING,
    AINTER,
    ANILINTER,
    AFLOAT32,
    AFLOAT64,
    ACPLX64,
    ACPLX128,
    /// The type can be compared and hashed as regular memory.
    AMEM,
    /// The type needs generated comparison and hashing functions.
    ASPECIAL,
}

/// A field of a struct type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field's name; `_` is a blank field (skipped by hash and equality).
    pub name: Box<str>,
    /// The field's type.
    pub ty: GoType,
    /// Byte offset in the struct, as Go's compiler lays it out.
    pub offset: usize,
}

impl Field {
    /// Whether the field is blank (`_`).
    pub fn is_blank(&self) -> bool {
        &*self.name == "_"
    }
    fn end(&self) -> usize {
        self.offset + self.ty.size()
    }
}

/// What a type is made of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A scalar of [`GoKind`] (`Bool` ..`Complex128`, `String`, `UnsafePointer`).
    Scalar(GoKind),
    /// `*T` (compared and hashed as an address).
    Pointer(Option<GoType>),
    /// Plain memory of a size and alignment, as [`GoKind::Memory`].
    Memory,
    /// `[len]elem`.
    Array {
        /// Element type.
        elem: GoType,
        /// Number of elements.
        len: usize,
    },
    /// `struct { ... }`.
    Struct(Box<[Field]>),
    /// `interface { methods }`; `interface {}` when empty. A value is a type word (the
    /// address of the dynamic type's [`TypeDesc`], null for nil) and a data word.
    Interface(Box<[Box<str>]>),
    /// `[]elem`: not comparable.
    Slice(GoType),
    /// `map[key]elem`: not comparable.
    Map(GoType, GoType),
    /// A `func` type (its Go spelling is the type's name): not comparable.
    Func,
}

/// A Go type: size, alignment, shape and everything Go's compiler derives for hashing and
/// comparing it. Immutable and `'static` (see the module docs).
///
/// Invariants: `align` is a power of two at most 8; `size` is a multiple of `align`;
/// struct field offsets are increasing, aligned and inside `size`; `plan` is non-empty
/// only for [`Shape::Struct`] types with [`AlgKind::ASPECIAL`].
#[derive(Debug)]
pub struct TypeDesc {
    name: Box<str>,
    named: bool,
    size: usize,
    align: u8,
    ptrdata: usize,
    kind: Kind,
    shape: Shape,
    alg: AlgKind,
    direct_iface: bool,
    reflexive: bool,
    needkeyupdate: bool,
    hash_might_panic: bool,
    eq_can_panic: bool,
    /// The steps of the generated hash and equal functions of an ASPECIAL struct.
    pub(crate) plan: Box<[Step]>,
    /// Go 1.27's signature of an ASPECIAL type (`reflectdata.eqSignature`); empty for
    /// the other types, whose hash Go 1.27 did not change.
    pub(crate) sig: Box<[SigOp]>,
}

/// One step of a generated struct hash or equal function (`genhash`, `compare.EqStruct`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `memhash(p+off, h, size)` / `memequal(p+off, q+off, size)`: a run of memory fields.
    Mem {
        /// Offset of the run's first field.
        off: usize,
        /// Bytes from the first field's start to the last field's end.
        size: usize,
    },
    /// `hashfor(ty)(p+off, h)` / `p.f == q.f`: a field that is not plain memory.
    Field {
        /// The field's offset.
        off: usize,
        /// The field's type.
        ty: GoType,
    },
}

/// One instruction of the signature Go 1.27's compiler gives a type's generated hash and
/// equal functions (`reflectdata.eqSignature`, go1.27 reflectdata/alg.go), from which
/// `reflectdata.hashFunc` writes the hash: types of one signature share one function.
/// Unlike Go 1.19's per-struct plan ([`Step`]), a signature flattens nested structs and
/// short arrays, so plain memory merges across their boundaries, and a run of 4 or 8
/// bytes is hashed by `memhash32`/`memhash64` (which the AES hash computes differently
/// from `memhash` of that size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SigOp {
    /// `M<n>`: `n` bytes of plain memory.
    Memory(usize),
    /// `K<n>`: `n` bytes neither hashed nor compared (padding, blank fields).
    Skip(usize),
    /// `F`: a `float32`.
    Float32,
    /// `G`: a `float64`.
    Float64,
    /// `S`: a `string`.
    String,
    /// `I`: a non-empty interface.
    Iface,
    /// `E`: an empty interface.
    Eface,
    /// `[<n> body ]`: `body` (some elements of an array) `n` times.
    Array {
        /// The iteration count.
        n: usize,
        /// The signature of one iteration.
        body: Box<[SigOp]>,
    },
}

impl SigOp {
    /// Go's spelling of a signature (`M1K7M8`, `[2SF]`).
    pub(crate) fn spell(ops: &[SigOp]) -> String {
        let mut s = String::new();
        for op in ops {
            match op {
                SigOp::Memory(n) => s += &format!("M{n}"),
                SigOp::Skip(n) => s += &format!("K{n}"),
                SigOp::Float32 => s.push('F'),
                SigOp::Float64 => s.push('G'),
                SigOp::String => s.push('S'),
                SigOp::Iface => s.push('I'),
                SigOp::Eface => s.push('E'),
                SigOp::Array { n, body } => s += &format!("[{n}{}]", SigOp::spell(body)),
            }
        }
        s
    }

    /// Port of `sigSize`: the bytes a signature covers.
    pub(crate) fn size(ops: &[SigOp]) -> usize {
        ops.iter()
            .map(|op| match op {
                SigOp::Memory(n) | SigOp::Skip(n) => *n,
                SigOp::Float32 => 4,
                SigOp::Float64 => 8,
                SigOp::String | SigOp::Iface | SigOp::Eface => 2 * PTR,
                SigOp::Array { n, body } => n * SigOp::size(body),
            })
            .sum()
    }
}

/// Port of `eqSigBuilder` (go1.27 reflectdata/alg.go): queues runs of plain memory and of
/// skipped bytes, so that adjacent ones merge whatever types they came from.
#[derive(Default)]
struct EqSigBuilder {
    r: Vec<SigOp>,
    /// Queued bytes of plain memory.
    reg_mem: usize,
    /// Queued bytes to skip.
    skip_mem: usize,
}

impl EqSigBuilder {
    fn flush(&mut self, at_end: bool) {
        if self.reg_mem > 0 {
            self.r.push(SigOp::Memory(self.reg_mem));
            self.reg_mem = 0;
        }
        if self.skip_mem > 0 {
            if !at_end {
                self.r.push(SigOp::Skip(self.skip_mem));
            }
            self.skip_mem = 0;
        }
    }
    fn regular(&mut self, n: usize) {
        if self.reg_mem == 0 {
            self.flush(false);
        }
        self.reg_mem += n;
    }
    fn skip(&mut self, n: usize) {
        if self.skip_mem == 0 {
            self.flush(false);
        }
        self.skip_mem += n;
    }
    fn op(&mut self, op: SigOp) {
        self.flush(false);
        self.r.push(op);
    }

    fn build(&mut self, t: &TypeDesc) {
        match &t.shape {
            Shape::Scalar(GoKind::Float32) => self.op(SigOp::Float32),
            Shape::Scalar(GoKind::Float64) => self.op(SigOp::Float64),
            Shape::Scalar(GoKind::Complex64) => {
                self.op(SigOp::Float32);
                self.op(SigOp::Float32);
            }
            Shape::Scalar(GoKind::Complex128) => {
                self.op(SigOp::Float64);
                self.op(SigOp::Float64);
            }
            Shape::Scalar(GoKind::String) => self.op(SigOp::String),
            Shape::Scalar(_) | Shape::Pointer(_) | Shape::Memory => self.regular(t.size),
            Shape::Interface(m) if m.is_empty() => self.op(SigOp::Eface),
            Shape::Interface(_) => self.op(SigOp::Iface),
            Shape::Struct(fields) => {
                let mut off = 0;
                for f in fields.iter() {
                    if f.is_blank() {
                        continue;
                    }
                    if off < f.offset {
                        self.skip(f.offset - off);
                    }
                    self.build(&f.ty);
                    off = f.offset + f.ty.size();
                }
                if off < t.size {
                    self.skip(t.size - off);
                }
            }
            Shape::Array { elem, len } => {
                let (et, mut n) = (*elem, *len);
                if t.alg == AlgKind::AMEM {
                    self.regular(t.size);
                    return;
                }
                match n {
                    0 => {}
                    1 => self.build(&et),
                    _ => {
                        // Go keeps signatures small with a loop over groups of elements
                        // covering about 32 bytes; the elements before the loop, and a
                        // loop that would run once, are written out.
                        const UNROLL_SIZE: usize = 32;
                        if et.size() == 0 {
                            return;
                        }
                        let unroll = (UNROLL_SIZE / et.size()).max(1);
                        while n % unroll != 0 {
                            self.build(&et);
                            n -= 1;
                        }
                        if n == 0 {
                            return;
                        }
                        if n == unroll {
                            for _ in 0..n {
                                self.build(&et);
                            }
                            return;
                        }
                        self.flush(false);
                        let outer = core::mem::take(&mut self.r);
                        for _ in 0..unroll {
                            self.build(&et);
                        }
                        self.flush(false);
                        let body = core::mem::replace(&mut self.r, outer);
                        self.r.push(SigOp::Array {
                            n: n / unroll,
                            body: body.into(),
                        });
                    }
                }
            }
            // Only comparable types have a signature.
            Shape::Slice(_) | Shape::Map(..) | Shape::Func => {
                unreachable!("eqSignature of an uncomparable type")
            }
        }
    }
}

/// Port of `eqSignature` (go1.27 reflectdata/alg.go) on amd64, which can merge loads, so
/// no alignment directive: the signature of a comparable type, trailing skips dropped.
fn eq_signature(t: &TypeDesc) -> Vec<SigOp> {
    let mut e = EqSigBuilder::default();
    e.build(t);
    e.flush(true);
    e.r
}

/// A handle to an interned, immutable, never-freed [`TypeDesc`]. Equal handles are the
/// same Go type.
#[derive(Clone, Copy)]
pub struct GoType(&'static TypeDesc);

impl PartialEq for GoType {
    fn eq(&self, other: &GoType) -> bool {
        core::ptr::eq(self.0, other.0)
    }
}
impl Eq for GoType {}
impl Hash for GoType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.0 as *const TypeDesc).hash(state)
    }
}
impl fmt::Debug for GoType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}
impl fmt::Display for GoType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}

impl core::ops::Deref for GoType {
    type Target = TypeDesc;
    fn deref(&self) -> &TypeDesc {
        self.0
    }
}

/// Why a type could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoTypeError {
    /// The type's size overflows the address space.
    TooLarge,
    /// A [`GoKind::Memory`] alignment that is not a power of two at most 8, or a size that
    /// is not a multiple of it.
    BadMemory {
        /// The size given.
        size: usize,
        /// The alignment given.
        align: u8,
    },
}

impl fmt::Display for GoTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoTypeError::TooLarge => f.write_str("type too large"),
            GoTypeError::BadMemory { size, align } => {
                write!(f, "bad plain-memory type: size {size}, align {align}")
            }
        }
    }
}
impl std::error::Error for GoTypeError {}

/// Interned descriptors by (name, named, shape, size, align): every descriptor ever
/// built, leaked so that handles are `'static`.
type Interned = HashMap<(Box<str>, bool, Shape, usize, u8), &'static TypeDesc>;
static INTERNED: Mutex<Option<Interned>> = Mutex::new(None);

/// Go's `Rnd`: `o` rounded up to a multiple of `r` (a power of two).
fn rnd(o: usize, r: usize) -> Option<usize> {
    Some(o.checked_add(r - 1)? & !(r - 1))
}

impl TypeDesc {
    /// The Go spelling of the type (`runtime._type.string()`), used in panics.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }
    /// Alignment in bytes.
    pub fn align(&self) -> u8 {
        self.align
    }
    /// Length of the prefix holding pointers (Go's `ptrdata`).
    pub fn ptrdata(&self) -> usize {
        self.ptrdata
    }
    /// Go's reflect kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }
    /// What the type is made of.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }
    /// Go 1.27's signature of the type's generated hash and equal functions
    /// (`reflectdata.eqSignature`, go1.27 reflectdata/alg.go), spelled as Go names them
    /// (`type:.hash.M1K7M8`): the plan of Go 1.27's generated hash.
    ///
    /// ```
    /// use gomap::maptype::{GoKind, GoType};
    /// let s = GoType::struct_of([
    ///     ("a", GoType::scalar(GoKind::Int8)),
    ///     ("b", GoType::scalar(GoKind::Int64)),
    /// ])
    /// .unwrap();
    /// assert_eq!(s.eq_signature_go127(), "M1K7M8");
    /// // [2]struct { a int8; b int64 }: memory merges across the elements.
    /// assert_eq!(GoType::array(s, 2).unwrap().eq_signature_go127(), "M1K7M9K7M8");
    /// ```
    pub fn eq_signature_go127(&self) -> String {
        assert!(self.is_comparable(), "eqSignature of an uncomparable type");
        SigOp::spell(&eq_signature(self))
    }
    /// Port of `types.AlgType` (go1.19 types/alg.go): AMEM for any plain memory.
    pub fn alg_type(&self) -> AlgKind {
        self.alg
    }
    /// Port of `reflectdata.AlgType` (go1.19 reflectdata/alg.go): the fixed-width
    /// AMEM0..AMEM128 classes for plain memory of those sizes. (Its alignment exception,
    /// issue 46283, never applies on amd64, where `Arch.Alignment` is 1.)
    pub fn reflect_alg_type(&self) -> AlgKind {
        if self.alg != AlgKind::AMEM {
            return self.alg;
        }
        match self.size {
            0 => AlgKind::AMEM0,
            1 => AlgKind::AMEM8,
            2 => AlgKind::AMEM16,
            4 => AlgKind::AMEM32,
            8 => AlgKind::AMEM64,
            16 => AlgKind::AMEM128,
            _ => AlgKind::AMEM,
        }
    }
    /// Port of `compare.IsRegularMemory`: compared and hashed as plain bytes (Go's
    /// `tflagRegularMemory`).
    pub fn is_regular_memory(&self) -> bool {
        self.alg == AlgKind::AMEM
    }
    /// Port of `types.IsComparable`.
    pub fn is_comparable(&self) -> bool {
        self.alg != AlgKind::ANOEQ
    }
    /// Port of `types.IsDirectIface`: the value itself sits in an interface's data word.
    pub fn is_direct_iface(&self) -> bool {
        self.direct_iface
    }
    /// Port of `types.IsReflexive`: `k == k` for every value (false once a float or an
    /// interface is inside, blank fields included, as Go counts them).
    pub fn is_reflexive(&self) -> bool {
        self.reflexive
    }
    /// Port of `reflectdata.needkeyupdate`: a map assignment must overwrite the stored key.
    pub fn needkeyupdate(&self) -> bool {
        self.needkeyupdate
    }
    /// Port of `reflectdata.hashMightPanic`: an interface is inside.
    pub fn hash_might_panic(&self) -> bool {
        self.hash_might_panic
    }
    /// Port of `compare.EqCanPanic`: `==` may panic (an interface outside blank fields).
    pub fn eq_can_panic(&self) -> bool {
        self.eq_can_panic
    }
    /// Whether the type was given a name ([`GoType::named`]).
    pub fn is_named(&self) -> bool {
        self.named
    }
    /// The fields of a struct type (empty for other types).
    pub fn fields(&self) -> &[Field] {
        match &self.shape {
            Shape::Struct(f) => f,
            _ => &[],
        }
    }
    /// Port of `types.IsPaddedField`: whether struct field `i` is followed by padding.
    /// False for a type that is not a struct or an index out of range.
    pub fn is_padded_field(&self, i: usize) -> bool {
        let f = self.fields();
        if i >= f.len() {
            return false;
        }
        let end = f.get(i + 1).map_or(self.size, |n| n.offset);
        f[i].end() != end
    }
    /// Whether this is an interface type.
    pub fn is_interface(&self) -> bool {
        matches!(self.shape, Shape::Interface(_))
    }
    /// Whether this is `interface {}`.
    pub fn is_empty_interface(&self) -> bool {
        matches!(&self.shape, Shape::Interface(m) if m.is_empty())
    }
}

impl GoType {
    /// The raw address of the descriptor: what an interface's type word holds.
    pub fn as_ptr(self) -> *const TypeDesc {
        self.0
    }

    /// The descriptor whose address is `p` (an interface's type word), or `None` for null.
    ///
    /// # Safety
    /// `p` is null or the address of a descriptor (from [`GoType::as_ptr`]).
    pub unsafe fn from_ptr(p: *const TypeDesc) -> Option<GoType> {
        // SAFETY: descriptors are leaked, so a descriptor's address is valid forever
        // (the caller vouches that `p` is one).
        unsafe { p.as_ref().map(GoType) }
    }

    /// The descriptor itself, for `'static` use.
    pub fn desc(self) -> &'static TypeDesc {
        self.0
    }

    /// A scalar or plain-memory type of the existing kinds table. `Bytes(n)` is
    /// `[n]uint8` and `EmptyStruct` is `struct {}`, as in Go.
    pub fn from_kind(k: GoKind) -> Result<GoType, GoTypeError> {
        Ok(match k {
            GoKind::Bytes(n) => GoType::array(GoType::from_kind(GoKind::Uint8)?, n)?,
            GoKind::EmptyStruct => GoType::struct_of(Vec::<(&str, GoType)>::new())?,
            GoKind::Pointer => GoType::pointer(None),
            GoKind::Memory { size, align } => {
                if align == 0 || !align.is_power_of_two() || align > 8 || size % align as usize != 0
                {
                    return Err(GoTypeError::BadMemory { size, align });
                }
                intern(Build {
                    name: format!("memory{size}/{align}"),
                    named: false,
                    shape: Shape::Memory,
                    size,
                    align,
                })
            }
            k => {
                let (size, align) = k.size_align().map_err(|_| GoTypeError::TooLarge)?;
                intern(Build {
                    name: scalar_name(k).into(),
                    named: false,
                    shape: Shape::Scalar(k),
                    size,
                    align,
                })
            }
        })
    }

    /// A scalar type (panics for the kinds [`GoType::from_kind`] can refuse:
    /// `Memory` with a bad layout).
    pub fn scalar(k: GoKind) -> GoType {
        GoType::from_kind(k).expect("a valid scalar kind")
    }

    /// `*elem` (`*uint8` when `elem` is `None`).
    pub fn pointer(elem: Option<GoType>) -> GoType {
        let name = match elem {
            Some(e) => format!("*{}", e.name()),
            None => "*uint8".into(),
        };
        intern(Build {
            name,
            named: false,
            shape: Shape::Pointer(elem),
            size: PTR,
            align: PTR as u8,
        })
    }

    /// `[len]elem`.
    pub fn array(elem: GoType, len: usize) -> Result<GoType, GoTypeError> {
        let size = elem.size.checked_mul(len).ok_or(GoTypeError::TooLarge)?;
        if size > isize::MAX as usize {
            return Err(GoTypeError::TooLarge);
        }
        Ok(intern(Build {
            name: format!("[{len}]{}", elem.name()),
            named: false,
            shape: Shape::Array { elem, len },
            size,
            align: elem.align,
        }))
    }

    /// `struct { name ty; ... }` with the offsets, padding and size Go's compiler gives it
    /// (port of `types.calcStructOffset`, go1.19 types/size.go): each field at its type's
    /// alignment; a non-empty struct ending in a zero-size field gets one byte more so the
    /// field's address stays inside the object (issue 9401); the size rounded up to the
    /// largest alignment. A field named `_` is blank.
    pub fn struct_of<S: AsRef<str>>(
        fields: impl IntoIterator<Item = (S, GoType)>,
    ) -> Result<GoType, GoTypeError> {
        let mut o = 0usize;
        let mut maxalign = 1usize;
        let mut lastzero = 0usize;
        let mut fs = Vec::new();
        for (name, ty) in fields {
            maxalign = maxalign.max(ty.align as usize);
            o = rnd(o, ty.align as usize).ok_or(GoTypeError::TooLarge)?;
            fs.push(Field {
                name: name.as_ref().into(),
                ty,
                offset: o,
            });
            if ty.size == 0 {
                lastzero = o;
            }
            o = o.checked_add(ty.size).ok_or(GoTypeError::TooLarge)?;
        }
        if o > 0 && o == lastzero {
            // Checked like every step above: fields filling the whole address space end
            // at usize::MAX, and a wrapped size (0) under fields at huge offsets would let
            // code that trusts the size (a GoDyn's block) reach past the value.
            o = o.checked_add(1).ok_or(GoTypeError::TooLarge)?;
        }
        let size = rnd(o, maxalign).ok_or(GoTypeError::TooLarge)?;
        if size > isize::MAX as usize {
            return Err(GoTypeError::TooLarge);
        }
        let name = if fs.is_empty() {
            "struct {}".to_string()
        } else {
            let parts: Vec<String> = fs
                .iter()
                .map(|f| format!("{} {}", f.name, f.ty.name()))
                .collect();
            format!("struct {{ {} }}", parts.join("; "))
        };
        Ok(intern(Build {
            name,
            named: false,
            shape: Shape::Struct(fs.into()),
            size,
            align: maxalign as u8,
        }))
    }

    /// `interface { methods }` (`interface {}` when `methods` is empty). Methods are
    /// given as Go spells them in the type (`"Error() string"`); they only name the type:
    /// an interface value's behaviour depends on its dynamic type alone.
    pub fn interface<S: AsRef<str>>(methods: impl IntoIterator<Item = S>) -> GoType {
        let ms: Vec<Box<str>> = methods.into_iter().map(|m| m.as_ref().into()).collect();
        let name = if ms.is_empty() {
            "interface {}".to_string()
        } else {
            format!(
                "interface {{ {} }}",
                ms.iter().map(|m| &**m).collect::<Vec<_>>().join("; ")
            )
        };
        intern(Build {
            name,
            named: false,
            shape: Shape::Interface(ms.into()),
            size: 2 * PTR,
            align: PTR as u8,
        })
    }

    /// `interface {}` (Go's `any`).
    pub fn any() -> GoType {
        GoType::interface(Vec::<&str>::new())
    }

    /// `[]elem` (not comparable: as a dynamic type it makes hashing panic).
    pub fn slice(elem: GoType) -> GoType {
        intern(Build {
            name: format!("[]{}", elem.name()),
            named: false,
            shape: Shape::Slice(elem),
            size: 3 * PTR,
            align: PTR as u8,
        })
    }

    /// `map[key]elem` (not comparable).
    pub fn map(key: GoType, elem: GoType) -> GoType {
        intern(Build {
            name: format!("map[{}]{}", key.name(), elem.name()),
            named: false,
            shape: Shape::Map(key, elem),
            size: PTR,
            align: PTR as u8,
        })
    }

    /// A func type spelled `sig` (e.g. `"func()"`; not comparable).
    pub fn func(sig: &str) -> GoType {
        intern(Build {
            name: sig.into(),
            named: false,
            shape: Shape::Func,
            size: PTR,
            align: PTR as u8,
        })
    }

    /// A defined type `name` (e.g. `"main.Point"`) with the underlying type `underlying`:
    /// the same layout, hash and equality, but a different identity (an interface holding
    /// a `main.Point` never equals one holding its underlying struct).
    pub fn named(name: &str, underlying: GoType) -> GoType {
        intern(Build {
            name: name.into(),
            named: true,
            shape: underlying.shape.clone(),
            size: underlying.size,
            align: underlying.align,
        })
    }
}

fn scalar_name(k: GoKind) -> &'static str {
    match k {
        GoKind::Bool => "bool",
        GoKind::Int8 => "int8",
        GoKind::Int16 => "int16",
        GoKind::Int32 => "int32",
        GoKind::Int64 => "int64",
        GoKind::Int => "int",
        GoKind::Uint8 => "uint8",
        GoKind::Uint16 => "uint16",
        GoKind::Uint32 => "uint32",
        GoKind::Uint64 => "uint64",
        GoKind::Uint => "uint",
        GoKind::Uintptr => "uintptr",
        GoKind::Pointer => "*uint8",
        GoKind::UnsafePointer => "unsafe.Pointer",
        GoKind::Float32 => "float32",
        GoKind::Float64 => "float64",
        GoKind::Complex64 => "complex64",
        GoKind::Complex128 => "complex128",
        GoKind::String => "string",
        GoKind::Bytes(_) | GoKind::EmptyStruct | GoKind::Memory { .. } => "memory",
    }
}

struct Build {
    name: String,
    named: bool,
    shape: Shape,
    size: usize,
    align: u8,
}

/// Returns the interned descriptor for `b`, deriving and leaking it on first sight.
fn intern(b: Build) -> GoType {
    let key = (
        b.name.clone().into_boxed_str(),
        b.named,
        b.shape.clone(),
        b.size,
        b.align,
    );
    // A panic while holding the lock cannot leave the table inconsistent (inserts are
    // whole), so a poisoned lock is still good.
    let mut g = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
    let table = g.get_or_insert_with(HashMap::new);
    if let Some(d) = table.get(&key) {
        return GoType(d);
    }
    let d: &'static TypeDesc = Box::leak(Box::new(derive(b)));
    table.insert(key, d);
    GoType(d)
}

/// Everything the compiler derives from a type.
fn derive(b: Build) -> TypeDesc {
    let Build {
        name,
        named,
        shape,
        size,
        align,
    } = b;
    let kind = match &shape {
        Shape::Scalar(k) => k.kind(),
        Shape::Pointer(_) => Kind::Pointer,
        Shape::Memory => Kind::Struct,
        Shape::Array { .. } => Kind::Array,
        Shape::Struct(_) => Kind::Struct,
        Shape::Interface(_) => Kind::Interface,
        Shape::Slice(_) => Kind::Slice,
        Shape::Map(..) => Kind::Map,
        Shape::Func => Kind::Func,
    };
    let mut d = TypeDesc {
        name: name.into(),
        named,
        size,
        align,
        ptrdata: 0,
        kind,
        alg: AlgKind::ANOEQ,
        direct_iface: false,
        reflexive: true,
        needkeyupdate: false,
        hash_might_panic: false,
        eq_can_panic: false,
        plan: Box::new([]),
        sig: Box::new([]),
        shape: shape.clone(),
    };
    match &shape {
        Shape::Scalar(k) => {
            d.alg = match k {
                GoKind::Float32 => AlgKind::AFLOAT32,
                GoKind::Float64 => AlgKind::AFLOAT64,
                GoKind::Complex64 => AlgKind::ACPLX64,
                GoKind::Complex128 => AlgKind::ACPLX128,
                GoKind::String => AlgKind::ASTRING,
                _ => AlgKind::AMEM,
            };
            let float = matches!(
                k,
                GoKind::Float32 | GoKind::Float64 | GoKind::Complex64 | GoKind::Complex128
            );
            d.reflexive = !float;
            d.needkeyupdate = float || *k == GoKind::String;
            d.ptrdata = if matches!(k, GoKind::String | GoKind::UnsafePointer) {
                PTR
            } else {
                0
            };
            d.direct_iface = *k == GoKind::UnsafePointer;
        }
        Shape::Pointer(_) => {
            d.alg = AlgKind::AMEM;
            d.ptrdata = PTR;
            d.direct_iface = true;
        }
        Shape::Memory => d.alg = AlgKind::AMEM,
        Shape::Interface(m) => {
            d.alg = if m.is_empty() {
                AlgKind::ANILINTER
            } else {
                AlgKind::AINTER
            };
            d.ptrdata = 2 * PTR;
            d.reflexive = false;
            d.needkeyupdate = true;
            d.hash_might_panic = true;
            d.eq_can_panic = true;
        }
        Shape::Slice(_) => d.ptrdata = PTR,
        Shape::Map(..) | Shape::Func => {
            d.ptrdata = PTR;
            d.direct_iface = true;
        }
        Shape::Array { elem, len } => {
            let (elem, len) = (*elem, *len);
            // types.AlgType, TARRAY.
            d.alg = match elem.alg {
                AlgKind::AMEM => AlgKind::AMEM,
                AlgKind::ANOEQ => AlgKind::ANOEQ,
                a => match len {
                    0 => AlgKind::AMEM,
                    1 => a,
                    _ => AlgKind::ASPECIAL,
                },
            };
            d.ptrdata = if elem.ptrdata == 0 || len == 0 {
                0
            } else {
                (len - 1) * elem.size + elem.ptrdata
            };
            d.direct_iface = len == 1 && elem.direct_iface;
            d.reflexive = elem.reflexive;
            d.needkeyupdate = elem.needkeyupdate;
            d.hash_might_panic = elem.hash_might_panic;
            d.eq_can_panic = elem.eq_can_panic;
        }
        Shape::Struct(fields) => {
            d.alg = struct_alg(&d, fields);
            d.ptrdata = fields
                .iter()
                .filter(|f| f.ty.ptrdata != 0)
                .map(|f| f.offset + f.ty.ptrdata)
                .max()
                .unwrap_or(0);
            d.direct_iface = fields.len() == 1 && fields[0].ty.direct_iface;
            d.reflexive = fields.iter().all(|f| f.ty.reflexive);
            d.needkeyupdate = fields.iter().any(|f| f.ty.needkeyupdate);
            d.hash_might_panic = fields.iter().any(|f| f.ty.hash_might_panic);
            d.eq_can_panic = fields.iter().any(|f| !f.is_blank() && f.ty.eq_can_panic);
            if d.alg == AlgKind::ASPECIAL {
                d.plan = struct_plan(&d, fields).into();
            }
        }
    }
    if d.alg == AlgKind::ASPECIAL {
        d.sig = eq_signature(&d).into();
    }
    d
}

/// Port of `types.AlgType` for a struct (go1.19 types/alg.go, TSTRUCT): a one-field
/// struct is its field; otherwise plain memory unless a field is blank, padded or not
/// plain memory.
fn struct_alg(d: &TypeDesc, fields: &[Field]) -> AlgKind {
    if fields.len() == 1 && !fields[0].is_blank() {
        return fields[0].ty.alg;
    }
    let mut ret = AlgKind::AMEM;
    for (i, f) in fields.iter().enumerate() {
        if f.ty.alg == AlgKind::ANOEQ {
            return AlgKind::ANOEQ;
        }
        if f.ty.alg != AlgKind::AMEM || f.is_blank() || is_padded(d, fields, i) {
            ret = AlgKind::ASPECIAL;
        }
    }
    ret
}

/// `types.IsPaddedField` over a struct being built.
fn is_padded(d: &TypeDesc, fields: &[Field], i: usize) -> bool {
    let end = fields.get(i + 1).map_or(d.size, |n| n.offset);
    fields[i].end() != end
}

/// Port of `compare.Memrun` (go1.19 compare/compare.go): from field `start` (plain
/// memory, not blank), the size of the longest run of plain-memory fields and the index
/// after it. A run stops after a padded field and before a blank or non-memory field.
/// (The issue-46283 alignment limit applies only where `Arch.Alignment > 1`; amd64's is 1.)
fn memrun(d: &TypeDesc, fields: &[Field], start: usize) -> (usize, usize) {
    let mut next = start;
    loop {
        next += 1;
        if next == fields.len() {
            break;
        }
        if is_padded(d, fields, next - 1) {
            break;
        }
        let f = &fields[next];
        if f.is_blank() || f.ty.alg != AlgKind::AMEM {
            break;
        }
    }
    (fields[next - 1].end() - fields[start].offset, next)
}

/// The body `reflectdata.genhash` generates for an ASPECIAL struct, which is also the
/// order of `compare.EqStruct`'s conditions up to reorderings that cannot be observed
/// (pure conditions move within a group; groups end at fields whose `==` may panic):
/// blank fields skipped, runs of memory fields merged, other fields one by one.
fn struct_plan(d: &TypeDesc, fields: &[Field]) -> Vec<Step> {
    let mut plan = Vec::new();
    let mut i = 0;
    while i < fields.len() {
        let f = &fields[i];
        if f.is_blank() {
            i += 1;
            continue;
        }
        if f.ty.alg != AlgKind::AMEM {
            plan.push(Step::Field {
                off: f.offset,
                ty: f.ty,
            });
            i += 1;
            continue;
        }
        let (size, next) = memrun(d, fields, i);
        plan.push(Step::Mem {
            off: f.offset,
            size,
        });
        i = next;
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: GoKind) -> GoType {
        GoType::scalar(k)
    }

    #[test]
    fn struct_offsets_padding_and_size_follow_calc_struct_offset() {
        let s = GoType::struct_of([
            ("a", t(GoKind::Int8)),
            ("b", t(GoKind::Int64)),
            ("c", t(GoKind::Int16)),
        ])
        .unwrap();
        let offs: Vec<usize> = s.fields().iter().map(|f| f.offset).collect();
        assert_eq!((offs, s.size(), s.align()), (vec![0, 8, 16], 24, 8));
        assert!(s.is_padded_field(0) && !s.is_padded_field(1) && s.is_padded_field(2));
        assert_eq!(s.alg_type(), AlgKind::ASPECIAL);
        // A trailing zero-size field costs a byte (issue 9401), then rounding.
        let e = GoType::from_kind(GoKind::EmptyStruct).unwrap();
        let s = GoType::struct_of([("a", t(GoKind::Int32)), ("z", e)]).unwrap();
        assert_eq!(s.size(), 8);
        assert_eq!(s.alg_type(), AlgKind::ASPECIAL, "padded field z");
        let s = GoType::struct_of([("z", e), ("a", t(GoKind::Int32))]).unwrap();
        assert_eq!((s.size(), s.alg_type()), (4, AlgKind::AMEM));
        assert_eq!(s.reflect_alg_type(), AlgKind::AMEM32);
    }

    #[test]
    fn alg_type_classes() {
        let i64t = t(GoKind::Int64);
        let s = t(GoKind::String);
        let f = t(GoKind::Float64);
        let one = |ty| GoType::struct_of([("x", ty)]).unwrap();
        assert_eq!(one(s).alg_type(), AlgKind::ASTRING);
        assert_eq!(one(f).alg_type(), AlgKind::AFLOAT64);
        let blank = GoType::struct_of([("_", i64t)]).unwrap();
        assert_eq!(blank.alg_type(), AlgKind::ASPECIAL);
        assert_eq!(GoType::array(s, 1).unwrap().alg_type(), AlgKind::ASTRING);
        assert_eq!(GoType::array(s, 0).unwrap().alg_type(), AlgKind::AMEM);
        assert_eq!(GoType::array(s, 2).unwrap().alg_type(), AlgKind::ASPECIAL);
        assert_eq!(GoType::array(i64t, 3).unwrap().alg_type(), AlgKind::AMEM);
        assert_eq!(GoType::any().alg_type(), AlgKind::ANILINTER);
        assert_eq!(
            GoType::interface(["Error() string"]).alg_type(),
            AlgKind::AINTER
        );
        let sl = GoType::slice(i64t);
        assert_eq!(
            GoType::struct_of([("a", i64t), ("b", sl)])
                .unwrap()
                .alg_type(),
            AlgKind::ANOEQ
        );
        assert_eq!(GoType::array(sl, 0).unwrap().alg_type(), AlgKind::ANOEQ);
    }

    #[test]
    fn memruns_merge_and_stop_where_go_stops() {
        let (i8t, i32t, i64t, s) = (
            t(GoKind::Int8),
            t(GoKind::Int32),
            t(GoKind::Int64),
            t(GoKind::String),
        );
        // a, b merge (no padding), c is a string, _ is blank, d/e stop after d's padding.
        let st = GoType::struct_of([
            ("a", i32t),
            ("b", i32t),
            ("c", s),
            ("_", i64t),
            ("d", i8t),
            ("e", i64t),
            ("f", i64t),
        ])
        .unwrap();
        assert_eq!(
            &*st.plan,
            &[
                Step::Mem { off: 0, size: 8 },
                Step::Field { off: 8, ty: s },
                Step::Mem { off: 32, size: 1 },
                Step::Mem { off: 40, size: 16 },
            ]
        );
        assert!(st.is_reflexive() && st.needkeyupdate());
    }

    #[test]
    fn direct_iface_is_pointer_shaped_as_types_is_direct_iface() {
        let p = GoType::pointer(Some(t(GoKind::Int64)));
        assert!(p.is_direct_iface() && p.ptrdata() == 8 && p.name() == "*int64");
        let one = GoType::struct_of([("p", p)]).unwrap();
        assert!(one.is_direct_iface());
        assert!(GoType::array(one, 1).unwrap().is_direct_iface());
        assert!(!GoType::array(p, 2).unwrap().is_direct_iface());
        assert!(!GoType::struct_of([("p", p), ("b", t(GoKind::Int8))])
            .unwrap()
            .is_direct_iface());
        assert!(GoType::map(p, p).is_direct_iface() && !GoType::slice(p).is_direct_iface());
        assert!(!t(GoKind::Int64).is_direct_iface());
    }

    /// Fields that end exactly at `usize::MAX` with a trailing zero-size field: the extra
    /// byte Go adds overflows, which is an error (it wrapped to a struct of size 0 in a
    /// release build, whose fields lay past its size: dropping a `GoDyn::uncomparable` of
    /// it read and freed memory outside its block, ASan's heap-buffer-overflow).
    #[test]
    fn struct_filling_the_address_space_is_too_large() {
        let u8t = t(GoKind::Uint8);
        let a = GoType::array(u8t, isize::MAX as usize).unwrap();
        let b = GoType::array(u8t, (1usize << 63) - 40).unwrap();
        let r = GoType::struct_of([
            ("s", GoType::slice(t(GoKind::Int64))),
            ("x", t(GoKind::String)),
            ("a", a),
            ("b", b),
            (
                "z",
                GoType::struct_of(Vec::<(&str, GoType)>::new()).unwrap(),
            ),
        ]);
        assert_eq!(r.map(|t| t.size()), Err(GoTypeError::TooLarge));
    }

    #[test]
    fn interning_gives_one_descriptor_per_type_and_names_as_go() {
        let a = GoType::struct_of([("x", t(GoKind::Int64)), ("y", t(GoKind::String))]).unwrap();
        let b = GoType::struct_of([("x", t(GoKind::Int64)), ("y", t(GoKind::String))]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.name(), "struct { x int64; y string }");
        let n = GoType::named("main.T", a);
        assert_ne!(n, a);
        assert_eq!(n.fields(), a.fields());
        assert_eq!(
            GoType::array(a, 4).unwrap().name(),
            "[4]struct { x int64; y string }"
        );
        assert_eq!(GoType::any().name(), "interface {}");
        assert_eq!(GoType::slice(t(GoKind::Int)).name(), "[]int");
    }
}

#[cfg(test)]
mod signature_tests {
    use crate::maptype::spell::parse_type;

    /// Signatures worked out by hand from go1.27 reflectdata/alg.go (`eqSigBuilder`), and
    /// printed by Go 1.27 as the names of the generated functions (tools/tests/go_releases.rs
    /// checks every type of hashvec's composite modes against them).
    #[test]
    fn go127_signatures_merge_memory_and_unroll_arrays() {
        for (ty, sig) in [
            ("struct{i8,i64}", "M1K7M8"),
            // The inner struct's run and the array merge; the trailing padding is dropped.
            ("struct{struct{i8,i64},[3]i16}", "M1K7M14"),
            ("[2]struct{i8,i64}", "M1K7M9K7M8"),
            ("struct{i32,_:i32,i64}", "M4K4M8"),
            ("struct{i32,struct{}}", "M4"),
            ("struct{_:i64}", ""),
            ("struct{c64,c128}", "FFGG"),
            ("struct{bool,f32,i16,f64,str}", "M1K3FM2K6GS"),
            // 24-byte elements: no unrolling, a loop of 3.
            ("[3]struct{str,f32}", "[3SFK4]"),
            // 16-byte elements: two per iteration.
            ("[20]str", "[10SS]"),
            // 8-byte elements: four per iteration, the odd one first.
            ("[9]f64", "G[2GGGG]"),
            ("[3]f64", "GGG"),
            ("[4]f64", "GGGG"),
            ("[2]any", "EE"),
            ("[0]str", ""),
            ("[1]str", "S"),
            ("[16]u8", "M16"),
        ] {
            let t = parse_type(ty, &|_| None).unwrap();
            assert_eq!(t.eq_signature_go127(), sig, "{ty}");
            if t.alg_type() == super::AlgKind::ASPECIAL {
                assert_eq!(
                    super::SigOp::spell(&t.sig),
                    sig,
                    "{ty}: the cached signature"
                );
                assert!(
                    super::SigOp::size(&t.sig) <= t.size(),
                    "{ty}: inside the value"
                );
            }
        }
    }
}
