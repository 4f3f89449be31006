// The engine a typed suite runs on. The test binary that includes a suite (tests/typed.rs,
// tests/typed_swiss.rs, ...) sets `RELEASE` and `classic_only!` (which keeps or drops the
// tests that read the classic map's header), then includes this file and the suite; every
// map the suite makes comes from the helpers below, so the whole suite runs on that
// release's engine.

/// `GoMap::new()` of the suite's release.
pub fn new_map<K: gomap::typed::GoKey, V>() -> gomap::typed::GoMap<K, V> {
    gomap::typed::GoMap::with_release(RELEASE)
}

/// `GoMap::with_capacity(hint)` of the suite's release.
pub fn map_with_capacity<K: gomap::typed::GoKey, V>(hint: usize) -> gomap::typed::GoMap<K, V> {
    gomap::typed::GoMap::with_capacity_and_release(hint, RELEASE)
}

/// `GoMap::new_in(alloc)` of the suite's release.
pub fn map_new_in<K: gomap::typed::GoKey, V>(
    alloc: gomap::runtime::Allocator,
) -> gomap::typed::GoMap<K, V> {
    gomap::typed::GoMap::with_capacity_for(RELEASE, 0, alloc)
}

/// `GoMap::from_iter(pairs)` (and `GoMap::from`) of the suite's release: the iterator's
/// lower size bound as the `make` hint, then an insert per pair.
pub fn map_from<K: gomap::typed::GoKey, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> gomap::typed::GoMap<K, V> {
    let pairs = pairs.into_iter();
    let mut m = map_with_capacity(pairs.size_hint().0);
    m.extend(pairs);
    m
}

/// Whether the suite runs on the Swiss engine.
pub fn swiss() -> bool {
    RELEASE.is_swiss()
}
