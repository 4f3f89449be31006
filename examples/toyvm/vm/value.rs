//! The VM's values and the glue that makes gomap their map: a 16-byte tagged `Value` used
//! as both key and elem, a hasher and an equality that read strings from the VM's heap
//! through the key type's `ctx`, and an allocator that counts every block.

use std::cell::RefCell;
use std::ffi::c_void;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gomap::maptype::{alg, GoString, Kind, MapType, MapTypeFlags, Type};
use gomap::runtime::{self, Allocator, Hmap};

/// A VM value: a tag word and a payload word, 16 bytes with no padding, so the map can
/// copy it as plain bytes and the dump can print it. All-zero bytes are `nil`, which makes
/// Go's zero value (what `mapaccess1` returns for a missing key) the VM's `nil`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value {
    tag: u64,
    bits: u64,
}

const NIL: u64 = 0;
const BOOL: u64 = 1;
const NUM: u64 = 2;
const STR: u64 = 3;
const MAP: u64 = 4;
const FUNC: u64 = 5;

/// What a value is, decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum V {
    Nil,
    Bool(bool),
    Num(f64),
    /// Index into the heap's strings.
    Str(usize),
    /// Index into the heap's maps.
    Map(usize),
    /// Index into the program's functions.
    Func(usize),
}

impl Value {
    pub const NIL: Value = Value { tag: NIL, bits: 0 };

    pub fn new(v: V) -> Value {
        let (tag, bits) = match v {
            V::Nil => (NIL, 0),
            V::Bool(b) => (BOOL, b as u64),
            V::Num(n) => (NUM, n.to_bits()),
            V::Str(i) => (STR, i as u64),
            V::Map(i) => (MAP, i as u64),
            V::Func(i) => (FUNC, i as u64),
        };
        Value { tag, bits }
    }

    pub fn num(n: f64) -> Value {
        Value::new(V::Num(n))
    }

    pub fn get(self) -> V {
        match self.tag {
            BOOL => V::Bool(self.bits != 0),
            NUM => V::Num(f64::from_bits(self.bits)),
            STR => V::Str(self.bits as usize),
            MAP => V::Map(self.bits as usize),
            FUNC => V::Func(self.bits as usize),
            _ => V::Nil,
        }
    }

    pub fn truthy(self) -> bool {
        !matches!(self.get(), V::Nil | V::Bool(false))
    }

    pub fn type_name(self) -> &'static str {
        match self.get() {
            V::Nil => "nil",
            V::Bool(_) => "bool",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::Map(_) => "map",
            V::Func(_) => "func",
        }
    }
}

