//! Memory: the allocator abstraction that stands in for Go's `mallocgc`, Go's
//! `roundupsize`, and the shared zero value.
//!
//! Go's map allocates bucket arrays, overflow buckets and indirect keys and elems from the
//! garbage-collected heap, always zeroed. gomap asks an [`Allocator`] for zeroed memory
//! and gives it back itself (see `reclaim.rs` for when). The default is the system
//! allocator: `calloc`, and on Unix fresh anonymous mappings for blocks of at least
//! [`LARGE_BLOCK`] bytes (untouched zero pages, so a new bucket array costs nothing up
//! front; and their pages can be given back a piece at a time, see
//! [`Allocator::release_prefix`]). Freed mappings of up to [`CACHE_BLOCK_MAX`] bytes are
//! kept for a while and handed out again, cleared, instead of fresh ones (see
//! [`BlockCache`]): a map built and dropped over and over would otherwise take a page
//! fault on every 4 KiB of every bucket array, where Go reuses its heap. A bucket array
//! `makemap` makes for a size hint, too large for the cache, is backed by transparent
//! huge pages at once (`Allocator::populate_huge_pages`). An embedder can plug in its own
//! allocator.

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
///
/// The map writes into every block it is given, from safe code too ([`crate::typed::GoMap`]),
/// so an allocator is trusted: the fields are private, [`Allocator::system`] and
/// [`Allocator::system_huge_pages`] are safe, and [`Allocator::new`], which takes the
/// caller's functions, is `unsafe`.
///
/// ```compile_fail
/// // The functions cannot be replaced from safe code.
/// let mut a = gomap::runtime::Allocator::system();
/// a.ctx = std::ptr::null_mut();
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Allocator {
    /// Allocates zeroed memory.
    alloc_zeroed: AllocFn,
    /// Frees memory from `alloc_zeroed`.
    free: FreeFn,
    /// Passed to both functions.
    ctx: *mut c_void,
}

/// An allocator's allocation function: `(size, align, ctx) -> zeroed block or null`.
pub type AllocFn =
    unsafe extern "C-unwind" fn(size: usize, align: usize, ctx: *mut c_void) -> *mut u8;
/// An allocator's free function: `(block, size, align, ctx)`.
pub type FreeFn =
    unsafe extern "C-unwind" fn(p: *mut u8, size: usize, align: usize, ctx: *mut c_void);

// SAFETY: the allocator's contract requires its functions to be callable from any thread.
unsafe impl Send for Allocator {}
// SAFETY: as above.
unsafe impl Sync for Allocator {}

/// Blocks of at least this many bytes are, with the system allocator on Unix, anonymous
/// mappings of their own: zero pages the kernel supplies on first touch (so allocating a
/// bucket array of any size costs one `mmap`), unmapped when freed (or kept for reuse: `BlockCache`), and releasable from
/// the front a piece at a time ([`Allocator::release_prefix`]). Smaller blocks come from
/// `calloc`. (`calloc` would map large blocks too, but may instead clear a recycled
/// heap block of up to 32 MiB with `memset`, and its blocks cannot be given back in
/// pieces.)
pub const LARGE_BLOCK: usize = 1 << 20;

/// The largest freed mapping `BlockCache` keeps for reuse. Both ends of a kept block's
/// life fall inside a single map call, so the bound keeps them short: reusing it means
/// clearing it with `memset` in the call that allocates it (a bucket array: `makemap`
/// with a hint, or the `hashGrow` of an insert: about 50 µs for 2.3 MiB here, where
/// faulting the same 2.3 MiB in fresh costs 1.3 to 1.7 ms), and a block freed whole
/// rather than a piece per write ([`Allocator::release_prefix`]) is unmapped whole when
/// it leaves the cache (with 16 MiB blocks, growing a map to 10^7 entries saw a 1.4 ms
/// insert for that, against 0.4 ms without the cache). Larger blocks are unmapped as
/// before, and given back piecewise while growth drains them.
pub const CACHE_BLOCK_MAX: usize = 4 << 20;

/// At most this many bytes of freed mappings are kept; beyond it the oldest go back to the
/// system.
pub const CACHE_MAX_BYTES: usize = 64 << 20;

