//! The system allocators' cache of freed bucket arrays (`BlockCache` in
//! src/base/malloc.rs). The cache is process-wide, so this binary holds one test, which
//! nothing else runs beside.

#![cfg(unix)]

use std::time::Duration;

use gomap::base::{
    cached_block_bytes, release_cached_blocks, CACHE_BLOCK_MAX, CACHE_IDLE, CACHE_MAX_BYTES,
    LARGE_BLOCK,
};
use gomap::runtime::Allocator;

fn freed_large_blocks_come_back_cleared() {
    let size = 3 * LARGE_BLOCK + 3 * 4096;
    for a in [Allocator::system(), Allocator::system_huge_pages()] {
        release_cached_blocks();
        // SAFETY: blocks from `a`, written within their size, each freed once.
        unsafe {
            let p = a.alloc(size, 8);
            std::ptr::write_bytes(p, 0xee, size);
            a.dealloc(p, size, 8);
            assert_eq!(cached_block_bytes(), size);
            let q = a.alloc(size, 8);
            assert_eq!(q, p, "the freed block is reused");
            assert_eq!(cached_block_bytes(), 0);
            assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 0));
            a.dealloc(q, size, 8);
        }
    }
    // Blocks of the two allocators are kept apart (their huge-page advice differs).
    let (s, h) = (Allocator::system(), Allocator::system_huge_pages());
    assert_eq!(release_cached_blocks(), size);
    // SAFETY: as above.
    unsafe {
        let p = h.alloc(size, 8);
        h.dealloc(p, size, 8);
        let q = s.alloc(size, 8);
        assert_ne!(
            q, p,
            "a huge-page block is not handed to the other allocator"
        );
        s.dealloc(q, size, 8);
    }
    assert_eq!(release_cached_blocks(), 2 * size);
    assert_eq!(cached_block_bytes(), 0);
}

fn block_cache_is_bounded_in_bytes_size_and_time() {
    let a = Allocator::system();
    let size = CACHE_BLOCK_MAX;
    // SAFETY: fresh blocks, each freed once.
    unsafe {
        // Over the byte limit the oldest go back.
        let blocks: Vec<*mut u8> = (0..CACHE_MAX_BYTES / size + 2)
            .map(|_| a.alloc(size, 8))
            .collect();
        for &p in &blocks {
            a.dealloc(p, size, 8);
            assert!(cached_block_bytes() <= CACHE_MAX_BYTES);
        }
        assert_eq!(cached_block_bytes(), CACHE_MAX_BYTES);
        assert_eq!(release_cached_blocks(), CACHE_MAX_BYTES);
        // Larger blocks are not kept.
        let big = CACHE_BLOCK_MAX + 4096;
        let p = a.alloc(big, 8);
        a.dealloc(p, big, 8);
        assert_eq!(cached_block_bytes(), 0);
        // An idle block goes back at the next large free.
        let p = a.alloc(LARGE_BLOCK, 8);
        a.dealloc(p, LARGE_BLOCK, 8);
        assert_eq!(cached_block_bytes(), LARGE_BLOCK);
        std::thread::sleep(CACHE_IDLE + Duration::from_millis(50));
        let q = a.alloc(2 * LARGE_BLOCK, 8);
        a.dealloc(q, 2 * LARGE_BLOCK, 8);
        assert_eq!(
            cached_block_bytes(),
            2 * LARGE_BLOCK,
            "the idle block is gone"
        );
        // Blocks under LARGE_BLOCK are calloc's, never kept here.
        let p = a.alloc(LARGE_BLOCK - 8, 8);
        a.dealloc(p, LARGE_BLOCK - 8, 8);
        assert_eq!(cached_block_bytes(), 2 * LARGE_BLOCK);
    }
    release_cached_blocks();
}

/// A map built and dropped over and over takes its bucket arrays from the cache: after
/// the first round, no new mapping is made (the cache holds the arrays of the last
/// round, which the next takes).
fn map_churn_reuses_bucket_arrays() {
    use gomap::typed::GoMap;
    release_cached_blocks();
    let mut last = 0;
    for round in 0..4 {
        let mut m: GoMap<i64, i64> = GoMap::new();
        for i in 0..100_000 {
            m.insert(i, i);
        }
        assert_eq!(m.len(), 100_000);
        drop(m);
        let kept = cached_block_bytes();
        assert!(
            kept >= LARGE_BLOCK,
            "round {round}: the arrays are kept ({kept} bytes)"
        );
        if round > 0 {
            assert_eq!(kept, last, "round {round}: the same arrays again");
        }
        last = kept;
    }
    release_cached_blocks();
}

#[test]
fn block_cache() {
    freed_large_blocks_come_back_cleared();
    block_cache_is_bounded_in_bytes_size_and_time();
    map_churn_reuses_bucket_arrays();
}
