//! A compact spelling of Go types and values, shared by the hash-vector tests, the trace
//! language and the Go programs that check them.
//!
//! Types:
//!
//! | spelling | Go type |
//! |---|---|
//! | `bool` `i8` `i16` `i32` `i64` `int` `u8` `u16` `u32` `u64` `uint` `uptr` | the integer types |
//! | `f32` `f64` `c64` `c128` | the float and complex types |
//! | `str` | `string` |
//! | `[N]T` | `[N]T` |
//! | `struct{T,_:T,...}` | a struct; non-blank field i is named `Fi`, `_:T` is a blank field |
//! | `any` | `interface {}` |
//! | `iface` | `interface { M() }` |
//! | `[]T` | `[]T` (not comparable: only as a value in an interface) |
//! | `main.Name` | a defined type, resolved by the caller |
//!
//! Values: integers in decimal, `true`/`false`, floats as Go's
//! `strconv.FormatFloat(f, 'g', -1, size)` spells them (`-0`, `+Inf`, `NaN`), complex
//! numbers as `(re,im)`, strings as the hex of their bytes (`-` when empty), arrays as
//! `[v,...]`, structs as `{v,...}` (blank fields included: their bytes are stored, and
//! ignored by hash and equality), interfaces as `nil` or `TYPE:VALUE` (`i64:5`,
//! `struct{i64,str}:{1,6869}`; an interface with methods holds defined types only,
//! `main.MInt:5`), slices as `-`. Bytes between fields (padding) take the
//! caller's fill byte, so that tests can check that they are never read.

use super::gotype::{GoType, Shape};
use super::{GoIface, GoKind, GoString};
use crate::base::hex::hex_into;
use crate::base::strconv;

/// A spelling that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpellError(pub String);

impl core::fmt::Display for SpellError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SpellError {}

fn err<T>(msg: impl Into<String>) -> Result<T, SpellError> {
    Err(SpellError(msg.into()))
}

/// How deeply a spelling may nest types or values (`[1][1]T`, `struct{struct{T}}`, an
/// interface value holding another): the parser, and the hash, equal and printing code a
/// parsed type reaches, recurse once per level, and a spelling is text from outside (a
/// trace, `gomap_gotype_parse`), so a deeper one is refused rather than left to overflow
/// the stack.
pub const MAX_NESTING: usize = 100;

/// Bytes of value per byte of spelling that [`ValueArena::parse_value`] allows before it
/// allocates. Every component of a value is spelled, with at least one character per
/// component of at most 16 bytes (`-` for a string) and at most 7 bytes of padding
/// before it, so a value of `S` bytes needs more than `S / 24` characters; a type may
/// still say more (`[1000000000000]u8` under the spelling `[1]`), and its block is then
/// refused rather than allocated (a failed allocation aborts, and a huge one is wasted
/// on a spelling that cannot fill it).
const VALUE_BYTES_PER_CHAR: usize = 32;

struct Cur<'a> {
    s: &'a [u8],
    i: usize,
    /// Whether a float component may be NaN (values only; see [`ValueArena::parse_value`]).
    nan_ok: bool,
    /// Types and values entered and not yet left (at most [`MAX_NESTING`]).
    depth: usize,
}

impl Cur<'_> {
    /// Enters one more level of nesting; [`Cur::leave`] leaves it.
    fn enter(&mut self) -> Result<(), SpellError> {
        if self.depth >= MAX_NESTING {
            return err(format!(
                "nested more than {MAX_NESTING} levels deep at {}",
                self.i
            ));
        }
        self.depth += 1;
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, lit: &str) -> Result<(), SpellError> {
        if self.eat(lit) {
            Ok(())
        } else {
            err(format!("expected {lit:?} at {}", self.i))
        }
    }
    /// The longest run of bytes that are not delimiters.
    fn word(&mut self) -> &str {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(c, b',' | b'}' | b']' | b')' | b':' | b'{' | b'[' | b'(') {
                break;
            }
            self.i += 1;
        }
        core::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }
}

