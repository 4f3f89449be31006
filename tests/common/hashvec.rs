//! Shared by `tests/hash_vectors.rs` and `tools/tests/go_releases.rs`: the vectors of
//! `tests/go/hashvec` (parsed), the process-wide key state installed for a test, gomap's
//! hash of a vector's key as a given Go release computes it, and the comparison of the
//! composite modes (struct, array and interface keys) with gomap's map types.

#![allow(dead_code)]

use gomap::export_test::maptype::{
    genalg, spell, AlgKind, GoKind, GoType, HashAlg, KeyHash, Kind, MapType,
};
use gomap::maptype::alg::{self, HashKeys};
use gomap::maptype::{GoRelease, GoString};
use gomap::swiss::{SwissMapType, SwissRelease};
use std::collections::BTreeMap;
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

/// The name of the Go function a MapType's hasher is, as hashvec prints it.
pub fn hasher_name(t: &MapType) -> String {
    match t.hash_alg() {
        HashAlg::Mem0 => "runtime.memhash0".into(),
        HashAlg::Mem8 => "runtime.memhash8".into(),
        HashAlg::Mem16 => "runtime.memhash16".into(),
        HashAlg::Mem32 => "runtime.memhash32".into(),
        HashAlg::Mem64 => "runtime.memhash64".into(),
        HashAlg::Mem128 => "runtime.memhash128".into(),
        HashAlg::MemVarlen => format!("runtime.memhash_varlen/{}", t.key().size),
        HashAlg::Str => "runtime.strhash".into(),
        HashAlg::F32 => "runtime.f32hash".into(),
        HashAlg::F64 => "runtime.f64hash".into(),
        HashAlg::C64 => "runtime.c64hash".into(),
        HashAlg::C128 => "runtime.c128hash".into(),
        HashAlg::Custom => "custom".into(),
    }
}

/// The name of Go's equal function for a key type (runtime/alg.go), as hashvec prints it.
pub fn equal_name(t: &MapType) -> String {
    match (t.key().kind, t.key().size) {
        (Kind::String, _) => "runtime.strequal".into(),
        (Kind::Float32, _) => "runtime.f32equal".into(),
        (Kind::Float64, _) => "runtime.f64equal".into(),
        (Kind::Complex64, _) => "runtime.c64equal".into(),
        (Kind::Complex128, _) => "runtime.c128equal".into(),
        (_, 0) => "runtime.memequal0".into(),
        (_, 1) => "runtime.memequal8".into(),
        (_, 2) => "runtime.memequal16".into(),
        (_, 4) => "runtime.memequal32".into(),
        (_, 8) => "runtime.memequal64".into(),
        (_, 16) => "runtime.memequal128".into(),
        (_, n) => format!("runtime.memequal_varlen/{n}"),
    }
}

/// The defined types of hashvec's composite.go (each with a method `M`).
pub fn named_type(name: &str) -> Option<GoType> {
    let p = |s: &str| spell::parse_type(s, &|_| None).unwrap();
    Some(match name {
        "main.MInt" => GoType::named(name, p("i64")),
        "main.MStr" => GoType::named(name, p("str")),
        "main.MPt" => GoType::named(name, p("struct{i64,f64}")),
        "main.MSl" => GoType::named(name, p("[]i64")),
        _ => return None,
    })
}

/// Runs `f`, turning a panic into `panic:<message>` (Go's `recover` spelling of hashvec).
/// The runtime errors expected here are not printed.
fn result(f: impl FnOnce() -> String) -> String {
    genalg::quiet_go_runtime_errors();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(s) => s,
        Err(e) => format!("panic:{}", gomap::panic_message(&*e).unwrap_or_default()),
    }
}

/// hashvec's `mtype` fields for `map[t]struct{}`: slot and bucket sizes, flags, the hash
/// and equal functions (a generated one spelled by its `type..hash.`/`type..eq.` prefix),
/// the key's size, alignment, pointer prefix and kind, and whether buckets hold pointers.
pub fn composite_maptype_line(t: GoType, mt: MapType) -> String {
    let (h, e) = match t.reflect_alg_type() {
        AlgKind::ASPECIAL => ("type..hash.".to_string(), "type..eq.".to_string()),
        AlgKind::AINTER => ("runtime.interhash".into(), "runtime.interequal".into()),
        AlgKind::ANILINTER => (
            "runtime.nilinterhash".into(),
            "runtime.nilinterequal".into(),
        ),
        _ => (hasher_name(&mt), composite_equal_name(&mt)),
    };
    format!(
        "{} {} {} {} {h} {} {} {} {} {e} {}",
        mt.keysize(),
        mt.elemsize(),
        mt.bucketsize(),
        mt.flags().bits(),
        mt.key().size,
        mt.key().align,
        mt.key().ptrdata,
        mt.key().kind as u8,
        if mt.bucket_has_pointers() {
            mt.bucketsize()
        } else {
            0
        },
    )
}

