//! Struct and interface keys for [`GoMap`](super::GoMap): the user's own `#[repr(C)]`
//! structs, declared through [`go_struct!`](crate::go_struct), hashed and compared as
//! Go's compiler does for `map[S]V` (`genhash`/`geneq`: memory runs merged, padding
//! skipped, floats by value), and [`GoDyn`], an owned `interface {}` value for dynamic
//! languages, hashed as Go's `nilinterhash` (with Go's panics for unhashable values).
//!
//! ```
//! use gomap::go_struct;
//! use gomap::typed::GoMap;
//!
//! go_struct! {
//!     /// A point, as Go's `struct { x int8; y float64 }` (7 bytes of padding).
//!     pub struct Point { x: i8, y: f64 }
//! }
//! let mut m: GoMap<Point, &str> = GoMap::new();
//! m.insert(Point { x: 1, y: 0.0 }, "origin-ish");
//! assert_eq!(m.get(&Point { x: 1, y: -0.0 }), Some(&"origin-ish")); // -0 == +0 in Go
//! m.insert(Point { x: 1, y: f64::NAN }, "nan");
//! assert_eq!(m.get(&Point { x: 1, y: f64::NAN }), None); // NaN != NaN
//! assert_eq!(m.len(), 2);
//! ```
//!
//! A field of Go's type `string` is a [`GoStr`], which owns its bytes; a struct holding
//! one owns memory, as a `String` key does, and is not `Copy`.

use core::mem::ManuallyDrop;
use core::ptr;

use super::storage::sealed;
use super::GoKey;
use crate::maptype::genalg::{self, GoIface};
use crate::maptype::gotype::Shape;
use crate::maptype::{GoKind, GoString, GoType, KeyHash, MapType, MapTypeError};

/// A type with a Go type, usable as a field of a [`go_struct!`](crate::go_struct) key:
/// the integers, `bool`, `f32`, `f64`, [`GoStr`] (Go's `string`), arrays of fields, and
/// `go_struct!` structs.
///
/// # Safety
/// * `GO_SIZE`/`GO_ALIGN` are the size and alignment of `Self` and of
///   [`GoField::go_type`], whose layout (field offsets included) is exactly `Self`'s.
/// * `write_to` writes `GO_SIZE` initialised bytes that are the value's representation
///   (padding zeroed): read back as a `Self`, they are a bitwise copy of the value.
/// * When `OWNS` is false, `Self` has no drop glue: a copy of its bytes owns nothing.
/// * The only memory the bytes reach is the bytes of the value's strings (the `string`
///   parts of `go_type()`), each laid out and owned as a [`GoStr`] owns it: a
///   `Box<[u8]>` of exactly `len` bytes of UTF-8, or a null pointer when `len` is 0.
///   Dropping the value frees exactly those; so a bitwise copy may take over the value's
///   ownership when the value is forgotten, and must not be dropped as well.
pub unsafe trait GoField: Sized + 'static {
    /// Go's size of the type.
    const GO_SIZE: usize;
    /// Go's alignment of the type.
    const GO_ALIGN: usize;
    /// Whether the value owns memory (a [`GoStr`] inside) or otherwise needs dropping.
    const OWNS: bool = false;
    /// The Go type.
    fn go_type() -> GoType;
    /// Writes the value's bytes, padding as zeros. They borrow the value's strings.
    ///
    /// # Safety
    /// `p` points at `GO_SIZE` writable bytes (no alignment needed).
    unsafe fn write_to(&self, p: *mut u8);
}

macro_rules! scalar_fields {
    ($($t:ty => $k:expr),* $(,)?) => {$(
        // SAFETY: a primitive: Go's type of the same size and alignment (checked below),
        // written whole (no padding).
        unsafe impl GoField for $t {
            const GO_SIZE: usize = core::mem::size_of::<$t>();
            const GO_ALIGN: usize = core::mem::align_of::<$t>();
            fn go_type() -> GoType {
                GoType::scalar($k)
            }
            unsafe fn write_to(&self, p: *mut u8) {
                // SAFETY: GO_SIZE writable bytes (caller).
                unsafe { p.cast::<$t>().write_unaligned(*self) }
            }
        }
    )*};
}

scalar_fields!(
    i8 => GoKind::Int8, i16 => GoKind::Int16, i32 => GoKind::Int32, i64 => GoKind::Int64,
    u8 => GoKind::Uint8, u16 => GoKind::Uint16, u32 => GoKind::Uint32, u64 => GoKind::Uint64,
    bool => GoKind::Bool, f32 => GoKind::Float32, f64 => GoKind::Float64,
);
#[cfg(target_pointer_width = "64")]
scalar_fields!(isize => GoKind::Int, usize => GoKind::Uint);