/// Parses a type spelling; `main.Name` types come from `named`.
pub fn parse_type(s: &str, named: &dyn Fn(&str) -> Option<GoType>) -> Result<GoType, SpellError> {
    let mut c = Cur {
        s: s.as_bytes(),
        i: 0,
        nan_ok: false,
        depth: 0,
    };
    let t = type_at(&mut c, named)?;
    if c.i != s.len() {
        return err(format!("trailing text in type {s:?}"));
    }
    Ok(t)
}

fn scalar(w: &str) -> Option<GoKind> {
    Some(match w {
        "bool" => GoKind::Bool,
        "i8" => GoKind::Int8,
        "i16" => GoKind::Int16,
        "i32" => GoKind::Int32,
        "i64" => GoKind::Int64,
        "int" => GoKind::Int,
        "u8" => GoKind::Uint8,
        "u16" => GoKind::Uint16,
        "u32" => GoKind::Uint32,
        "u64" => GoKind::Uint64,
        "uint" => GoKind::Uint,
        "uptr" => GoKind::Uintptr,
        "f32" => GoKind::Float32,
        "f64" => GoKind::Float64,
        "c64" => GoKind::Complex64,
        "c128" => GoKind::Complex128,
        "str" => GoKind::String,
        _ => return None,
    })
}

fn type_at(c: &mut Cur, named: &dyn Fn(&str) -> Option<GoType>) -> Result<GoType, SpellError> {
    c.enter()?;
    let t = type_in(c, named)?;
    c.leave();
    Ok(t)
}

/// [`type_at`] one level in.
fn type_in(c: &mut Cur, named: &dyn Fn(&str) -> Option<GoType>) -> Result<GoType, SpellError> {
    let bad = |e: super::GoTypeError| SpellError(e.to_string());
    if c.eat("[]") {
        return Ok(GoType::slice(type_at(c, named)?));
    }
    if c.eat("[") {
        // Canonical decimal only (no sign, no leading zero), so that spelling a parsed
        // type gives the text back.
        let w = c.word();
        let canonical = !w.is_empty()
            && w.bytes().all(|b| b.is_ascii_digit())
            && (w == "0" || !w.starts_with('0'));
        let n: usize = w
            .parse()
            .ok()
            .filter(|_| canonical)
            .ok_or_else(|| SpellError(format!("bad array length {w:?}")))?;
        c.expect("]")?;
        let e = type_at(c, named)?;
        return GoType::array(e, n).map_err(bad);
    }
    if c.eat("struct{") {
        let mut fields = Vec::new();
        if !c.eat("}") {
            loop {
                let blank = c.eat("_:");
                let t = type_at(c, named)?;
                let name = if blank {
                    "_".to_string()
                } else {
                    format!("F{}", fields.len())
                };
                fields.push((name, t));
                if c.eat("}") {
                    break;
                }
                c.expect(",")?;
            }
        }
        return GoType::struct_of(fields).map_err(bad);
    }
    let w = c.word().to_string();
    match w.as_str() {
        "any" => Ok(GoType::any()),
        "iface" => Ok(GoType::interface(["M()"])),
        _ => {
            if let Some(k) = scalar(&w) {
                return Ok(GoType::scalar(k));
            }
            if w.starts_with("main.") {
                if let Some(t) = named(&w) {
                    return Ok(t);
                }
            }
            err(format!("unknown type {w:?}"))
        }
    }
}

