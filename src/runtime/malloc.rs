//! Memory: the allocator abstraction that stands in for Go's `mallocgc`, Go's
//! `roundupsize`, and the shared zero value.
//!
//! Go's map allocates bucket arrays, overflow buckets and indirect keys and elems from the
//! garbage-collected heap, always zeroed. gomap asks an [`Allocator`] for zeroed memory
//! and gives it back itself (see `reclaim.rs` for when). The default is the system
//! allocator through `calloc`, which for large blocks hands out fresh zero pages without
//! touching them; an embedder can plug in its own.

use core::ffi::c_void;

use super::sizeclasses::{
    CLASS_TO_SIZE, LARGE_SIZE_DIV, MAX_SMALL_SIZE, PAGE_SIZE, SIZE_TO_CLASS128, SIZE_TO_CLASS8,
    SMALL_SIZE_DIV, SMALL_SIZE_MAX,
};

/// Where a map's memory comes from. Every block gomap allocates is freed through the same
/// allocator with the same size and alignment.
///
/// Contract: `alloc_zeroed(size, align, ctx)` returns a block of `size` bytes aligned to
/// `align`, every byte zero, or null when out of memory (gomap then panics with Go's
/// "out of memory"); `size` is never 0. `free(p, size, align, ctx)` releases such a block.
/// Both may be called from any thread that uses the map.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Allocator {
    /// Allocates zeroed memory.
    pub alloc_zeroed:
        unsafe extern "C-unwind" fn(size: usize, align: usize, ctx: *mut c_void) -> *mut u8,
    /// Frees memory from `alloc_zeroed`.
    pub free: unsafe extern "C-unwind" fn(p: *mut u8, size: usize, align: usize, ctx: *mut c_void),
    /// Passed to both functions.
    pub ctx: *mut c_void,
}

// SAFETY: the allocator's contract requires its functions to be callable from any thread.
unsafe impl Send for Allocator {}
// SAFETY: as above.
unsafe impl Sync for Allocator {}

unsafe extern "C-unwind" fn system_alloc_zeroed(
    size: usize,
    align: usize,
    _ctx: *mut c_void,
) -> *mut u8 {
    match std::alloc::Layout::from_size_align(size, align) {
        // SAFETY: size is non-zero by the allocator contract.
        Ok(l) => unsafe { std::alloc::alloc_zeroed(l) },
        Err(_) => core::ptr::null_mut(),
    }
}

unsafe extern "C-unwind" fn system_free(p: *mut u8, size: usize, align: usize, _ctx: *mut c_void) {
    // SAFETY: `p` came from system_alloc_zeroed with this size and align, which built this
    // very layout successfully.
    unsafe {
        std::alloc::dealloc(
            p,
            std::alloc::Layout::from_size_align_unchecked(size, align),
        )
    }
}

impl Allocator {
    /// The system allocator (`std::alloc::System`; `calloc` for zeroed blocks).
    pub const fn system() -> Allocator {
        Allocator {
            alloc_zeroed: system_alloc_zeroed,
            free: system_free,
            ctx: core::ptr::null_mut(),
        }
    }

    /// Allocates `size` zeroed bytes, panicking with Go's message when out of memory.
    ///
    /// # Safety
    /// `size > 0`; `align` is a power of two.
    #[inline]
    pub unsafe fn alloc(&self, size: usize, align: usize) -> *mut u8 {
        debug_assert!(size > 0 && align.is_power_of_two());
        // SAFETY: the caller meets the allocator's preconditions.
        let p = unsafe { (self.alloc_zeroed)(size, align, self.ctx) };
        if p.is_null() {
            super::types::throw("out of memory");
        }
        p
    }

    /// Frees a block from [`Allocator::alloc`].
    ///
    /// # Safety
    /// `p` came from `self.alloc(size, align)` and is not used again.
    #[inline]
    pub unsafe fn dealloc(&self, p: *mut u8, size: usize, align: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.free)(p, size, align, self.ctx) }
    }
}

impl Default for Allocator {
    fn default() -> Allocator {
        Allocator::system()
    }
}

/// Go's `maxAlloc` on 64-bit Linux: the largest allocation the heap can satisfy (2^48).
pub const MAX_ALLOC: usize = 1 << 48;

/// Port of `runtime.roundupsize` (go1.19 msize.go): the size of the block `mallocgc`
/// actually hands out for a request of `size` bytes.
pub fn roundupsize(size: usize) -> usize {
    if size < MAX_SMALL_SIZE {
        if size <= SMALL_SIZE_MAX - 8 {
            CLASS_TO_SIZE[SIZE_TO_CLASS8[divRoundUp(size, SMALL_SIZE_DIV)] as usize] as usize
        } else {
            // Go computes `size-smallSizeMax` in uintptr: for sizes in (1016, 1024] it wraps,
            // and divRoundUp wraps back to 0 (the 1024-byte class). Same arithmetic here.
            CLASS_TO_SIZE[SIZE_TO_CLASS128
                [divRoundUp(size.wrapping_sub(SMALL_SIZE_MAX), LARGE_SIZE_DIV)]
                as usize] as usize
        }
    } else if size.checked_add(PAGE_SIZE).is_none() {
        size
    } else {
        alignUp(size, PAGE_SIZE)
    }
}

#[allow(non_snake_case)]
fn divRoundUp(n: usize, a: usize) -> usize {
    // Go's `(n + a - 1) / a` in uintptr, wrapping as Go does (see roundupsize).
    n.wrapping_add(a - 1) / a
}

#[allow(non_snake_case)]
fn alignUp(n: usize, a: usize) -> usize {
    (n + a - 1) & !(a - 1)
}

/// Size of Go's shared zero value (`maxZero`): `mapaccess1` returns a pointer into it for
/// missing keys; elems larger than this go through the `_fat` variants.
pub const MAX_ZERO: usize = 1024;

/// Go's `zeroVal`: read-only zero bytes.
#[repr(C, align(16))]
pub struct ZeroVal(pub [u8; MAX_ZERO]);

/// The shared zero value. Never written.
pub static ZERO_VAL: ZeroVal = ZeroVal([0; MAX_ZERO]);

/// Pointer to [`ZERO_VAL`], as the access functions return it.
#[inline(always)]
pub fn zero_val() -> *mut u8 {
    ZERO_VAL.0.as_ptr() as *mut u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundupsize_follows_size_classes() {
        assert_eq!(roundupsize(0), 0);
        assert_eq!(roundupsize(1), 8);
        assert_eq!(roundupsize(144 * 17), 2688); // B=4 int64 buckets
        assert_eq!(roundupsize(1025), 1152);
        assert_eq!(roundupsize(32767), 32768);
        assert_eq!(roundupsize(32768), 32768);
        assert_eq!(roundupsize(32769), 40960);
        for s in 1..MAX_SMALL_SIZE {
            let r = roundupsize(s);
            assert!(r >= s);
            // The smallest class that fits.
            let c = CLASS_TO_SIZE
                .iter()
                .map(|&c| c as usize)
                .find(|&c| c >= s)
                .unwrap();
            assert_eq!(r, c, "size {s}");
        }
    }
}
