//! Shared by `tests/hash_vectors.rs` and `tools/tests/go_releases.rs`: the vectors of
//! `tests/go/hashvec` (parsed), the process-wide key state installed for a test, and
//! gomap's hash of a vector's key as a given Go release computes it.

#![allow(dead_code)]

use gomap::maptype::alg::{self, HashKeys};
use gomap::maptype::{GoRelease, GoString};
use std::sync::{Mutex, MutexGuard};

/// Serialises the tests that change the process-wide key state.
static KEY_STATE: Mutex<()> = Mutex::new(());

/// Holds `KEY_STATE` with a key state installed; restores the previous state on drop.
pub struct KeyGuard {
    saved: HashKeys,
    _lock: MutexGuard<'static, ()>,
}

impl KeyGuard {
    pub fn install(k: HashKeys) -> KeyGuard {
        let lock = KEY_STATE.lock().unwrap_or_else(|e| e.into_inner());
        let saved = alg::hash_keys();
        // SAFETY: KEY_STATE serialises the tests of this binary that hash, and none of
        // them keeps a map across a key change.
        assert!(unsafe { alg::set_hash_keys(k) }, "cannot install {k:?}");
        assert_eq!(alg::hash_keys(), k);
        KeyGuard { saved, _lock: lock }
    }
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        // SAFETY: as in `install`.
        assert!(unsafe { alg::set_hash_keys(self.saved) });
    }
}

pub fn unhex(s: &str) -> Vec<u8> {
    if s == "-" {
        return Vec::new();
    }
    gomap::export_test::base::hex::unhex(s).expect("hex digits")
}

/// One line of hashvec: `function seed key hash`.
pub struct Vector {
    pub func: String,
    pub seed: usize,
    pub key: Vec<u8>,
    pub hash: usize,
}

/// The key state and vectors hashvec printed.
pub struct Vectors {
    pub keys: HashKeys,
    pub vectors: Vec<Vector>,
}

pub fn parse_vectors(out: &str) -> Vectors {
    let mut keys = HashKeys {
        aeskeysched: [0; 128],
        hashkey: [0; 4],
        use_aeshash: false,
    };
    let mut vectors = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "go" | "end" => {}
            "useaeshash" => keys.use_aeshash = f[1] == "true",
            "aeskeysched" => keys.aeskeysched = unhex(f[1]).try_into().unwrap(),
            "hashkey" => {
                for i in 0..4 {
                    keys.hashkey[i] = usize::from_str_radix(f[1 + i], 16).unwrap();
                }
            }
            _ => {
                assert_eq!(f.len(), 4, "bad line {line:?}");
                vectors.push(Vector {
                    func: f[0].to_string(),
                    seed: usize::from_str_radix(f[1], 16).unwrap(),
                    key: unhex(f[2]),
                    hash: usize::from_str_radix(f[3], 16).unwrap(),
                })
            }
        }
    }
    Vectors { keys, vectors }
}

/// gomap's hash of a vector's key with the installed key state. `key` is the key's bytes
/// in an allocation of exactly their size (so an over-read would leave the allocation).
pub fn gomap_hash(func: &str, key: &[u8], seed: usize) -> usize {
    gomap_hash_rel(func, key, seed, GoRelease::Go1_19)
}

/// [`gomap_hash`] as release `r` hashes (go1.23 keys its portable hash differently).
pub fn gomap_hash_rel(func: &str, key: &[u8], seed: usize, r: GoRelease) -> usize {
    let go123 = r.hash64_uses_hashkey();
    let n = key.len();
    let p = key.as_ptr();
    let want_len = |w: usize| assert_eq!(n, w, "{func} takes {w} bytes");
    // SAFETY: `p` points at the `n` bytes of `key`, and each function reads what its
    // length check says.
    unsafe {
        match func {
            "memhash" => alg::memhash_rel(p, seed, n, go123),
            "strhash" => {
                let s = GoString { ptr: p, len: n };
                alg::strhash_rel((&s as *const GoString).cast(), seed, go123)
            }
            "memhash8" => {
                want_len(1);
                alg::memhash_rel(p, seed, 1, go123)
            }
            "memhash16" => {
                want_len(2);
                alg::memhash_rel(p, seed, 2, go123)
            }
            "memhash32" => {
                want_len(4);
                alg::memhash32_rel(p, seed, go123)
            }
            "memhash64" => {
                want_len(8);
                alg::memhash64_rel(p, seed, go123)
            }
            "memhash128" => {
                want_len(16);
                alg::memhash_rel(p, seed, 16, go123)
            }
            "f32hash" => {
                want_len(4);
                alg::f32hash_r(p, seed, r)
            }
            "f64hash" => {
                want_len(8);
                alg::f64hash_r(p, seed, r)
            }
            "c64hash" => {
                want_len(8);
                alg::c64hash_r(p, seed, r)
            }
            "c128hash" => {
                want_len(16);
                alg::c128hash_r(p, seed, r)
            }
            _ => panic!("unknown function {func}"),
        }
    }
}