/// The spelling of a type built from the spellable constructors (inverse of
/// [`parse_type`] for unnamed types; a defined type is spelled by its name).
pub fn type_spelling(t: GoType) -> String {
    if t.is_named() {
        return t.name().to_string();
    }
    match t.shape() {
        Shape::Scalar(k) => match k {
            GoKind::Bool => "bool",
            GoKind::Int8 => "i8",
            GoKind::Int16 => "i16",
            GoKind::Int32 => "i32",
            GoKind::Int64 => "i64",
            GoKind::Int => "int",
            GoKind::Uint8 => "u8",
            GoKind::Uint16 => "u16",
            GoKind::Uint32 => "u32",
            GoKind::Uint64 => "u64",
            GoKind::Uint => "uint",
            GoKind::Uintptr => "uptr",
            GoKind::Float32 => "f32",
            GoKind::Float64 => "f64",
            GoKind::Complex64 => "c64",
            GoKind::Complex128 => "c128",
            GoKind::String => "str",
            _ => "?",
        }
        .to_string(),
        Shape::Array { elem, len } => format!("[{len}]{}", type_spelling(*elem)),
        Shape::Struct(fields) => {
            let fs: Vec<String> = fields
                .iter()
                .map(|f| {
                    if f.is_blank() {
                        format!("_:{}", type_spelling(f.ty))
                    } else {
                        type_spelling(f.ty)
                    }
                })
                .collect();
            format!("struct{{{}}}", fs.join(","))
        }
        Shape::Interface(m) if m.is_empty() => "any".into(),
        Shape::Interface(_) => "iface".into(),
        Shape::Slice(e) => format!("[]{}", type_spelling(*e)),
        _ => t.name().to_string(),
    }
}

/// Owner of the memory that parsed values live in: each block is 8-byte aligned and
/// never moves or shrinks until the arena is dropped, so string and interface words may
/// point into it.
#[derive(Default)]
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub struct ValueArena {
    blocks: Vec<Box<[u64]>>,
}

// The value arena serves only the trace language, through export_test.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
impl ValueArena {
    /// An empty arena.
    pub fn new() -> ValueArena {
        ValueArena::default()
    }

    /// A new block of at least `size` bytes (at least one), every byte `fill`.
    pub fn alloc(&mut self, size: usize, fill: u8) -> *mut u8 {
        let words = size.div_ceil(8).max(1);
        let mut b = vec![u64::from_ne_bytes([fill; 8]); words].into_boxed_slice();
        let p = b.as_mut_ptr().cast::<u8>();
        self.blocks.push(b);
        p
    }

    /// [`ValueArena::alloc`] for a value being parsed from `c`: an error for one larger
    /// than its spelling could fill (see [`VALUE_BYTES_PER_CHAR`]).
    fn alloc_value(&mut self, c: &Cur, size: usize, fill: u8) -> Result<*mut u8, SpellError> {
        let room =
            c.s.len()
                .saturating_add(2)
                .saturating_mul(VALUE_BYTES_PER_CHAR);
        if size > room {
            return err(format!(
                "a value of {size} bytes cannot be spelled in {} characters",
                c.s.len()
            ));
        }
        Ok(self.alloc(size, fill))
    }

    /// Parses `s` as a value of `t` into a new block (padding bytes `fill`) and returns
    /// its address. Strings' bytes and interfaces' values go into blocks of their own.
    /// Numbers are read as Go's `strconv` reads them (`ParseInt`/`ParseUint` in base 10 with
    /// the component's size, `ParseFloat` with its width); a NaN float component (any of
    /// ParseFloat's spellings, Go's `math.NaN()` bits) only when `nan_ok`.
    pub fn parse_value(
        &mut self,
        t: GoType,
        s: &str,
        fill: u8,
        named: &dyn Fn(&str) -> Option<GoType>,
        nan_ok: bool,
    ) -> Result<*const u8, SpellError> {
        let mut c = Cur {
            s: s.as_bytes(),
            i: 0,
            nan_ok,
            depth: 0,
        };
        let p = self.alloc_value(&c, t.size(), fill)?;
        // SAFETY: `p` is a fresh block of t.size() bytes.
        unsafe { self.value_at(&mut c, t, p, fill, named)? };
        if c.i != s.len() {
            return err(format!("trailing text in value {s:?}"));
        }
        Ok(p)
    }

    /// # Safety
    /// `p` points at `t.size()` writable bytes of a block of this arena.
    unsafe fn value_at(
        &mut self,
        c: &mut Cur,
        t: GoType,
        p: *mut u8,
        fill: u8,
        named: &dyn Fn(&str) -> Option<GoType>,
    ) -> Result<(), SpellError> {
        c.enter()?;
        // SAFETY: forwarded (caller).
        unsafe { self.value_in(c, t, p, fill, named)? };
        c.leave();
        Ok(())
    }