// Go's scalar sizes and alignments are Rust's on the targets gomap supports (64-bit).
const _: () = assert!(core::mem::align_of::<i64>() == 8 && core::mem::align_of::<f64>() == 8);

// SAFETY: Go's [N]T has T's alignment and N * T's size, as Rust's arrays; elements are
// written one by one, each with zeroed padding; the array owns what its elements own.
unsafe impl<T: GoField, const N: usize> GoField for [T; N] {
    const GO_SIZE: usize = N * T::GO_SIZE;
    const GO_ALIGN: usize = T::GO_ALIGN;
    const OWNS: bool = N > 0 && T::OWNS;
    fn go_type() -> GoType {
        GoType::array(T::go_type(), N).expect("an array Rust can hold")
    }
    unsafe fn write_to(&self, p: *mut u8) {
        for (i, e) in self.iter().enumerate() {
            // SAFETY: element i lies inside the GO_SIZE bytes at `p` (caller).
            unsafe { e.write_to(p.add(i * T::GO_SIZE)) };
        }
    }
}

/// Go's `string` as a field of a [`go_struct!`](crate::go_struct) key: an owned, immutable
/// UTF-8 string laid out as Go's string header (data pointer, then length: 16 bytes,
/// aligned to 8), so that it sits in a key slot as Go's compiler lays out
/// `struct { name string; ... }`. It dereferences to `str`; cloning copies the bytes.
///
/// ```
/// use gomap::typed::keys::GoStr;
///
/// let s = GoStr::from("gopher");
/// assert_eq!(&*s, "gopher");
/// assert_eq!(s.clone(), "gopher");
/// assert_eq!(core::mem::size_of::<GoStr>(), 16);
/// assert_eq!(GoStr::default().len(), 0);
/// ```
///
/// Invariants: `len == 0` and `ptr` is null, or `ptr` is the start of a `Box<[u8]>` of
/// exactly `len` bytes of UTF-8 that the `GoStr` owns (the layout [`GoField`] requires
/// of every string and [`GoDyn`] frees).
#[repr(C)]
pub struct GoStr {
    ptr: *const u8,
    len: usize,
}

// Go's string header: the data pointer at offset 0, the length at 8.
const _: () = assert!(
    core::mem::size_of::<GoStr>() == 16
        && core::mem::align_of::<GoStr>() == 8
        && core::mem::offset_of!(GoStr, ptr) == 0
        && core::mem::offset_of!(GoStr, len) == 8
        && core::mem::size_of::<GoStr>() == core::mem::size_of::<GoString>()
);

impl GoStr {
    /// The empty string (a nil data pointer, as Go's zero value).
    pub const fn new() -> GoStr {
        GoStr {
            ptr: ptr::null(),
            len: 0,
        }
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        if self.len == 0 {
            return "";
        }
        // SAFETY: a non-empty GoStr owns `len` bytes of UTF-8 at `ptr` (invariant), alive
        // as long as `self`.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.ptr, self.len)) }
    }

    /// The string as a `String` (its bytes move, nothing is copied).
    pub fn into_string(self) -> String {
        let me = ManuallyDrop::new(self);
        if me.len == 0 {
            return String::new();
        }
        let raw = ptr::slice_from_raw_parts_mut(me.ptr as *mut u8, me.len);
        // SAFETY: the Box<[u8]> the GoStr owned (invariant), taken back once: `me` is
        // not dropped. Its bytes are UTF-8.
        unsafe { String::from_utf8_unchecked(Box::from_raw(raw).into_vec()) }
    }
}

impl Drop for GoStr {
    fn drop(&mut self) {
        if self.len != 0 {
            let raw = ptr::slice_from_raw_parts_mut(self.ptr as *mut u8, self.len);
            // SAFETY: the Box<[u8]> the GoStr owns (invariant), freed once.
            drop(unsafe { Box::from_raw(raw) });
        }
    }
}

impl From<String> for GoStr {
    fn from(s: String) -> GoStr {
        if s.is_empty() {
            return GoStr::new();
        }
        let b: Box<[u8]> = s.into_bytes().into_boxed_slice();
        let len = b.len();
        GoStr {
            ptr: Box::into_raw(b).cast::<u8>(),
            len,
        }
    }
}