/// A kept mapping not reused within this time goes back to the system at one of the next
/// allocations or frees of a large block, one block per such call (or all at once by
/// [`release_cached_blocks`]). Go's scavenger returns idle heap memory the same way, if on
/// a timer of its own; here there is no thread, so an idle process keeps at most
/// [`CACHE_MAX_BYTES`] until it next frees or allocates large blocks. It also keeps a single map's growth from holding its outgrown
/// arrays: they are freed long before the map's size class comes round again.
pub const CACHE_IDLE: std::time::Duration = std::time::Duration::from_millis(250);

/// Freed large blocks of the system allocators ([`Allocator::system`] and
/// [`Allocator::system_huge_pages`], kept apart since their mappings differ in the
/// huge-page advice), for reuse by an allocation of the same size.
///
/// Invariants: every entry is a private anonymous mapping of exactly `size` bytes
/// (`LARGE_BLOCK <= size <= CACHE_BLOCK_MAX`) made by `system_alloc_zeroed_with(size, _,
/// huge)`, owned by the cache alone (nothing else refers to it); `bytes` is the sum of the
/// entries' sizes and at most [`CACHE_MAX_BYTES`]; entries are in the order they were
/// freed (oldest first).
struct BlockCache {
    blocks: Vec<Cached>,
    bytes: usize,
}

/// One kept mapping: see [`BlockCache`].
struct Cached {
    p: *mut u8,
    size: usize,
    huge: bool,
    freed: std::time::Instant,
}

// SAFETY: the cache owns its mappings outright (BlockCache invariant); moving the owning
// pointers between threads is what the Mutex around it does.
unsafe impl Send for BlockCache {}

#[cfg(unix)]
static CACHE: std::sync::Mutex<BlockCache> = std::sync::Mutex::new(BlockCache {
    blocks: Vec::new(),
    bytes: 0,
});

#[cfg(unix)]
fn lock_cache() -> std::sync::MutexGuard<'static, BlockCache> {
    // A panic while the lock is held (none of its code panics but `Vec::push` out of
    // memory) leaves the cache consistent: every step below keeps the invariant.
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(unix)]
impl BlockCache {
    /// Takes out the oldest entries beyond [`CACHE_MAX_BYTES`] once `extra` more bytes
    /// are added, and then the oldest entry if it was freed more than [`CACHE_IDLE`]
    /// before `now` (one a call: unmapping is paid inside a map call, so an idle cache
    /// drains one block per large allocation or free); returns them to the caller to
    /// unmap outside the lock.
    fn evict(&mut self, now: std::time::Instant, extra: usize) -> Vec<(*mut u8, usize)> {
        let mut out = Vec::new();
        let mut take = |c: &mut BlockCache| {
            let b = c.blocks.remove(0);
            c.bytes -= b.size;
            out.push((b.p, b.size));
        };
        while !self.blocks.is_empty() && self.bytes + extra > CACHE_MAX_BYTES {
            take(self);
        }
        if let Some(c) = self.blocks.first() {
            if now.saturating_duration_since(c.freed) > CACHE_IDLE {
                take(self);
            }
        }
        out
    }
}

/// Unmaps blocks taken out of the cache.
///
/// # Safety
/// Each is a whole mapping of that size that nothing refers to any more.
#[cfg(unix)]
unsafe fn unmap_all(blocks: Vec<(*mut u8, usize)>) {
    for (p, size) in blocks {
        // SAFETY: forwarded from the caller.
        let r = unsafe { libc::munmap(p.cast(), size) };
        debug_assert_eq!(r, 0, "munmap of a cached block failed");
    }
}

/// A kept mapping of `size` bytes made with the same huge-page advice, cleared, or null.
#[cfg(unix)]
fn cache_take(size: usize, huge: bool) -> *mut u8 {
    let now = std::time::Instant::now();
    let (found, stale) = {
        let mut c = lock_cache();
        let stale = c.evict(now, 0);
        let found = match c
            .blocks
            .iter()
            .rposition(|b| b.size == size && b.huge == huge)
        {
            Some(i) => {
                let b = c.blocks.remove(i);
                c.bytes -= b.size;
                b.p
            }
            None => core::ptr::null_mut(),
        };
        (found, stale)
    };
    // SAFETY: taken out of the cache, which owned them alone.
    unsafe { unmap_all(stale) };
    if !found.is_null() {
        // SAFETY: the block is a writable mapping of `size` bytes, ours alone now.
        unsafe { core::ptr::write_bytes(found, 0, size) };
    }
    found
}