    /// [`ValueArena::value_at`] one level in.
    ///
    /// # Safety
    /// As [`ValueArena::value_at`].
    unsafe fn value_in(
        &mut self,
        c: &mut Cur,
        t: GoType,
        p: *mut u8,
        fill: u8,
        named: &dyn Fn(&str) -> Option<GoType>,
    ) -> Result<(), SpellError> {
        let size = t.size();
        let put = |bytes: &[u8]| {
            debug_assert_eq!(bytes.len(), size);
            // SAFETY: `p` has `size` writable bytes (caller).
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p, size) }
        };
        match t.shape() {
            Shape::Scalar(k) => match k {
                GoKind::Bool => match c.word() {
                    "true" => put(&[1]),
                    "false" => put(&[0]),
                    w => return err(format!("bad bool {w:?}")),
                },
                GoKind::String => {
                    let w = c.word().to_string();
                    let bytes = if w == "-" { Vec::new() } else { unhex(&w)? };
                    let q = self.alloc_value(c, bytes.len(), 0)?;
                    // SAFETY: `q` is a fresh block of at least bytes.len() bytes.
                    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), q, bytes.len()) };
                    let h = GoString {
                        ptr: q,
                        len: bytes.len(),
                    };
                    // SAFETY: a string slot has 16 writable bytes (caller).
                    unsafe { p.cast::<GoString>().write_unaligned(h) };
                }
                GoKind::Float32 => {
                    let nan_ok = c.nan_ok;
                    put(&float32(c.word(), nan_ok)?.to_le_bytes())
                }
                GoKind::Float64 => {
                    let nan_ok = c.nan_ok;
                    put(&float(c.word(), nan_ok)?.to_le_bytes())
                }
                GoKind::Complex64 | GoKind::Complex128 => {
                    c.expect("(")?;
                    let mut b = Vec::new();
                    for i in 0..2 {
                        if i == 1 {
                            c.expect(",")?;
                        }
                        let nan_ok = c.nan_ok;
                        let w = c.word();
                        if *k == GoKind::Complex64 {
                            b.extend(float32(w, nan_ok)?.to_le_bytes());
                        } else {
                            b.extend(float(w, nan_ok)?.to_le_bytes());
                        }
                    }
                    c.expect(")")?;
                    put(&b);
                }
                _ => {
                    // Go's ParseInt / ParseUint in base 10 with the component's size: no
                    // `+` before an unsigned integer, nothing out of range.
                    let w = c.word();
                    let bits = 8 * size as u32;
                    let signed = matches!(
                        k,
                        GoKind::Int8 | GoKind::Int16 | GoKind::Int32 | GoKind::Int64 | GoKind::Int
                    );
                    let v = if signed {
                        strconv::parse_int(w, bits).map(|v| v as u64)
                    } else {
                        strconv::parse_uint(w, bits)
                    }
                    .map_err(|e| SpellError(format!("bad integer {w:?} for {}: {e}", t.name())))?;
                    put(&v.to_le_bytes()[..size]);
                }
            },
            Shape::Array { elem, len } => {
                c.expect("[")?;
                for i in 0..*len {
                    if i > 0 {
                        c.expect(",")?;
                    }
                    // SAFETY: element i lies inside the array at `p`.
                    unsafe { self.value_at(c, *elem, p.add(i * elem.size()), fill, named)? };
                }
                c.expect("]")?;
            }
            Shape::Struct(fields) => {
                c.expect("{")?;
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        c.expect(",")?;
                    }
                    // SAFETY: the field lies inside the struct at `p`.
                    unsafe { self.value_at(c, f.ty, p.add(f.offset), fill, named)? };
                }
                c.expect("}")?;
            }
            Shape::Interface(methods) => {
                let v = if c.eat("nil") {
                    GoIface {
                        typ: core::ptr::null(),
                        data: core::ptr::null(),
                    }
                } else {
                    let dt = type_at(c, named)?;
                    // Only defined types have methods: an interface with methods holds
                    // values of them (the caller's `named` types, which it vouches have
                    // the methods).
                    if !methods.is_empty() && !dt.is_named() {
                        return err(format!(
                            "a value of {} needs a defined type (main.Name), got {}",
                            t.name(),
                            type_spelling(dt)
                        ));
                    }
                    c.expect(":")?;
                    let q = self.alloc_value(c, dt.size(), fill)?;
                    // SAFETY: `q` is a fresh block of dt.size() bytes.
                    unsafe { self.value_at(c, dt, q, fill, named)? };
                    let data = if dt.is_direct_iface() {
                        // SAFETY: a direct type is one pointer word.
                        unsafe { q.cast::<*const u8>().read() }
                    } else {
                        q as *const u8
                    };
                    GoIface {
                        typ: dt.as_ptr(),
                        data,
                    }
                };
                // SAFETY: an interface slot has 16 writable bytes (caller).
                unsafe { p.cast::<GoIface>().write_unaligned(v) };
            }
            Shape::Slice(_) | Shape::Map(..) | Shape::Func => {
                c.expect("-")?;
                // SAFETY: `p` has `size` writable bytes (caller).
                unsafe { core::ptr::write_bytes(p, 0, size) };
            }
            Shape::Pointer(_) | Shape::Memory => {
                let w = c.word();
                let b = unhex(w)?;
                if b.len() != size {
                    return err(format!("{w:?} is not {size} bytes"));
                }
                put(&b);
            }
        }
        Ok(())
    }
}

