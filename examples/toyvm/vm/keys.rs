//! The VM's map keys are Go interface values: each key is stored as gomap's `GoIface`
//! (dynamic type, data word), in a `map[interface {}]Value` whose hash and equality are
//! Go's own (`nilinterhash`, `efaceeq`, from `MapType::for_types`). The VM registers its
//! dynamic types once: `bool`, `float64` (numbers), `string`, `map[interface {}]interface {}`
//! and `func()` (both unhashable, so using them as keys fails with Go's words), and one
//! `struct { F0 interface {}; ... }` per tuple length (tuples are keys field by field).
//!
//! The data words point at memory the key store owns for the heap's life: a boxed `f64`
//! per number key, one string header per heap string, one block per tuple key (its
//! elements' interface words followed by the tuple's index, so that iteration can give
//! the tuple back).

use std::cell::RefCell;
use std::ptr;

use gomap::maptype::{GoIface, GoKind, GoString, GoType};

use super::value::{Value, V};

/// A heap string's header, with the string's index after it.
#[repr(C)]
struct StrBox {
    hdr: GoString,
    idx: usize,
}

static TRUE: bool = true;
static FALSE: bool = false;

/// The dynamic types of the VM's values, and the memory key data words point at.
pub struct KeyStore {
    boolean: GoType,
    number: GoType,
    string: GoType,
    map: GoType,
    func: GoType,
    // Boxed on purpose: stored keys point at the boxes, which must not move when the
    // vectors grow.
    #[allow(clippy::vec_box)]
    nums: RefCell<Vec<Box<f64>>>,
    #[allow(clippy::vec_box)]
    strs: RefCell<Vec<Box<StrBox>>>,
    tuples: RefCell<Vec<Box<[u64]>>>,
}

impl KeyStore {
    pub fn new() -> KeyStore {
        let any = GoType::any();
        KeyStore {
            boolean: GoType::scalar(GoKind::Bool),
            number: GoType::scalar(GoKind::Float64),
            string: GoType::scalar(GoKind::String),
            map: GoType::map(any, any),
            func: GoType::func("func()"),
            nums: RefCell::new(Vec::new()),
            strs: RefCell::new(Vec::new()),
            tuples: RefCell::new(Vec::new()),
        }
    }

    /// `struct { F0 interface {}; ... }` with `n` fields: the dynamic type of tuples.
    fn tuple_type(n: usize) -> GoType {
        GoType::struct_of((0..n).map(|i| (format!("F{i}"), GoType::any()))).expect("a tuple type")
    }

    /// Registers heap string `idx` (its bytes live as long as the heap).
    pub fn add_str(&self, idx: usize, ptr: *const u8, len: usize) {
        let mut s = self.strs.borrow_mut();
        debug_assert_eq!(s.len(), idx);
        s.push(Box::new(StrBox {
            hdr: GoString { ptr, len },
            idx,
        }));
    }

    /// The interface value of `v` as a map key. `tuple` gives a tuple's elements.
    pub fn key(&self, v: Value, tuple: &dyn Fn(usize) -> Vec<Value>) -> GoIface {
        let (typ, data): (GoType, *const u8) = match v.get() {
            V::Nil => {
                return GoIface {
                    typ: ptr::null(),
                    data: ptr::null(),
                }
            }
            V::Bool(b) => (
                self.boolean,
                if b { &TRUE as *const bool } else { &FALSE }.cast(),
            ),
            V::Num(n) => {
                let b = Box::new(n);
                let p = &*b as *const f64;
                self.nums.borrow_mut().push(b);
                (self.number, p.cast())
            }
            V::Str(i) => (
                self.string,
                &self.strs.borrow()[i].hdr as *const GoString as *const u8,
            ),
            V::Map(i) => (self.map, i as *const u8),
            V::Func(i) => (self.func, i as *const u8),
            V::Tuple(i) => {
                let xs = tuple(i);
                let mut block = vec![0u64; 2 * xs.len() + 1].into_boxed_slice();
                for (j, &x) in xs.iter().enumerate() {
                    let k = self.key(x, tuple);
                    block[2 * j] = k.typ as u64;
                    block[2 * j + 1] = k.data as u64;
                }
                block[2 * xs.len()] = i as u64;
                let p = block.as_ptr().cast::<u8>();
                self.tuples.borrow_mut().push(block);
                (Self::tuple_type(xs.len()), p)
            }
        };
        GoIface {
            typ: typ.as_ptr(),
            data,
        }
    }

    /// The value a stored key stands for.
    ///
    /// # Safety
    /// `k` was made by [`KeyStore::key`] of this store.
    pub unsafe fn value(&self, k: GoIface) -> Value {
        // SAFETY: a type word made by `key`: null or a descriptor.
        let Some(t) = (unsafe { GoType::from_ptr(k.typ) }) else {
            return Value::NIL;
        };
        // SAFETY: (all arms) the data word `key` made for this type.
        unsafe {
            if t == self.boolean {
                Value::new(V::Bool(*k.data.cast::<bool>()))
            } else if t == self.number {
                Value::num(*k.data.cast::<f64>())
            } else if t == self.string {
                Value::new(V::Str((*k.data.cast::<StrBox>()).idx))
            } else if t == self.map {
                Value::new(V::Map(k.data as usize))
            } else if t == self.func {
                Value::new(V::Func(k.data as usize))
            } else {
                let n = t.fields().len();
                Value::new(V::Tuple(*k.data.cast::<u64>().add(2 * n) as usize))
            }
        }
    }
}