/// `equal_name` by the key's AlgType rather than its kind (a struct{f64} compares as f64).
fn composite_equal_name(mt: &MapType) -> String {
    match mt.hash_alg() {
        HashAlg::Str => "runtime.strequal".into(),
        HashAlg::F32 => "runtime.f32equal".into(),
        HashAlg::F64 => "runtime.f64equal".into(),
        HashAlg::C64 => "runtime.c64equal".into(),
        HashAlg::C128 => "runtime.c128equal".into(),
        _ => equal_name(mt),
    }
}

/// Every reflectdata.AlgType class a map key can have.
pub const KEY_CLASSES: [AlgKind; 15] = [
    AlgKind::AMEM0,
    AlgKind::AMEM8,
    AlgKind::AMEM16,
    AlgKind::AMEM32,
    AlgKind::AMEM64,
    AlgKind::AMEM128,
    AlgKind::AMEM,
    AlgKind::ASTRING,
    AlgKind::AINTER,
    AlgKind::ANILINTER,
    AlgKind::AFLOAT32,
    AlgKind::AFLOAT64,
    AlgKind::ACPLX64,
    AlgKind::ACPLX128,
    AlgKind::ASPECIAL,
];

/// The release whose map types hash the composite keys: a classic one (the descriptor
/// through `MapType::with_release`) or a Swiss one (through `SwissMapType::new`).
#[derive(Clone, Copy, Debug)]
pub enum HashRelease {
    /// A classic map release.
    Classic(GoRelease),
    /// A Swiss table release.
    Swiss(SwissRelease),
}

/// A map type of a [`HashRelease`].
#[derive(Clone, Copy)]
enum RelMapType {
    Classic(MapType),
    Swiss(SwissMapType),
}

impl HashRelease {
    fn map_type(self, mt: MapType) -> RelMapType {
        match self {
            HashRelease::Classic(r) => RelMapType::Classic(mt.with_release(r)),
            HashRelease::Swiss(r) => RelMapType::Swiss(SwissMapType::new(&mt, r)),
        }
    }
}

impl RelMapType {
    /// The map type's hasher on the key at `p`.
    ///
    /// # Safety
    /// `p` points at a key of the map type.
    unsafe fn hash(&self, p: *const u8, seed: usize) -> usize {
        // SAFETY: forwarded.
        unsafe {
            match self {
                RelMapType::Classic(t) => t.hash(p, seed),
                RelMapType::Swiss(t) => t.Hasher(p, seed),
            }
        }
    }
}

/// What [`compare_composite`] found.
pub struct CompositeComparison {
    /// Lines compared, per kind (`gen`, `typ`, `eq`, `mtype`).
    pub counts: BTreeMap<String, usize>,
    /// The `reflectdata.AlgType` classes of the key types seen.
    pub classes: Vec<AlgKind>,
    /// Key types seen.
    pub types: usize,
    /// The lines where gomap differs, with gomap's answer.
    pub bad: Vec<String>,
}

/// Go's name for its function of `hash`ing or comparing keys of `t` in Go 1.27, as
/// hashvec prints it: the runtime function the type's signature stands for alone
/// (`reflectdata.genhashSig`/`geneqSig`), else the generated one named by the signature,
/// whose bracketed loops `runtime.FuncForPC` prints as `[...]`.
pub fn go127_func_name(t: GoType, hash: bool) -> String {
    let sig = t.eq_signature_go127();
    let (f, g) = if hash {
        ("hash", "hash")
    } else {
        ("equal", "eq")
    };
    match sig.as_str() {
        "" => format!("runtime.mem{f}0"),
        "M1" => format!("runtime.mem{f}8"),
        "M2" => format!("runtime.mem{f}16"),
        "M4" => format!("runtime.mem{f}32"),
        "M8" => format!("runtime.mem{f}64"),
        "M16" => format!("runtime.mem{f}128"),
        "S" => format!("runtime.str{f}"),
        "I" => format!("runtime.inter{f}"),
        "E" => format!("runtime.nilinter{f}"),
        "F" => format!("runtime.f32{f}"),
        "G" => format!("runtime.f64{f}"),
        "FF" => format!("runtime.c64{f}"),
        "GG" => format!("runtime.c128{f}"),
        s if s.len() > 1 && s.starts_with('M') && s[1..].bytes().all(|b| b.is_ascii_digit()) => {
            format!("runtime.mem{f}_varlen/{}", &s[1..])
        }
        s => match (s.find('['), s.rfind(']')) {
            (Some(i), Some(j)) => format!("type:.{g}.{}[...]{}", &s[..i], &s[j + 1..]),
            _ => format!("type:.{g}.{s}"),
        },
    }
}