/// Keeps a freed mapping for reuse, or unmaps it when it is too large.
///
/// # Safety
/// `p` is a whole mapping of `size` bytes made by `system_alloc_zeroed_with(size, _, huge)`
/// that nothing refers to any more.
#[cfg(unix)]
unsafe fn cache_put(p: *mut u8, size: usize, huge: bool) {
    if size > CACHE_BLOCK_MAX {
        // SAFETY: forwarded from the caller.
        return unsafe { unmap_all(vec![(p, size)]) };
    }
    let now = std::time::Instant::now();
    let stale = {
        let mut c = lock_cache();
        let stale = c.evict(now, size);
        c.blocks.push(Cached {
            p,
            size,
            huge,
            freed: now,
        });
        c.bytes += size;
        stale
    };
    // SAFETY: taken out of the cache, which owned them alone.
    unsafe { unmap_all(stale) };
}

/// Gives every freed bucket array the system allocators keep for reuse back to the
/// system now (see [`CACHE_IDLE`] for when that happens by itself). Returns how many bytes
/// were unmapped.
pub fn release_cached_blocks() -> usize {
    #[cfg(unix)]
    {
        let blocks: Vec<(*mut u8, usize)> = {
            let mut c = lock_cache();
            c.bytes = 0;
            c.blocks.drain(..).map(|b| (b.p, b.size)).collect()
        };
        let n = blocks.iter().map(|b| b.1).sum();
        // SAFETY: taken out of the cache, which owned them alone.
        unsafe { unmap_all(blocks) };
        n
    }
    #[cfg(not(unix))]
    0
}

/// How many bytes of freed mappings the system allocators keep for reuse now.
pub fn cached_block_bytes() -> usize {
    #[cfg(unix)]
    {
        lock_cache().bytes
    }
    #[cfg(not(unix))]
    0
}

/// The page size the large blocks are mapped in (a multiple of it is always safe to unmap
/// from a block's start, which is page-aligned).
#[cfg(unix)]
fn page_size() -> usize {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    let p = PAGE.load(Ordering::Relaxed);
    if p != 0 {
        return p;
    }
    // SAFETY: sysconf has no preconditions.
    let p = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    };
    PAGE.store(p, Ordering::Relaxed);
    p
}

/// Whether the system allocator maps a block of `size` bytes aligned to `align` itself.
#[inline]
pub(crate) fn is_mapped(size: usize, align: usize) -> bool {
    cfg!(unix) && size >= LARGE_BLOCK && align <= 4096
}

unsafe extern "C-unwind" fn system_alloc_zeroed(
    size: usize,
    align: usize,
    _ctx: *mut c_void,
) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { system_alloc_zeroed_with(size, align, false) }
}

/// [`Allocator::system_huge_pages`]'s `alloc_zeroed`.
unsafe extern "C-unwind" fn system_alloc_zeroed_huge(
    size: usize,
    align: usize,
    _ctx: *mut c_void,
) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { system_alloc_zeroed_with(size, align, true) }
}

/// The system allocator's allocation; `huge` asks the kernel to back large blocks with
/// transparent huge pages.
///
/// # Safety
/// `size > 0`.
#[inline]
unsafe fn system_alloc_zeroed_with(size: usize, align: usize, huge: bool) -> *mut u8 {
    #[cfg(unix)]
    if is_mapped(size, align) {
        let p = cache_take(size, huge);
        if !p.is_null() {
            return p;
        }
        // SAFETY: a fresh private anonymous mapping: no address given, no file.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return core::ptr::null_mut();
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if huge {
            // A hint only: where transparent huge pages are off (or `never`), nothing
            // changes, so the result is ignored.
            // SAFETY: [p, p+size) is the mapping just made.
            unsafe { libc::madvise(p, size, libc::MADV_HUGEPAGE) };
        }
        return p.cast();
    }
    let _ = huge;
    match std::alloc::Layout::from_size_align(size, align) {
        // SAFETY: size is non-zero by the allocator contract.
        Ok(l) => unsafe { std::alloc::alloc_zeroed(l) },
        Err(_) => core::ptr::null_mut(),
    }
}

unsafe extern "C-unwind" fn system_free(p: *mut u8, size: usize, align: usize, _ctx: *mut c_void) {
    // SAFETY: forwarded.
    unsafe { system_free_with(p, size, align, false) }
}

