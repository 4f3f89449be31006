//! A global allocator that counts live bytes per thread, so a test can see that everything
//! it allocated (string key boxes, boxed values, buckets, groups and tables) was freed,
//! while other tests run on other threads. Freed blocks are scribbled over first, so that
//! a read after free shows as changed output. A test binary installs it with
//! `#[global_allocator] static GLOBAL: counting::Counting = counting::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The allocator: `System`, counting and scribbling.
pub struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// Live blocks, which a `realloc` leaves as they are.
    static BLOCKS: Cell<isize> = const { Cell::new(0) };
}

/// Bytes allocated and not yet freed on this thread.
pub fn live_bytes() -> isize {
    LIVE.with(|l| l.get())
}

/// Blocks allocated and not yet freed on this thread (a count that, unlike bytes, a
/// `realloc` does not change: the test harness's captured output grows by `realloc`).
#[allow(dead_code)]
pub fn live_blocks() -> isize {
    BLOCKS.with(|l| l.get())
}

// SAFETY: forwards to System; the counters are thread-local cells with const init, which
// neither allocate nor re-enter the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get() + l.size() as isize));
        let _ = BLOCKS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get() + l.size() as isize));
        let _ = BLOCKS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        let _ = LIVE.try_with(|c| c.set(c.get() - l.size() as isize));
        let _ = BLOCKS.try_with(|c| c.set(c.get() - 1));
        // Poison freed memory, so that a read after free shows (see
        // `removed_string_keys_outlive_stale_copies`).
        // SAFETY: the block is ours until `dealloc` returns.
        unsafe { std::ptr::write_bytes(p, 0xdd, l.size()) };
        // SAFETY: forwarded.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get() - l.size() as isize + n as isize));
        // SAFETY: forwarded.
        unsafe { System.realloc(p, l, n) }
    }
}