/// Compares every line of `hashvec composite-MODE` built by release `rel` (`out`) with
/// gomap: `gen`, the hash of the compiled `map[K]T` (`MapType::for_types(..,
/// KeyHash::Compiled)`, made `rel`'s); `typ`, the hash of a `reflect.MapOf` map
/// (`KeyHash::TypeHash`, which is `runtime.typehash`); `eq`, the key type's equal
/// function, panics included; `mtype`, the map type's fields (for a Swiss release, which
/// hashvec reads with the classic layout, only the hasher and the key type's fields).
/// Installs the key state `out` printed while comparing.
pub fn compare_composite(out: &str, rel: HashRelease) -> CompositeComparison {
    let header: String = out
        .lines()
        .filter(|l| {
            !["gen ", "typ ", "eq ", "mtype "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let keys = parse_vectors(&header).keys;
    let _g = KeyGuard::install(keys);
    let go127 = matches!(rel, HashRelease::Swiss(r) if r >= SwissRelease::Go1_27);
    let mut arena = spell::ValueArena::new();
    let mut types: BTreeMap<String, (GoType, MapType, RelMapType, RelMapType)> = BTreeMap::new();
    let mut counts = BTreeMap::new();
    let mut bad = Vec::new();
    let mut classes = Vec::new();
    let e0 = GoType::from_kind(GoKind::EmptyStruct).unwrap();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("mtype ") {
            let (name, go) = rest.split_once(' ').unwrap();
            let t = spell::parse_type(name, &named_type).unwrap();
            let mt = MapType::for_types(t, e0, KeyHash::Compiled).unwrap();
            let mine = match rel {
                HashRelease::Classic(r) => composite_maptype_line(t, mt.with_release(r)),
                HashRelease::Swiss(_) => {
                    let f: Vec<String> = composite_maptype_line(t, mt)
                        .split(' ')
                        .map(String::from)
                        .collect();
                    let (h, e) = if go127 {
                        (go127_func_name(t, true), go127_func_name(t, false))
                    } else {
                        (f[4].clone(), f[9].clone())
                    };
                    format!("{h} {} {} {} {} {e}", f[5], f[6], f[7], f[8])
                }
            };
            let go = match rel {
                HashRelease::Classic(_) => go.to_string(),
                // keysize, elemsize, bucketsize and flags (and the bucket's ptrdata at
                // the end) are other fields of the Swiss map type.
                HashRelease::Swiss(_) => {
                    let f: Vec<&str> = go.split(' ').collect();
                    f[4..10].join(" ")
                }
            };
            if mine != go {
                bad.push(format!(
                    "maptype of {name}:\n    gomap {mine}\n    Go    {go}"
                ));
            }
            *counts.entry("mtype".to_string()).or_insert(0) += 1;
            continue;
        }
        let f: Vec<&str> = line.splitn(5, ' ').collect();
        if !matches!(f[0], "gen" | "typ" | "eq") {
            continue;
        }
        assert_eq!(f.len(), 5, "{line}");
        let (t, mt, gen, typ) = *types.entry(f[1].to_string()).or_insert_with(|| {
            let t = spell::parse_type(f[1], &named_type).unwrap_or_else(|e| panic!("{line}: {e}"));
            let mt = MapType::for_types(t, e0, KeyHash::Compiled).unwrap();
            let typ = MapType::for_types(t, e0, KeyHash::TypeHash).unwrap();
            (t, mt, rel.map_type(mt), rel.map_type(typ))
        });
        if !classes.contains(&t.reflect_alg_type()) {
            classes.push(t.reflect_alg_type());
        }
        let val = |s: &str, arena: &mut spell::ValueArena| {
            arena
                .parse_value(t, s, 0xa5, &named_type, true)
                .unwrap_or_else(|e| panic!("{line}: {e}"))
        };
        let got = if f[0] == "eq" {
            let (pa, pb) = (val(f[2], &mut arena), val(f[3], &mut arena));
            // SAFETY: both are values of the key type, in the arena.
            let r = result(|| unsafe { mt.key_equal(pa, pb) }.to_string());
            (r, f[4].to_string())
        } else {
            let seed = usize::from_str_radix(f[2], 16).unwrap();
            let p = val(f[3], &mut arena);
            let h = if f[0] == "gen" { gen } else { typ };
            // SAFETY: `p` is a value of the key type, in the arena.
            let r = result(|| format!("{:x}", unsafe { h.hash(p, seed) }));
            (r, f[4].to_string())
        };
        if got.0 != got.1 {
            bad.push(format!("{line}\n    gomap: {}", got.0));
        }
        *counts.entry(f[0].to_string()).or_insert(0) += 1;
    }
    CompositeComparison {
        counts,
        classes,
        types: types.len(),
        bad,
    }
}