impl From<&str> for GoStr {
    fn from(s: &str) -> GoStr {
        if s.is_empty() {
            return GoStr::new();
        }
        let b: Box<[u8]> = s.as_bytes().into();
        GoStr {
            ptr: Box::into_raw(b).cast::<u8>(),
            len: s.len(),
        }
    }
}

impl From<GoStr> for String {
    fn from(s: GoStr) -> String {
        s.into_string()
    }
}

impl Default for GoStr {
    fn default() -> GoStr {
        GoStr::new()
    }
}

impl Clone for GoStr {
    fn clone(&self) -> GoStr {
        GoStr::from(self.as_str())
    }
}

impl core::ops::Deref for GoStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for GoStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl core::borrow::Borrow<str> for GoStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for GoStr {
    fn eq(&self, other: &GoStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for GoStr {}

impl PartialEq<str> for GoStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for GoStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for GoStr {
    fn partial_cmp(&self, other: &GoStr) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GoStr {
    fn cmp(&self, other: &GoStr) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for GoStr {
    fn hash<H: core::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl core::fmt::Debug for GoStr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl core::fmt::Display for GoStr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(self.as_str(), f)
    }
}

// SAFETY: a GoStr owns its bytes outright and never changes them: moving it to another
// thread moves the ownership, and `&GoStr` only reads.
unsafe impl Send for GoStr {}
// SAFETY: as above.
unsafe impl Sync for GoStr {}

// SAFETY: Go's `string` is a 16-byte, 8-aligned header (data pointer, length), GoStr's
// layout (asserted above); write_to writes the header whole (no padding); the bytes it
// reaches are owned as the trait requires (GoStr's invariant).
unsafe impl GoField for GoStr {
    const GO_SIZE: usize = 16;
    const GO_ALIGN: usize = 8;
    const OWNS: bool = true;
    fn go_type() -> GoType {
        GoType::scalar(GoKind::String)
    }
    unsafe fn write_to(&self, p: *mut u8) {
        let h = GoString {
            ptr: self.ptr,
            len: self.len,
        };
        // SAFETY: 16 writable bytes (caller).
        unsafe { p.cast::<GoString>().write_unaligned(h) }
    }
}

/// Whether fields at the Rust offsets `fields[i].0`, of Go sizes and alignments
/// `fields[i].1`/`.2`, in a struct of Rust size `size` and alignment `align`, sit where Go
/// 1.19's compiler puts them (`types.calcStructOffset`: each field at its alignment, one
/// extra byte after a trailing zero-size field of a non-empty struct, the size rounded up
/// to the largest alignment). [`go_struct!`](crate::go_struct) asserts it at compile time.
pub const fn go_layout_matches(
    fields: &[(usize, usize, usize)],
    size: usize,
    align: usize,
) -> bool {
    let mut o: usize = 0;
    let mut maxalign: usize = 1;
    let mut lastzero = 0;
    let mut i = 0;
    while i < fields.len() {
        let (off, sz, al) = fields[i];
        if al > maxalign {
            maxalign = al;
        }
        o = o.div_ceil(al) * al;
        if off != o {
            return false;
        }
        if sz == 0 {
            lastzero = o;
        }
        o += sz;
        i += 1;
    }
    if o > 0 && o == lastzero {
        o += 1;
    }
    o = o.div_ceil(maxalign) * maxalign;
    o == size && maxalign == align
}

/// Fails the build (a panic in constant evaluation) unless [`go_layout_matches`]: the check
/// every [`go_struct!`](crate::go_struct) expansion runs in a `const _` item.
pub const fn assert_go_layout(fields: &[(usize, usize, usize)], size: usize, align: usize) {
    if !go_layout_matches(fields, size, align) {
        panic!(
            "go_struct!: this struct is not laid out as Go lays out its struct \
             (a trailing zero-size field, a packed or an over-aligned struct)"
        );
    }
}

/// A [`go_struct!`](crate::go_struct) struct as a map key. Implemented by the macro only.
///
/// # Safety
/// `Image` is `[u8; size_of::<Self>()]`; `Self` is a `GoField` whose bytes, as written by
/// `write_to`, are a valid `Self` (which owns the value's strings if the value is
/// forgotten, per the `GoField` contract).
pub unsafe trait GoStructKey: GoField + Clone {
    /// `[u8; size_of::<Self>()]`: the key slot's bytes.
    type Image: Copy;
    /// The zeroed image.
    fn zero_image() -> Self::Image;
}

impl<T: GoStructKey> sealed::Sealed for T {}

/// A struct key's slot holds its `write_to` image. A struct holding strings
/// ([`GoField::OWNS`]) owns memory as a `String` key does: `into_stored` hands the
/// strings' bytes to the map (the struct is forgotten), `from_stored` takes them back, and
/// `lookup` makes an image that only borrows them. Such a struct needs Go's key update
/// (`needkeyupdate`: a string's pointer may differ between equal keys), which
/// [`GoMap::insert`](super::GoMap::insert) performs with the new key's ownership.
impl<T: GoStructKey> GoKey for T {
    type Query = T;
    type Stored = T::Image;
    const KIND: GoKind = GoKind::Memory {
        size: T::GO_SIZE,
        align: T::GO_ALIGN as u8,
    };
    const OWNS_MEMORY: bool = T::OWNS;
    const KEY_UPDATE: bool = true;
    fn key_maptype(elem: GoKind) -> Result<MapType, MapTypeError> {
        let e = GoType::from_kind(elem).map_err(|_| MapTypeError::TooLarge)?;
        MapType::for_types(T::go_type(), e, KeyHash::Compiled)
    }
    fn as_query(&self) -> &T {
        self
    }
    fn lookup(q: &T) -> T::Image {
        let mut img = T::zero_image();
        // SAFETY: the image is size_of::<T>() == GO_SIZE writable bytes.
        unsafe { q.write_to(ptr::addr_of_mut!(img).cast()) };
        img
    }
    fn into_stored(self) -> T::Image {
        // The image takes over what the key owns: the key is never dropped.
        let key = ManuallyDrop::new(self);
        T::lookup(&key)
    }
    unsafe fn from_stored(s: T::Image) -> T {
        // SAFETY: the image holds a valid T's bytes (GoStructKey contract), made by
        // `into_stored` and taken back once (caller), so the T owns what the key owned.
        unsafe { ptr::addr_of!(s).cast::<T>().read_unaligned() }
    }
    unsafe fn query<'a>(s: *const T::Image) -> &'a T {
        // SAFETY: a live key slot (caller) holding a valid T; key slots are aligned to the
        // key's alignment (offsets 8 + i * size, size a multiple of align <= 8).
        unsafe { &*s.cast::<T>() }
    }
    fn from_query(q: &T) -> T {
        q.clone()
    }
}

/// Declares a `#[repr(C)]` struct usable as a [`GoMap`](super::GoMap) key with Go's
/// struct hashing (`genhash`/`geneq` of `struct { f1 T1; f2 T2; ... }`), and as a field of
/// other `go_struct!` structs. Field types must be [`GoField`]s (integers, `bool`, `f32`,
/// `f64`, [`GoStr`] for Go's `string`, arrays of fields, other `go_struct!` structs). A
/// compile-time assertion checks that every field sits where Go's compiler would put it,
/// so a layout Go would not give (a trailing zero-size field, a `packed` or over-aligned
/// struct) does not compile.
///
/// The struct derives `Clone`, `Debug` and `PartialEq` (Rust's `==`, field by field; the
/// map uses Go's). Attributes before `struct` are passed on, so a struct without strings
/// can add `#[derive(Copy)]`.
///
/// A struct with a [`GoStr`] field owns its strings, and the map owns them while the key
/// is stored; they are freed when the entry is removed, cleared or dropped. Inserting a
/// key equal to a stored one replaces the stored key, as Go's `mapassign` does for such
/// keys (`needkeyupdate`):
///
/// ```
/// use gomap::go_struct;
/// use gomap::typed::{keys::GoStr, GoMap};
///
/// go_struct! {
///     /// Go's `struct { name string; id int64 }`.
///     struct Id { name: GoStr, id: i64 }
/// }
/// let mut m: GoMap<Id, u32> = GoMap::new();
/// m.insert(Id { name: "gopher".into(), id: 1 }, 10);
/// m.insert(Id { name: "ferris".into(), id: 1 }, 20);
/// assert_eq!(m.insert(Id { name: "gopher".into(), id: 1 }, 11), Some(10));
/// assert_eq!(m[&Id { name: "gopher".into(), id: 1 }], 11);
/// assert_eq!(m.remove(&Id { name: "ferris".into(), id: 1 }), Some(20));
/// assert_eq!(m.len(), 1);
/// ```
///
/// A field whose name starts with `_` is Go's blank field `_` (Rust has no field named
/// `_`): it takes its place in the layout, but Go's hash and equality skip it, so keys
/// that differ only there are one key, and the map keeps the bytes of the first one
/// stored:
///
/// ```
/// use gomap::typed::keys::GoField;
/// gomap::go_struct! { struct Rec { id: i32, _reserved: i32, at: i64 } }
/// assert_eq!(Rec::go_type().name(), "struct { id int32; _ int32; at int64 }");
///
/// let mut m = gomap::typed::GoMap::new();
/// m.insert(Rec { id: 1, _reserved: 7, at: 2 }, "first");
/// m.insert(Rec { id: 1, _reserved: 8, at: 2 }, "second");
/// assert_eq!(m.len(), 1);
/// assert_eq!(m.iter().next(), Some((&Rec { id: 1, _reserved: 7, at: 2 }, &"second")));
/// ```
///
/// ```compile_fail,E0080
/// gomap::go_struct! {
///     #[repr(packed)]
///     struct Packed { a: u8, b: u64 }
/// }
/// ```
///
/// Go gives a struct ending in a zero-size field one more byte (so the field's address
/// stays inside it); Rust does not, so this does not compile either:
///
/// ```compile_fail,E0080
/// gomap::go_struct! { struct Unit {} }
/// gomap::go_struct! { struct Tail { a: u64, end: Unit } }
/// ```
///
/// Nor does an over-aligned struct (Go aligns a struct to its largest field), nor can a
/// macro of the caller's named like the one the check uses switch the check off: every
/// name in the expansion goes through `$crate`.
///
/// ```compile_fail,E0080
/// gomap::go_struct! {
///     #[repr(align(16))]
///     struct A16 { a: u64 }
/// }
/// ```
///
/// ```compile_fail,E0080
/// macro_rules! assert { ($($t:tt)*) => {}; }
/// macro_rules! panic { ($($t:tt)*) => {}; }
/// gomap::go_struct! { struct Unit {} }
/// gomap::go_struct! { struct Tail { a: u64, end: Unit } }
/// ```
///
/// ```compile_fail,E0080
/// macro_rules! assert { ($($t:tt)*) => {}; }
/// gomap::go_struct! {
///     #[repr(align(16))]
///     struct A16 { a: u64 }
/// }
/// ```
///
/// while the same fields the other way round are laid out alike:
///
/// ```
/// gomap::go_struct! { struct Unit {} }
/// gomap::go_struct! { struct Head { start: Unit, a: u64 } }
/// ```
/// The Go name of a [`go_struct!`] field named `name`: `_` (a blank field) for a name
/// starting with `_`, else the name. Not part of the API (the macro's expansion calls it).
#[doc(hidden)]
pub const fn go_field_name(name: &'static str) -> &'static str {
    match name.as_bytes() {
        [b'_', ..] => "_",
        _ => name,
    }
}

#[macro_export]
macro_rules! go_struct {
    ($(#[$m:meta])* $vis:vis struct $name:ident { $($fvis:vis $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[repr(C)]
        #[derive(
            $crate::__private::Clone,
            $crate::__private::Debug,
            $crate::__private::PartialEq
        )]
        $vis struct $name { $($fvis $f: $t),* }

        // Every name below goes through `$crate`: nothing the caller has in scope can
        // replace the check (a `macro_rules! assert` once could).
        const _: () = $crate::typed::keys::assert_go_layout(
            &[$((
                $crate::__private::offset_of!($name, $f),
                <$t as $crate::typed::keys::GoField>::GO_SIZE,
                <$t as $crate::typed::keys::GoField>::GO_ALIGN,
            )),*],
            $crate::__private::size_of::<$name>(),
            $crate::__private::align_of::<$name>(),
        );

        // SAFETY: the assertion above proves that the fields sit at Go's offsets with Go's
        // sizes and alignments, and the struct has Go's size and alignment; write_to
        // writes every field at its offset over zeroed padding. The struct owns exactly
        // what its fields own, and OWNS is set whenever it has drop glue (a field that
        // owns, or a Drop impl of the caller's).
        unsafe impl $crate::typed::keys::GoField for $name {
            const GO_SIZE: usize = $crate::__private::size_of::<$name>();
            const GO_ALIGN: usize = $crate::__private::align_of::<$name>();
            const OWNS: bool = $crate::__private::needs_drop::<$name>()
                $(|| <$t as $crate::typed::keys::GoField>::OWNS)*;
            fn go_type() -> $crate::maptype::GoType {
                $crate::maptype::GoType::struct_of(
                    $crate::__private::Vec::<(&'static $crate::__private::str, $crate::maptype::GoType)>::from([
                        $(($crate::typed::keys::go_field_name($crate::__private::stringify!($f)), <$t as $crate::typed::keys::GoField>::go_type())),*
                    ]),
                )
                .expect("a struct Rust can hold")
            }
            unsafe fn write_to(&self, p: *mut u8) {
                // SAFETY: zeroing GO_SIZE bytes at `p` (caller), then each field inside
                // them at its offset.
                unsafe {
                    $crate::__private::write_bytes(p, 0, $crate::__private::size_of::<$name>());
                    $(
                        <$t as $crate::typed::keys::GoField>::write_to(
                            &self.$f,
                            p.add($crate::__private::offset_of!($name, $f)),
                        );
                    )*
                }
            }
        }

        // SAFETY: Image is [u8; size_of::<Self>()]; write_to's bytes are a valid Self
        // (every field written from a valid value, a bitwise copy of it; padding is not
        // part of validity).
        unsafe impl $crate::typed::keys::GoStructKey for $name {
            type Image = [u8; $crate::__private::size_of::<$name>()];
            fn zero_image() -> Self::Image {
                [0; $crate::__private::size_of::<$name>()]
            }
        }
    };
}

/// An owned Go `interface {}` value: nil, or a dynamic type (a [`GoType`]) and a value of
/// it, laid out as Go's `eface` ([`GoIface`]) so that it sits in a key slot as is.
/// As a [`GoMap`](super::GoMap) key it hashes with Go's `nilinterhash` and compares with
/// `efaceeq`: a value of an uncomparable type panics with Go's words
/// (`runtime error: hash of unhashable type T`), a NaN is never found.
///
/// ```
/// use gomap::typed::{keys::GoDyn, GoMap};
///
/// let mut m: GoMap<GoDyn, i32> = GoMap::new();
/// m.insert(GoDyn::new(1i64), 1);
/// m.insert(GoDyn::string("one"), 2);
/// m.insert(GoDyn::tuple(vec![GoDyn::new(1i64), GoDyn::string("x")]), 3);
/// m.insert(GoDyn::nil(), 4);
/// assert_eq!(m.get(&GoDyn::new(1i64)), Some(&1));
/// assert_eq!(m.get(&GoDyn::new(1i32)), None); // another dynamic type
/// assert_eq!(m.get(&GoDyn::tuple(vec![GoDyn::new(1i64), GoDyn::string("x")])), Some(&3));
/// ```
///
/// Invariants: `typ` is null (and `data` null) or a descriptor's address; `data` then
/// points at an owned block of `max(1, ceil(size / 8))` words (a `Box<[u64]>`) holding a
/// value of the type whose strings' bytes are owned `Box<[u8]>`s of exactly their length
/// (none for the empty string) and whose interfaces are owned `GoDyn`s.
#[repr(transparent)]
pub struct GoDyn(GoIface);

fn words(size: usize) -> usize {
    size.div_ceil(8).max(1)
}

/// A zeroed block for a value of `size` bytes (a `Box<[u64]>` of `words(size)` words).
///
/// # Panics
/// With Go's "out of memory" when the block cannot be allocated: a type may be far larger
/// than memory (`GoDyn::uncomparable` takes any type), and a failed allocation must not
/// abort the process as `vec!` does.
fn block(size: usize) -> *mut u8 {
    let n = words(size);
    let Ok(layout) = std::alloc::Layout::array::<u64>(n) else {
        crate::base::panic::raise(crate::base::RuntimeError::OutOfMemory)
    };
    // SAFETY: `layout` has a non-zero size (n >= 1).
    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<u64>();
    if p.is_null() {
        crate::base::panic::raise(crate::base::RuntimeError::OutOfMemory);
    }
    // A zeroed allocation of `n` u64s from the global allocator with the layout of a
    // `Box<[u64]>` of `n` words, as which GoDyn's drop frees it.
    p.cast()
}

/// Calls `f` on every string and interface inside the value of `t` at `p` (with its type
/// and address), in memory order: the parts a [`GoDyn`] value owns.
///
/// # Safety
/// `p` points at a value of `t`; `f` is given addresses inside it.
unsafe fn each_part(t: GoType, p: *mut u8, f: &mut dyn FnMut(GoType, *mut u8)) {
    match t.shape() {
        Shape::Scalar(GoKind::String) | Shape::Interface(_) => f(t, p),
        Shape::Array { elem, len } => {
            for i in 0..*len {
                // SAFETY: element i of the array at `p`.
                unsafe { each_part(*elem, p.add(i * elem.size()), f) };
            }
        }
        Shape::Struct(fields) => {
            for fl in fields.iter() {
                // SAFETY: a field of the struct at `p`.
                unsafe { each_part(fl.ty, p.add(fl.offset), f) };
            }
        }
        _ => {}
    }
}

/// Frees what a value of `t` at `p` owns (strings' bytes, interfaces' values), not `p`.
///
/// # Safety
/// `p` holds a value of `t` following `GoDyn`'s ownership invariant, not used afterwards.
unsafe fn free_parts(t: GoType, p: *mut u8) {
    // SAFETY: the parts of a value of `t` (caller), each owned and freed once.
    unsafe {
        each_part(t, p, &mut |pt, q| {
            if pt.is_interface() {
                drop(GoDyn(q.cast::<GoIface>().read_unaligned()));
                return;
            }
            let s = q.cast::<GoString>().read_unaligned();
            if s.len != 0 {
                drop(Box::from_raw(ptr::slice_from_raw_parts_mut(
                    s.ptr as *mut u8,
                    s.len,
                )));
            }
        })
    }
}

/// Makes the value at `p` (a bitwise copy of another) own its parts: new string bytes,
/// cloned interfaces.
///
/// # Safety
/// `p` holds a bitwise copy of a live value of `t` that keeps its own parts.
unsafe fn clone_parts(t: GoType, p: *mut u8) {
    // SAFETY: the parts of a copy of a live value (caller): each is replaced by a deep
    // copy, the shared original left to its owner.
    unsafe {
        each_part(t, p, &mut |pt, q| {
            if pt.is_interface() {
                let d = core::mem::ManuallyDrop::new(GoDyn(q.cast::<GoIface>().read_unaligned()));
                let c = core::mem::ManuallyDrop::new((*d).clone());
                q.cast::<GoIface>().write_unaligned(c.0);
                return;
            }
            let s = q.cast::<GoString>().read_unaligned();
            if s.len != 0 {
                let b: Box<[u8]> = s.as_bytes().into();
                let n = GoString {
                    ptr: Box::into_raw(b).cast(),
                    len: s.len,
                };
                q.cast::<GoString>().write_unaligned(n);
            }
        })
    }
}

impl GoDyn {
    /// The nil interface.
    pub fn nil() -> GoDyn {
        GoDyn(GoIface {
            typ: ptr::null(),
            data: ptr::null(),
        })
    }

    /// A value of a field type: an integer, `bool`, float, [`GoStr`], array or
    /// `go_struct!` struct (whose strings move into the interface value).
    pub fn new<T: GoField>(v: T) -> GoDyn {
        let t = T::go_type();
        let p = block(t.size());
        // The block takes over what `v` owns (its strings, laid out as GoDyn owns them:
        // GoField's contract), so `v` is never dropped.
        let v = ManuallyDrop::new(v);
        // SAFETY: `p` has at least GO_SIZE == t.size() writable bytes.
        unsafe { v.write_to(p) };
        GoDyn(GoIface {
            typ: t.as_ptr(),
            data: p,
        })
    }

    /// A `string`.
    pub fn string(s: &str) -> GoDyn {
        let t = GoType::scalar(GoKind::String);
        let p = block(t.size());
        let h = if s.is_empty() {
            GoString {
                ptr: ptr::null(),
                len: 0,
            }
        } else {
            let b: Box<[u8]> = s.as_bytes().into();
            GoString {
                ptr: Box::into_raw(b).cast(),
                len: s.len(),
            }
        };
        // SAFETY: the block has 16 writable bytes.
        unsafe { p.cast::<GoString>().write_unaligned(h) };
        GoDyn(GoIface {
            typ: t.as_ptr(),
            data: p,
        })
    }

    /// A tuple: a `struct { F0 interface {}; F1 interface {}; ... }` of the items (Go
    /// compares and hashes it field by field).
    pub fn tuple(items: Vec<GoDyn>) -> GoDyn {
        let t = GoType::struct_of((0..items.len()).map(|i| (format!("F{i}"), GoType::any())))
            .expect("a tuple Rust can hold");
        Self::fill(t, items)
    }

    /// A record: as [`GoDyn::tuple`], with the defined type `name` (records of different
    /// names never compare equal, as Go's defined types).
    pub fn record(name: &str, items: Vec<GoDyn>) -> GoDyn {
        let u = GoType::struct_of((0..items.len()).map(|i| (format!("F{i}"), GoType::any())))
            .expect("a record Rust can hold");
        Self::fill(GoType::named(name, u), items)
    }

    fn fill(t: GoType, items: Vec<GoDyn>) -> GoDyn {
        let p = block(t.size());
        for (i, it) in items.into_iter().enumerate() {
            let it = core::mem::ManuallyDrop::new(it);
            // SAFETY: field i (an interface, 16 bytes) lies inside the block; ownership
            // of the item moves into it.
            unsafe {
                p.add(t.fields()[i].offset)
                    .cast::<GoIface>()
                    .write_unaligned(it.0)
            };
        }
        GoDyn(GoIface {
            typ: t.as_ptr(),
            data: p,
        })
    }

    /// A value of an uncomparable type `t` (a slice, map or func type, or a struct holding
    /// one) with zeroed contents: enough to be hashed, which panics as Go does. Returns
    /// `None` for a comparable `t`.
    pub fn uncomparable(t: GoType) -> Option<GoDyn> {
        if t.is_comparable() {
            return None;
        }
        // Its parts are all zero: no strings or interfaces to own.
        Some(GoDyn(GoIface {
            typ: t.as_ptr(),
            data: block(t.size()),
        }))
    }

    /// The dynamic type, `None` for nil.
    pub fn dyn_type(&self) -> Option<GoType> {
        // SAFETY: null or a descriptor address (invariant).
        unsafe { GoType::from_ptr(self.0.typ) }
    }

    /// Go's `==` on two interface values (`efaceeq`): panics
    /// `runtime error: comparing uncomparable type T` when both hold that uncomparable type.
    pub fn go_eq(&self, other: &GoDyn) -> bool {
        // SAFETY: both are valid interface values (invariant).
        unsafe {
            genalg::nilinterequal(ptr::addr_of!(self.0).cast(), ptr::addr_of!(other.0).cast())
        }
    }
}

impl Drop for GoDyn {
    fn drop(&mut self) {
        if let Some(t) = self.dyn_type() {
            let p = self.0.data as *mut u8;
            // SAFETY: the block and its parts are owned (invariant) and dropped once.
            unsafe {
                free_parts(t, p);
                drop(Box::from_raw(ptr::slice_from_raw_parts_mut(
                    p.cast::<u64>(),
                    words(t.size()),
                )));
            }
        }
    }
}

impl Clone for GoDyn {
    fn clone(&self) -> GoDyn {
        let Some(t) = self.dyn_type() else {
            return GoDyn::nil();
        };
        let p = block(t.size());
        // SAFETY: a bitwise copy of the owned value into a fresh block of the same size,
        // then given parts of its own.
        unsafe {
            ptr::copy_nonoverlapping(self.0.data, p, t.size());
            clone_parts(t, p);
        }
        GoDyn(GoIface {
            typ: t.as_ptr(),
            data: p,
        })
    }
}

impl core::fmt::Debug for GoDyn {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.dyn_type() {
            None => f.write_str("GoDyn(nil)"),
            Some(t) => write!(f, "GoDyn({})", t.name()),
        }
    }
}

// SAFETY: a GoDyn owns its memory outright (no shared mutable state); descriptors are
// immutable and 'static.
unsafe impl Send for GoDyn {}
// SAFETY: `&GoDyn` only reads.
unsafe impl Sync for GoDyn {}

impl sealed::Sealed for GoDyn {}

impl GoKey for GoDyn {
    type Query = GoDyn;
    type Stored = GoIface;
    const KIND: GoKind = GoKind::Memory { size: 16, align: 8 };
    const OWNS_MEMORY: bool = true;
    // An interface key always needs key update (`needkeyupdate`): equal values may differ
    // in bytes (+0/-0, a string's data pointer), and `mapassign` copies the new eface over
    // the stored one.
    const KEY_UPDATE: bool = true;
    fn key_maptype(elem: GoKind) -> Result<MapType, MapTypeError> {
        let e = GoType::from_kind(elem).map_err(|_| MapTypeError::TooLarge)?;
        MapType::for_types(GoType::any(), e, KeyHash::Compiled)
    }
    fn as_query(&self) -> &GoDyn {
        self
    }
    fn lookup(q: &GoDyn) -> GoIface {
        q.0
    }
    fn into_stored(self) -> GoIface {
        core::mem::ManuallyDrop::new(self).0
    }
    unsafe fn from_stored(s: GoIface) -> GoDyn {
        GoDyn(s)
    }
    unsafe fn query<'a>(s: *const GoIface) -> &'a GoDyn {
        // SAFETY: GoDyn is a transparent GoIface; a live stored key (caller), aligned.
        unsafe { &*s.cast::<GoDyn>() }
    }
    fn from_query(q: &GoDyn) -> GoDyn {
        q.clone()
    }
}