/// A float64 component: Go's `strconv.ParseFloat(w, 64)`; NaN only when `nan_ok`.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
fn float(w: &str, nan_ok: bool) -> Result<f64, SpellError> {
    let f = strconv::parse_float64(w).map_err(|e| SpellError(format!("bad float {w:?}: {e}")))?;
    if f.is_nan() && !nan_ok {
        return err(NAN_REFUSED.to_string());
    }
    Ok(f)
}

/// A float32 component: Go's `float32(strconv.ParseFloat(w, 32))`, rounded once, straight
/// to float32; NaN only when `nan_ok`.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
fn float32(w: &str, nan_ok: bool) -> Result<f32, SpellError> {
    let f = strconv::parse_float32(w).map_err(|e| SpellError(format!("bad float32 {w:?}: {e}")))?;
    if f.is_nan() && !nan_ok {
        return err(NAN_REFUSED.to_string());
    }
    Ok(f)
}

/// Why a NaN component is refused outside the seeded-random mode.
const NAN_REFUSED: &str =
    "a NaN only in the seeded-random mode (Go hashes a NaN with a random number)";

#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
fn unhex(s: &str) -> Result<Vec<u8>, SpellError> {
    crate::base::hex::unhex(s).ok_or_else(|| SpellError(format!("bad hex {s:?}")))
}

/// Appends a string slot as the dump spells it: `s0` when the length is 0, `sL:nil` when
/// the data pointer is nil but the length L is not (Go's `mapdelete_faststr` clears only
/// the pointer), else `sL:` and the hex of the bytes.
///
/// # Safety
/// `p` points at a readable [`GoString`] whose bytes are readable unless its pointer is
/// nil or its length 0.
pub unsafe fn format_string_slot(out: &mut String, p: *const u8) {
    use core::fmt::Write;
    // SAFETY: a string header (caller).
    let s = unsafe { p.cast::<GoString>().read_unaligned() };
    if s.len == 0 {
        out.push_str("s0");
    } else if s.ptr.is_null() {
        let _ = write!(out, "s{}:nil", s.len);
    } else {
        let _ = write!(out, "s{}:", s.len);
        // SAFETY: `len` readable bytes (caller); the pointer is not nil (checked above).
        hex_into(out, unsafe { core::slice::from_raw_parts(s.ptr, s.len) });
    }
}

