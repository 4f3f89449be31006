//! The VM's values and the glue that makes gomap their map: a 16-byte tagged `Value` used
//! as the elem, stored keys that are Go interface values (see `keys.rs`: Go's own hash
//! and equality for `interface {}` keys), and an allocator that counts every block.

use std::cell::RefCell;
use std::ffi::c_void;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gomap::maptype::GoIface;
use gomap::maptype::{GoKind, GoType, KeyHash, MapType};
use gomap::runtime::{self, Allocator, Hmap};

use super::keys::KeyStore;

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
const TUPLE: u64 = 6;

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
    /// Index into the heap's tuples.
    Tuple(usize),
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
            V::Tuple(i) => (TUPLE, i as u64),
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
            TUPLE => V::Tuple(self.bits as usize),
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
            V::Tuple(_) => "tuple",
        }
    }
}

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
/// Its tables use `RefCell`s that are never borrowed across a call into the map runtime.
pub struct Heap {
    strings: RefCell<Vec<Box<str>>>,
    maps: RefCell<Vec<*mut Hmap>>,
    tuples: RefCell<Vec<Box<[Value]>>>,
    /// The stored keys' types and data.
    pub keys: KeyStore,
    /// The one map type of the VM: `map[interface {}]Value`.
    pub t: Box<MapType>,
    pub counters: Arc<Counters>,
}

impl Heap {
    pub fn new() -> Box<Heap> {
        let counters = Arc::new(Counters::default());
        let mut heap = Box::new(Heap {
            strings: RefCell::new(Vec::new()),
            maps: RefCell::new(Vec::new()),
            tuples: RefCell::new(Vec::new()),
            keys: KeyStore::new(),
            // Replaced below once the allocator is set up.
            t: Box::new(MapType::int64()),
            counters,
        });
        // SAFETY: the two functions meet the Allocator contract: zeroed blocks of the
        // size and alignment asked for (or null), each freed once, from any thread.
        let alloc = unsafe {
            Allocator::new(
                counting_alloc,
                counting_free,
                Arc::as_ptr(&heap.counters) as *mut c_void,
            )
        };
        // Go's map[interface {}]T: nilinterhash, efaceeq, and the flags Go gives it (not
        // reflexive: NaN; need key update: +0/-0 and strings; hash might panic: maps and
        // functions are unhashable). Elems are the VM's 16-byte values.
        let elem = GoType::from_kind(GoKind::Memory { size: 16, align: 8 }).expect("16/8");
        let t = MapType::for_types(GoType::any(), elem, KeyHash::Compiled)
            .expect("map[interface {}]Value is a valid map type")
            .with_allocator(alloc);
        heap.t = Box::new(t);
        heap
    }

    pub fn new_str(&self, s: &str) -> Value {
        let mut v = self.strings.borrow_mut();
        v.push(s.into());
        let i = v.len() - 1;
        // The box's bytes never move: the key store may point at them.
        self.keys.add_str(i, v[i].as_ptr(), v[i].len());
        Value::new(V::Str(i))
    }

    pub fn new_tuple(&self, xs: &[Value]) -> Value {
        let mut t = self.tuples.borrow_mut();
        t.push(xs.into());
        Value::new(V::Tuple(t.len() - 1))
    }

    pub fn tuple(&self, i: usize) -> Vec<Value> {
        self.tuples.borrow()[i].to_vec()
    }

    /// `v` as a stored map key (a Go interface value).
    pub fn key(&self, v: Value) -> GoIface {
        self.keys.key(v, &|i| self.tuple(i))
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
            V::Tuple(i) => {
                out.push('(');
                for (j, x) in self.tuple(i).into_iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    self.show(x, out);
                }
                out.push(')');
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

/// The VM's `==` (maps compare keys with Go's `==` on their interface values).
pub fn values_equal(heap: &Heap, a: Value, b: Value) -> bool {
    match (a.get(), b.get()) {
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => {
            x == y || {
                let s = heap.strings.borrow();
                s[x] == s[y]
            }
        }
        (V::Tuple(x), V::Tuple(y)) => {
            let (x, y) = (heap.tuple(x), heap.tuple(y));
            x.len() == y.len() && x.iter().zip(&y).all(|(&a, &b)| values_equal(heap, a, b))
        }
        _ => a == b,
    }
}