/// [`Allocator::system_huge_pages`]'s `free`.
unsafe extern "C-unwind" fn system_free_huge(
    p: *mut u8,
    size: usize,
    align: usize,
    _ctx: *mut c_void,
) {
    // SAFETY: forwarded.
    unsafe { system_free_with(p, size, align, true) }
}

/// The system allocators' free; `huge` is the allocator's huge-page choice.
///
/// # Safety
/// `p` came from `system_alloc_zeroed_with(size, align, huge)` and is not used again.
unsafe fn system_free_with(p: *mut u8, size: usize, align: usize, huge: bool) {
    #[cfg(unix)]
    if is_mapped(size, align) {
        // SAFETY: `p` is a whole mapping of `size` bytes made by system_alloc_zeroed_with
        // with this `huge` (same size and align, so the same decision); nothing uses it
        // any more.
        unsafe { cache_put(p, size, huge) };
        return;
    }
    let _ = huge;
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
    /// An allocator of the caller's functions.
    ///
    /// # Safety
    /// `alloc_zeroed` and `free` meet the contract on [`Allocator`] with `ctx` for as long
    /// as any map type holding this allocator, or any map made with one, is in use: every
    /// block returned has at least `size` writable zero bytes at an `align`-aligned
    /// address and stays valid until passed to `free`, and both may be called from every
    /// thread that uses such a map.
    pub const unsafe fn new(alloc_zeroed: AllocFn, free: FreeFn, ctx: *mut c_void) -> Allocator {
        Allocator {
            alloc_zeroed,
            free,
            ctx,
        }
    }

    /// The context pointer passed to the functions.
    pub fn ctx(&self) -> *mut c_void {
        self.ctx
    }

    /// The system allocator: Rust's global allocator (`calloc` for zeroed blocks), and on
    /// Unix an anonymous mapping of its own for each block of at least [`LARGE_BLOCK`]
    /// bytes, kept for reuse for a while once freed when at most [`CACHE_BLOCK_MAX`]
    /// (see [`release_cached_blocks`]). (Memory checkers that track `malloc` do not see
    /// those blocks.)
    pub const fn system() -> Allocator {
        Allocator {
            alloc_zeroed: system_alloc_zeroed,
            free: system_free,
            ctx: core::ptr::null_mut(),
        }
    }

    /// The system allocator with the large blocks (bucket arrays of at least
    /// [`LARGE_BLOCK`] bytes) backed by transparent huge pages where the kernel offers them
    /// (Linux's `madvise(MADV_HUGEPAGE)`; elsewhere the same as [`Allocator::system`]).
    /// This is what Go's own heap does.
    ///
    /// The trade: a map at 10^6 entries and more spends most of its time on cache and TLB
    /// misses, which 2 MiB pages make cheaper (see `BENCHMARKS.md`, column `gomap THP`),
    /// but the kernel zeroes a huge page in the page fault of its first touch, so the one
    /// write that first touches each 2 MiB of a new bucket array waits for that (hundreds
    /// of microseconds on a virtual machine). [`Allocator::system`], the default, keeps
    /// every write's pause at a 4 KiB page fault: its only huge pages are those of a
    /// bucket array `makemap` makes for a size hint over [`CACHE_BLOCK_MAX`], populated
    /// inside `makemap` itself, and of a large array growth has written through, advised
    /// after the fact for `khugepaged` to collapse in the background
    /// (`Allocator::advise_huge_pages`), so no write faults on them.
    pub const fn system_huge_pages() -> Allocator {
        Allocator {
            alloc_zeroed: system_alloc_zeroed_huge,
            free: system_free_huge,
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
            super::panic::raise(super::panic::RuntimeError::OutOfMemory);
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

    /// Whether this is [`Allocator::system`] or [`Allocator::system_huge_pages`] (whose
    /// large blocks are mappings of their own).
    pub fn is_system(&self) -> bool {
        let sys = Allocator::system();
        let huge = Allocator::system_huge_pages();
        (self.alloc_zeroed as usize == sys.alloc_zeroed as usize
            && self.free as usize == sys.free as usize)
            || (self.alloc_zeroed as usize == huge.alloc_zeroed as usize
                && self.free as usize == huge.free as usize)
    }

    /// Whether a block of `size` bytes aligned to `align` from this allocator is one of the
    /// system allocator's own mappings too large to be kept for reuse (over
    /// [`CACHE_BLOCK_MAX`]): the blocks whose pages may be advised or given back piecewise,
    /// since no 4 KiB-page block cache ever hands them out again.
    #[cfg(unix)]
    #[inline]
    fn is_uncached_mapping(&self, size: usize, align: usize) -> bool {
        self.is_system() && is_mapped(size, align) && size > CACHE_BLOCK_MAX
    }

    /// Backs a block the caller is about to fill with transparent huge pages, now: a bucket
    /// array `makemap` allocated for a size hint. Only for the system allocator's own
    /// mappings too large to be kept for reuse (over [`CACHE_BLOCK_MAX`], so the block
    /// never returns to a cache that hands out 4 KiB-page blocks, see `BlockCache`).
    ///
    /// The range is advised (`MADV_HUGEPAGE`) and populated at once
    /// (`MADV_POPULATE_WRITE`), so this call pays the page work (about 0.4 ms per 2 MiB
    /// here, more when the kernel must compact or the host back fresh memory), as Go's
    /// `makemap` pays for clearing a large reused block, and no later write into the block
    /// faults: an insert never waits for a huge page. Where population is refused (a
    /// kernel before 5.14, memory pressure), the advice is withdrawn (`MADV_NOHUGEPAGE`),
    /// so the pages not yet populated fault in 4 KiB at a time as before. The price is
    /// memory: the whole block is resident from the start, where small pages make only the
    /// touched ones so (Go's huge-page heap makes it resident as soon as the keys have
    /// spread over it, which random hashes do quickly).
    ///
    /// # Safety
    /// `p` came from `self.alloc(size, align)`, is not freed yet, and no prefix of it has
    /// been given back ([`Allocator::release_prefix`]).
    pub(crate) unsafe fn populate_huge_pages(&self, p: *mut u8, size: usize, align: usize) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_uncached_mapping(size, align) {
            // SAFETY: [p, p+size) is one whole private anonymous mapping of ours, none of
            // it released (caller); both calls only change how it is backed, not its
            // contents (zero, or what was written: populating keeps written pages).
            unsafe {
                if libc::madvise(p.cast(), size, libc::MADV_HUGEPAGE) == 0
                    && libc::madvise(p.cast(), size, libc::MADV_POPULATE_WRITE) != 0
                {
                    libc::madvise(p.cast(), size, libc::MADV_NOHUGEPAGE);
                }
            }
        }
        let _ = (p, size, align);
    }

    /// Asks for transparent huge pages behind the first `len` bytes of a block that are
    /// already written through: the bucket array of a map whose growth has just finished
    /// (every regular bucket evacuated into). Only for the system allocator's own
    /// mappings too large to be kept for reuse (over [`CACHE_BLOCK_MAX`]), as
    /// [`Allocator::populate_huge_pages`].
    ///
    /// This only advises (`MADV_HUGEPAGE`), and it comes after the pages are resident, so no
    /// write faults a huge page in: the kernel's background thread (`khugepaged`) collapses
    /// the advised range into huge pages at its own pace (4,096 pages per 10 s by default,
    /// so about 16 MiB per 10 s) and no insert waits for it. A long-lived large map ends up
    /// on huge pages, as it would in Go's heap; a map that lives only seconds keeps its
    /// small pages. The rest of the block (its preallocated overflow buckets, untouched
    /// until needed) is left out, so that no later first touch there takes a 2 MiB fault.
    ///
    /// # Safety
    /// `p` came from `self.alloc(size, align)`, is not freed yet, no prefix of it has been
    /// given back ([`Allocator::release_prefix`]), and `len <= size`.
    pub(crate) unsafe fn advise_huge_pages(
        &self,
        p: *mut u8,
        len: usize,
        size: usize,
        align: usize,
    ) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_uncached_mapping(size, align) {
            let len = len & !(page_size() - 1);
            if len > 0 {
                // SAFETY: [p, p+len) lies in one whole private anonymous mapping of ours,
                // none of it released (caller); the advice changes how it is backed, not
                // its contents. A refusal (THP `never`, an old kernel) changes nothing.
                unsafe { libc::madvise(p.cast(), len, libc::MADV_HUGEPAGE) };
            }
        }
        let _ = (p, len, size, align);
    }

    /// Gives the first `upto` bytes of a block back to the system ahead of freeing it, when
    /// the block is one of the system allocator's own mappings ([`LARGE_BLOCK`]) too large
    /// to be kept for reuse (over [`CACHE_BLOCK_MAX`]; smaller ones stay whole, to be
    /// reused once freed): unmaps the whole pages in `[released, upto)`. Returns how many bytes from the start are
    /// released now (`released` when nothing could be); free the block with
    /// [`Allocator::dealloc_released`] and that count.
    ///
    /// # Safety
    /// `p` came from `self.alloc(size, align)`; nothing reads or writes its first `upto`
    /// bytes any more; `released` is what the previous call on this block returned (0 at
    /// first) and `upto <= size`.
    pub unsafe fn release_prefix(
        &self,
        p: *mut u8,
        size: usize,
        align: usize,
        released: usize,
        upto: usize,
    ) -> usize {
        debug_assert!(released <= upto && upto <= size);
        #[cfg(unix)]
        if self.is_uncached_mapping(size, align) {
            let end = upto & !(page_size() - 1);
            if end > released {
                // SAFETY: [released, end) is a run of whole pages of our own mapping
                // (mappings are page-aligned; `released` is 0 or a previous `end`), unused
                // from now on (caller); it is never unmapped again (dealloc_released starts
                // after it), so no later mapping that reuses the addresses is touched.
                let r = unsafe { libc::munmap(p.add(released).cast(), end - released) };
                if r == 0 {
                    return end;
                }
            }
        }
        let _ = (p, size, align, upto);
        released
    }

    /// Frees a block part of which [`Allocator::release_prefix`] gave back already.
    ///
    /// # Safety
    /// `p` came from `self.alloc(size, align)` and is not used again; `released` is what the
    /// last `release_prefix` on it returned (0 if none).
    pub unsafe fn dealloc_released(&self, p: *mut u8, size: usize, align: usize, released: usize) {
        if released == 0 {
            // SAFETY: forwarded from the caller.
            return unsafe { self.dealloc(p, size, align) };
        }
        #[cfg(unix)]
        {
            // release_prefix only releases mappings of the system allocator, so this is one:
            // unmap what is left of it (never the released addresses, which may be reused).
            debug_assert!(self.is_system() && is_mapped(size, align) && released <= size);
            if released < size {
                // SAFETY: [released, size) is the still-mapped rest of our mapping (caller).
                let r = unsafe { libc::munmap(p.add(released).cast(), size - released) };
                debug_assert_eq!(r, 0, "munmap of a bucket array's rest failed");
            }
        }
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

/// go1.22's heap puts an 8-byte header in front of an object with pointers larger
/// than `MIN_SIZE_FOR_MALLOC_HEADER` (`mallocHeaderSize`).
const MALLOC_HEADER_SIZE: usize = 8;
/// `goarch.PtrSize * ptrBits`: smaller objects with pointers keep their pointer bitmap in
/// the span instead of a header.
const MIN_SIZE_FOR_MALLOC_HEADER: usize = 8 * 64;

/// Port of `runtime.roundupsize(size, noscan)` (go1.22 msize_allocheaders.go, go1.23
/// msize.go): as [`roundupsize`], but an object with pointers (`!noscan`) larger than
/// 512 bytes also needs room for its allocation header, which is not the caller's to use.
#[allow(non_snake_case)] // Go's names (reqSize)
pub fn roundupsize_headers(size: usize, noscan: bool) -> usize {
    let mut reqSize = size;
    if reqSize <= MAX_SMALL_SIZE - MALLOC_HEADER_SIZE {
        // Small object.
        if !noscan && reqSize > MIN_SIZE_FOR_MALLOC_HEADER {
            // !noscan && !heapBitsInSpan(reqSize)
            reqSize += MALLOC_HEADER_SIZE;
        }
        // (reqSize - size) is either mallocHeaderSize or 0: subtract it from the class
        // size, since mallocgc adds it back in.
        if reqSize <= SMALL_SIZE_MAX - 8 {
            return CLASS_TO_SIZE[SIZE_TO_CLASS8[divRoundUp(reqSize, SMALL_SIZE_DIV)] as usize]
                as usize
                - (reqSize - size);
        }
        return CLASS_TO_SIZE
            [SIZE_TO_CLASS128[divRoundUp(reqSize - SMALL_SIZE_MAX, LARGE_SIZE_DIV)] as usize]
            as usize
            - (reqSize - size);
    }
    // Large object. Align reqSize up to the next page. Check for overflow.
    reqSize = reqSize.wrapping_add(PAGE_SIZE - 1);
    if reqSize < size {
        return size;
    }
    reqSize & !(PAGE_SIZE - 1)
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

/// The `VmFlags` of the mapping holding `p`, from `/proc/self/smaps`.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn vm_flags(p: *const u8) -> String {
    smaps_field(p, "VmFlags:")
}

/// The field `name` (with its colon) of the mapping holding `p` in `/proc/self/smaps`.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn smaps_field(p: *const u8, name: &str) -> String {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("/proc/self/smaps");
    let a = p as usize;
    let mut inside = false;
    for line in smaps.lines() {
        let range = line
            .split_whitespace()
            .next()
            .and_then(|r| r.split_once('-'));
        if let Some((lo, hi)) = range {
            if let (Ok(lo), Ok(hi)) = (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = lo <= a && a < hi;
                continue;
            }
        }
        if inside {
            if let Some(f) = line.strip_prefix(name) {
                return f.trim().to_string();
            }
        }
    }
    panic!("no mapping holds {p:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_released_from_the_front() {
        let a = Allocator::system();
        assert!(a.is_system());
        // Blocks that can be kept for reuse are never released piecewise.
        // SAFETY: a fresh block, freed once.
        unsafe {
            let p = a.alloc(4 * LARGE_BLOCK, 8);
            assert_eq!(
                a.release_prefix(p, 4 * LARGE_BLOCK, 8, 0, LARGE_BLOCK + 10),
                0
            );
            a.dealloc_released(p, 4 * LARGE_BLOCK, 8, 0);
        }
        let size = CACHE_BLOCK_MAX + 4 * LARGE_BLOCK + 100;
        // SAFETY: a fresh block; only its unreleased part is touched after each release.
        unsafe {
            let p = a.alloc(size, 8);
            assert!(core::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
            core::ptr::write_bytes(p, 0xab, size);
            let r = a.release_prefix(p, size, 8, 0, LARGE_BLOCK + 10);
            #[cfg(unix)]
            assert_eq!(r, LARGE_BLOCK, "whole pages below the limit");
            assert!(core::slice::from_raw_parts(p.add(r), size - r)
                .iter()
                .all(|&b| b == 0xab));
            let r2 = a.release_prefix(p, size, 8, r, size);
            assert!(r2 >= r && r2 <= size);
            a.dealloc_released(p, size, 8, r2);
            // Small blocks are never released early.
            let q = a.alloc(4096, 8);
            assert_eq!(a.release_prefix(q, 4096, 8, 0, 4096), 0);
            a.dealloc_released(q, 4096, 8, 0);
        }
        // The huge-page variant releases the same way.
        let h = Allocator::system_huge_pages();
        assert!(h.is_system());
        // SAFETY: as above.
        unsafe {
            let size = CACHE_BLOCK_MAX + 6 * LARGE_BLOCK;
            let p = h.alloc(size, 8);
            assert!(core::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
            core::ptr::write_bytes(p, 0xcd, size);
            let r = h.release_prefix(p, size, 8, 0, 3 * LARGE_BLOCK);
            #[cfg(unix)]
            assert_eq!(r, 3 * LARGE_BLOCK);
            assert!(core::slice::from_raw_parts(p.add(r), size - r)
                .iter()
                .all(|&b| b == 0xcd));
            h.dealloc_released(p, size, 8, r);
        }
        // Another allocator is not the system's, even with the same functions' shapes.
        unsafe extern "C-unwind" fn other(_: usize, _: usize, _: *mut c_void) -> *mut u8 {
            core::ptr::null_mut()
        }
        let b = Allocator {
            alloc_zeroed: other,
            ..Allocator::system()
        };
        assert!(!b.is_system());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn huge_pages_are_asked_for_large_blocks_only_by_that_allocator() {
        let size = 8 * LARGE_BLOCK;
        for (a, want) in [
            (Allocator::system_huge_pages(), true),
            (Allocator::system(), false),
        ] {
            // SAFETY: a fresh block, freed once.
            unsafe {
                let p = a.alloc(size, 8);
                let f = vm_flags(p);
                // `hg` is the kernel's mark of a MADV_HUGEPAGE range.
                assert_eq!(f.split(' ').any(|x| x == "hg"), want, "VmFlags: {f}");
                a.dealloc(p, size, 8);
            }
        }
    }

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