/// Appends the `n` bytes at `p` as the dump spells bytes: lowercase hex, `-` when there
/// are none.
///
/// # Safety
/// `p` points at `n` readable bytes (or `n == 0`, and `p` is not read).
pub unsafe fn format_bytes(out: &mut String, p: *const u8, n: usize) {
    if n == 0 {
        out.push('-');
        return;
    }
    // SAFETY: `n` readable bytes at `p` (caller).
    hex_into(out, unsafe { core::slice::from_raw_parts(p, n) });
}

/// Appends the spelling of the value of type `t` at `p` as a map slot holds it: strings
/// as the dump spells them (`s0`, `sL:HEX`, `sL:nil` when the data pointer is nil),
/// arrays as `[v,...]`, structs as `{v,...}` (blank fields included; padding, always zero
/// in a map, not printed), interfaces as `nil` or `TYPE:VALUE`, every other component as
/// the hex of its bytes (`-` when it has none).
///
/// # Safety
/// `p` points at a readable value of `t` whose strings' bytes and interfaces' values are
/// readable (a key slot of a live map, or a zeroed one).
pub unsafe fn format_slot(out: &mut String, t: GoType, p: *const u8) {
    match t.shape() {
        // SAFETY: a string header over readable bytes (caller).
        Shape::Scalar(GoKind::String) => unsafe { format_string_slot(out, p) },
        Shape::Array { elem, len } => {
            out.push('[');
            for i in 0..*len {
                if i > 0 {
                    out.push(',');
                }
                // SAFETY: element i of the array (caller).
                unsafe { format_slot(out, *elem, p.add(i * elem.size())) };
            }
            out.push(']');
        }
        Shape::Struct(fields) => {
            out.push('{');
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // SAFETY: a field of the struct (caller).
                unsafe { format_slot(out, f.ty, p.add(f.offset)) };
            }
            out.push('}');
        }
        Shape::Interface(_) => {
            // SAFETY: two words (caller).
            let v = unsafe { p.cast::<GoIface>().read_unaligned() };
            // SAFETY: the type word is null or a descriptor (caller).
            match unsafe { GoType::from_ptr(v.typ) } {
                None => out.push_str("nil"),
                Some(dt) => {
                    out.push_str(&type_spelling(dt));
                    out.push(':');
                    let q = if dt.is_direct_iface() {
                        // SAFETY: the data word is the value (direct type).
                        unsafe { p.add(core::mem::size_of::<usize>()) }
                    } else {
                        v.data
                    };
                    // SAFETY: the dynamic value is readable (caller).
                    unsafe { format_slot(out, dt, q) };
                }
            }
        }
        // SAFETY: `t.size()` readable bytes at `p` (caller).
        _ => unsafe { format_bytes(out, p, t.size()) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spelling nested deeper than `MAX_NESTING` is an error, not a stack overflow (the
    /// parser recursed once per level, with no bound: `[1]` 5000 times aborted the process).
    #[test]
    fn deep_spellings_are_refused_not_overflowing() {
        let none = |_: &str| None;
        let at_limit = format!("{}i64", "[1]".repeat(MAX_NESTING - 1));
        assert!(parse_type(&at_limit, &none).is_ok());
        for n in [MAX_NESTING, 100_000] {
            let e = parse_type(&format!("{}i64", "[1]".repeat(n)), &none).unwrap_err();
            assert!(e.0.contains("nested more than"), "{e}");
            let s = format!("{}i64{}", "struct{".repeat(n), "}".repeat(n));
            assert!(parse_type(&s, &none).is_err());
        }
        // Values nest through interfaces, whatever the depth of each type.
        let mut a = ValueArena::new();
        let any = parse_type("any", &none).unwrap();
        let n = 100_000;
        let v = format!("{}i64:1{}", "struct{any}:{".repeat(n), "}".repeat(n));
        let e = a.parse_value(any, &v, 0, &none, false).unwrap_err();
        assert!(e.0.contains("nested more than"), "{e}");
        let v = format!("{}i64:1{}", "struct{any}:{".repeat(10), "}".repeat(10));
        assert!(a.parse_value(any, &v, 0, &none, false).is_ok());
    }

    /// A value whose type is far larger than its spelling could fill is refused before its
    /// block is allocated (a failed allocation aborted the process).
    #[test]
    fn values_larger_than_their_spelling_are_refused() {
        let none = |_: &str| None;
        let mut a = ValueArena::new();
        let big = parse_type("[100000000000]i64", &none).unwrap();
        let e = a.parse_value(big, "[1]", 0, &none, false).unwrap_err();
        assert!(e.0.contains("cannot be spelled"), "{e}");
        let any = parse_type("any", &none).unwrap();
        let e = a
            .parse_value(any, "[1000000000000]i64:[1]", 0, &none, false)
            .unwrap_err();
        assert!(e.0.contains("cannot be spelled"), "{e}");
        // The densest spellings still parse: strings, padding, interfaces, complex.
        for (ty, v) in [
            ("[4]str", "[-,-,-,-]"),
            ("struct{i8,str}", "{1,-}"),
            ("[3]struct{i8,[0]i64,i64}", "[{1,[],2},{1,[],2},{1,[],2}]"),
            ("[2]any", "[nil,nil]"),
            ("c128", "(1,1)"),
        ] {
            let t = parse_type(ty, &none).unwrap();
            assert!(a.parse_value(t, v, 0, &none, false).is_ok(), "{ty} {v}");
        }
    }

    #[test]
    fn values_round_trip_through_their_slot_spelling() {
        let none = |_: &str| None;
        let mut a = ValueArena::new();
        for (ty, v, slot) in [
            (
                "struct{i8,f64,str}",
                "{1,-0,6869}",
                "{01,0000000000000080,s2:6869}",
            ),
            ("[2]str", "[-,61]", "[s0,s1:61]"),
            ("any", "nil", "nil"),
            (
                "any",
                "struct{i32,_:i16}:{5,-1}",
                "struct{i32,_:i16}:{05000000,ffff}",
            ),
            ("struct{}", "{}", "{}"),
            (
                "[2]c64",
                "[(1,-0),(0,0)]",
                "[0000803f00000080,0000000000000000]",
            ),
        ] {
            let t = parse_type(ty, &none).unwrap();
            assert_eq!(type_spelling(t), ty);
            let p = a.parse_value(t, v, 0, &none, true).unwrap();
            let mut s = String::new();
            // SAFETY: a value of `t` in the arena.
            unsafe { format_slot(&mut s, t, p) };
            assert_eq!(s, slot, "{ty} {v}");
        }
        assert!(parse_type("struct{i8", &none).is_err());
        for bad in [
            "[01]i64",
            "[+1]i64",
            "[]",
            "[1]",
            "struct{i64,}",
            "struct{,}",
            "i64 ",
        ] {
            assert!(parse_type(bad, &none).is_err(), "{bad}");
        }
        assert!(a
            .parse_value(GoType::any(), "[]i64:-", 0, &none, true)
            .is_ok());
    }

    #[test]
    fn an_interface_with_methods_holds_defined_types_only() {
        let named =
            |n: &str| (n == "main.MInt").then(|| GoType::named(n, GoType::scalar(GoKind::Int64)));
        let mut a = ValueArena::new();
        let t = parse_type("struct{iface,i8}", &named).unwrap();
        assert_eq!(type_spelling(t), "struct{iface,i8}");
        let p = a
            .parse_value(t, "{main.MInt:5,1}", 0, &named, true)
            .unwrap();
        let mut s = String::new();
        // SAFETY: a value of `t` in the arena.
        unsafe { format_slot(&mut s, t, p) };
        assert_eq!(s, "{main.MInt:0500000000000000,01}");
        assert!(a.parse_value(t, "{nil,1}", 0, &named, true).is_ok());
        let e = a.parse_value(t, "{i64:5,1}", 0, &named, true).unwrap_err();
        assert!(e.0.contains("needs a defined type"), "{e}");
        assert!(a
            .parse_value(GoType::any(), "main.MInt:5", 0, &named, true)
            .is_ok());
    }
}