/// The payload of the panic the hasher raises for an unhashable key (a map or a
/// function, as in Go). The map type carries `HASH_MIGHT_PANIC`, and gomap calls the
/// hasher before it marks the map as being written, so the panic leaves the map intact;
/// the VM catches it and reports a runtime error.
#[derive(Debug)]
pub struct Unhashable(pub &'static str);

/// Allocation counters, shared with the map type's allocator through its `ctx`.
#[derive(Debug, Default)]
pub struct Counters {
    pub allocs: AtomicUsize,
    pub frees: AtomicUsize,
    pub live_bytes: AtomicUsize,
    pub peak_bytes: AtomicUsize,
}

unsafe extern "C-unwind" fn counting_alloc(size: usize, align: usize, ctx: *mut c_void) -> *mut u8 {
    // SAFETY: ctx is the Counters the VM keeps alive (in an Arc) longer than its maps.
    let c = unsafe { &*(ctx as *const Counters) };
    c.allocs.fetch_add(1, Ordering::Relaxed);
    let live = c.live_bytes.fetch_add(size, Ordering::Relaxed) + size;
    c.peak_bytes.fetch_max(live, Ordering::Relaxed);
    match std::alloc::Layout::from_size_align(size, align) {
        // SAFETY: size > 0 by the Allocator contract.
        Ok(l) => unsafe { std::alloc::alloc_zeroed(l) },
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C-unwind" fn counting_free(p: *mut u8, size: usize, align: usize, ctx: *mut c_void) {
    // SAFETY: as in counting_alloc.
    let c = unsafe { &*(ctx as *const Counters) };
    c.frees.fetch_add(1, Ordering::Relaxed);
    c.live_bytes.fetch_sub(size, Ordering::Relaxed);
    // SAFETY: `p` came from counting_alloc with this size and alignment.
    unsafe {
        std::alloc::dealloc(
            p,
            std::alloc::Layout::from_size_align_unchecked(size, align),
        )
    }
}

/// The VM's heap: strings and maps, addressed by index from values. Nothing is freed
/// before the VM ends (no garbage collector); then every map goes back through
/// `mapfree`.
///
/// The hasher and equality reach it through `Type::ctx`, so it lives in a `Box` whose
/// address never changes, and its tables use `RefCell`s that are never borrowed across a
/// call into the map runtime.
pub struct Heap {
    strings: RefCell<Vec<Box<str>>>,
    maps: RefCell<Vec<*mut Hmap>>,
    /// The one map type of the VM: `map[Value]Value`.
    pub t: Box<MapType>,
    pub counters: Arc<Counters>,
}

impl Heap {
    pub fn new() -> Box<Heap> {
        let counters = Arc::new(Counters::default());
        let mut heap = Box::new(Heap {
            strings: RefCell::new(Vec::new()),
            maps: RefCell::new(Vec::new()),
            // Replaced below once the heap has its final address.
            t: Box::new(MapType::int64()),
            counters,
        });
        let ctx = &*heap as *const Heap as *mut c_void;
        let key = Type {
            size: 16,
            // Values hold indices, not pointers: nothing for a collector to see.
            ptrdata: 0,
            align: 8,
            // A dynamically typed value: what Go's `interface{}` keys are.
            kind: Kind::Interface,
            equal: Some(value_equal),
            ctx,
        };
        let elem = Type {
            equal: None,
            ctx: std::ptr::null_mut(),
            ..key
        };
        // Not REFLEXIVE_KEY: NaN != NaN. NEED_KEY_UPDATE: +0 and -0 are equal with
        // different bits. HASH_MIGHT_PANIC: maps and functions are unhashable. The same
        // flags Go's compiler gives `map[interface{}]interface{}`.
        let flags = MapTypeFlags::NEED_KEY_UPDATE | MapTypeFlags::HASH_MIGHT_PANIC;
        // SAFETY: the two functions meet the Allocator contract: zeroed blocks of the
        // size and alignment asked for (or null), each freed once, from any thread.
        let alloc = unsafe {
            Allocator::new(
                counting_alloc,
                counting_free,
                Arc::as_ptr(&heap.counters) as *mut c_void,
            )
        };
        // SAFETY: value_hash and the key's equal follow Go's interface hash and equality
        // over the VM's values (equal values hash alike, keys are never changed).
        let t = unsafe { MapType::new(key, elem, value_hash, flags) }
            .expect("a 16-byte, 8-aligned key and elem make a valid map type")
            .with_allocator(alloc);
        heap.t = Box::new(t);
        heap
    }

    pub fn new_str(&self, s: &str) -> Value {
        let mut v = self.strings.borrow_mut();
        v.push(s.into());
        Value::new(V::Str(v.len() - 1))
    }

    /// The bytes of string `i`, as a pointer and length that stay valid while the heap
    /// lives (each string is its own box; the table only holds the boxes).
    pub fn str_raw(&self, i: usize) -> (*const u8, usize) {
        let v = self.strings.borrow();
        (v[i].as_ptr(), v[i].len())
    }

    pub fn str(&self, i: usize) -> String {
        self.strings.borrow()[i].to_string()
    }

    /// A new empty map, sized for `hint` entries.
    pub fn new_map(&self, hint: usize) -> Value {
        // SAFETY: a null header asks makemap to allocate one; the map is used only with
        // `self.t` and freed in Drop.
        let h = unsafe { runtime::makemap(&self.t, hint as isize, std::ptr::null_mut()) };
        let mut maps = self.maps.borrow_mut();
        maps.push(h);
        Value::new(V::Map(maps.len() - 1))
    }

    pub fn map(&self, i: usize) -> *mut Hmap {
        self.maps.borrow()[i]
    }

    pub fn nmaps(&self) -> usize {
        self.maps.borrow().len()
    }

    /// Formats a value as `print` shows it.
    pub fn show(&self, v: Value, out: &mut String) {
        match v.get() {
            V::Nil => out.push_str("nil"),
            V::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            V::Num(n) => fmt_num(n, out),
            V::Str(i) => out.push_str(&self.strings.borrow()[i]),
            V::Map(i) => {
                let _ = write!(out, "map#{i}[len {}]", self.map_len(i));
            }
            V::Func(i) => {
                let _ = write!(out, "func#{i}");
            }
        }
    }

    pub fn map_len(&self, i: usize) -> usize {
        // SAFETY: every map in the table is live until the heap drops.
        unsafe { (*self.map(i)).count }
    }
}

pub fn fmt_num(n: f64, out: &mut String) {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let _ = write!(out, "{}", n as i64);
    } else {
        let _ = write!(out, "{n}");
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        for &h in self.maps.borrow().iter() {
            // SAFETY: each map was made with `self.t`, is freed once, and no iterator of
            // it is alive (iterators live only inside the interpreter's loops).
            unsafe { runtime::mapfree(&self.t, h) };
        }
    }
}

/// The heap a key type's context points at.
///
/// # Safety
/// `ty` is the VM's key type, whose ctx is its live heap.
unsafe fn heap_of<'a>(ty: *const Type) -> &'a Heap {
    // SAFETY: the caller vouches for ty and its ctx.
    unsafe { &*((*ty).ctx as *const Heap) }
}

/// The VM's hasher: by kind, with Go's own hash functions underneath (`f64hash` gives
/// NaN a random hash and +0/-0 the same one; `strhash` hashes a string's bytes).
unsafe extern "C-unwind" fn value_hash(p: *const u8, seed: usize, ty: *const Type) -> usize {
    // SAFETY: gomap hands the hasher a pointer to a key of this type: a Value.
    let v = unsafe { *(p as *const Value) };
    // Mix the tag in so that equal payloads of different kinds (1 and true) spread.
    let seed = seed ^ (v.tag as usize).wrapping_mul(0x9e3779b97f4a7c15);
    match v.get() {
        // SAFETY: 8 readable bytes of a local.
        V::Nil | V::Bool(_) => unsafe { alg::memhash64((&v.bits as *const u64).cast(), seed) },
        // SAFETY: as above; the bits are an f64.
        V::Num(_) => unsafe { alg::f64hash((&v.bits as *const u64).cast(), seed) },
        V::Str(i) => {
            // SAFETY: the key type's ctx is the live heap.
            let (ptr, len) = unsafe { heap_of(ty) }.str_raw(i);
            let s = GoString { ptr, len };
            // SAFETY: a string header over live bytes.
            unsafe { alg::strhash((&s as *const GoString).cast(), seed) }
        }
        V::Map(_) => std::panic::panic_any(Unhashable("map")),
        V::Func(_) => std::panic::panic_any(Unhashable("func")),
    }
}

/// The VM's `==`, and the map's key equality.
unsafe extern "C-unwind" fn value_equal(a: *const u8, b: *const u8, ty: *const Type) -> bool {
    // SAFETY: two keys of this type (Values).
    let (a, b) = unsafe { (*(a as *const Value), *(b as *const Value)) };
    // SAFETY: the key type's ctx is the live heap.
    values_equal(unsafe { heap_of(ty) }, a, b)
}

pub fn values_equal(heap: &Heap, a: Value, b: Value) -> bool {
    match (a.get(), b.get()) {
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => {
            x == y || {
                let s = heap.strings.borrow();
                s[x] == s[y]
            }
        }
        _ => a == b,
    }
}
