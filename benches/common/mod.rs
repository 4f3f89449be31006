//! What the benchmarks share: their keys.

/// Steele, Lea and Flood's splitmix64 (the key generator of the side-by-side driver).
pub fn keys(seed: u64, n: usize) -> Vec<i64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as i64
        })
        .collect()
}

/// The seed of the keys stored.
pub const SEED_KEYS: u64 = 0x676f6d6170;
/// The seed of the absent keys.
pub const SEED_MISS: u64 = 0x6d697373;
