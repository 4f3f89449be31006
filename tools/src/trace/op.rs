//! The trace language's syntax: one [`Op`] per directive line, parsed from and printed to
//! the text of `docs/trace-and-dump.md`, and the [`Kind`]s of the `type` line. Running an
//! op is `exec`'s job; the generator builds ops and prints them; the fuzz target `replay`
//! parses them.
//!
//! Printing is the inverse of parsing: `Op::parse(&op.to_string())` gives `op` back.
//!
//! To add a directive: a variant of [`Op`], its name in [`Op::NAMES`], a branch in
//! [`Op::parse`] and in `Display`, then its meaning in the replayer. To add a kind: a
//! variant of [`Kind`], a row of `Kind::NAMED` (or a family like `bN` in
//! [`Kind::parse`]/`Display`), its Go type and size.

use core::fmt;

use gomap::export_test::base::hex::hex;
pub use gomap::export_test::base::hex::unhex;
use gomap::export_test::base::strconv;
use gomap::export_test::maptype::{spell, GoRelease, GoType};

/// A key or elem kind of the trace language (the `type K E` line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `i32`: `int32`.
    I32,
    /// `i64`: `int64`.
    I64,
    /// `f64`: `float64` (keys only).
    F64,
    /// `str`: `string` (keys only).
    Str,
    /// `bN`: `[N]uint8`, N in 1..=1024.
    B(usize),
    /// `e0`: `struct{}` (elems only).
    E0,
    /// A composite key kind (`docs/trace-and-dump.md`, composite key kinds): a struct, array or interface
    /// type in gomap's type spelling (`struct{i8,i64}`, `[4]str`, `any`, `iface`), as a compiled
    /// `map[K]E`; with `reflect`, spelled `reflect:K`, as a `reflect.MapOf` map (hashed
    /// with `runtime.typehash`).
    Go {
        /// The key type.
        ty: GoType,
        /// A `reflect.MapOf` map.
        reflect: bool,
    },
}

impl Kind {
    /// The kinds with a fixed name. `bN` is the one family of names, handled apart.
    const NAMED: [(&'static str, Kind); 5] = [
        ("i32", Kind::I32),
        ("i64", Kind::I64),
        ("f64", Kind::F64),
        ("str", Kind::Str),
        ("e0", Kind::E0),
    ];

    /// Largest N of `bN`.
    pub const MAX_BYTES: usize = 1024;

    /// Parses a kind name.
    pub fn parse(s: &str) -> Option<Kind> {
        if let Some(&(_, k)) = Kind::NAMED.iter().find(|(n, _)| *n == s) {
            return Some(k);
        }
        let (reflect, spelled) = match s.strip_prefix("reflect:") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if spelled.starts_with("struct{")
            || spelled.starts_with('[')
            || spelled == "any"
            || spelled == "iface"
        {
            let ty = spell::parse_type(spelled, &|_| None)
                .ok()
                .filter(|t| t.is_comparable())?;
            return Some(Kind::Go { ty, reflect });
        }
        if reflect {
            return None;
        }
        let digits = s.strip_prefix('b')?;
        // Canonical decimal only: no sign, no leading zero.
        if digits.starts_with('0') || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let n: usize = digits.parse().ok()?;
        (1..=Kind::MAX_BYTES).contains(&n).then_some(Kind::B(n))
    }

    /// The Go type.
    pub fn go_kind(self) -> gomap::GoKind {
        use gomap::GoKind;
        match self {
            Kind::I32 => GoKind::Int32,
            Kind::I64 => GoKind::Int64,
            Kind::F64 => GoKind::Float64,
            Kind::Str => GoKind::String,
            Kind::B(n) => GoKind::Bytes(n),
            Kind::E0 => GoKind::EmptyStruct,
            Kind::Go { ty, .. } => GoKind::Memory {
                size: ty.size(),
                align: ty.align(),
            },
        }
    }

    /// Size of a value in memory (a string is its 16-byte header).
    pub fn size(self) -> usize {
        match self {
            Kind::I32 => 4,
            Kind::I64 | Kind::F64 => 8,
            Kind::Str => 16,
            Kind::B(n) => n,
            Kind::E0 => 0,
            Kind::Go { ty, .. } => ty.size(),
        }
    }

    /// Whether the kind may be a key.
    pub fn is_key(self) -> bool {
        !matches!(self, Kind::E0)
    }

    /// Whether the kind may be an elem.
    pub fn is_elem(self) -> bool {
        matches!(self, Kind::I32 | Kind::I64 | Kind::E0 | Kind::B(_))
    }

    /// The names allowed for a key (`key`) or an elem, joined by `|`, for messages.
    fn names(key: bool) -> String {
        let mut v: Vec<&str> = Kind::NAMED
            .iter()
            .filter(|(_, k)| if key { k.is_key() } else { k.is_elem() })
            .map(|(n, _)| *n)
            .collect();
        v.push("bN");
        if key {
            v.push("a composite kind");
        }
        v.join("|")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::B(n) => write!(f, "b{n}"),
            Kind::Go { ty, reflect } => write!(
                f,
                "{}{}",
                if *reflect { "reflect:" } else { "" },
                spell::type_spelling(*ty)
            ),
            k => {
                let (name, _) = Kind::NAMED
                    .iter()
                    .find(|(_, x)| x == k)
                    .expect("every kind but bN is named in Kind::NAMED");
                f.write_str(name)
            }
        }
    }
}

/// The defined types a composite value may hold in an interface (`main.MI64:5`), each
/// with the method `M` (so that it fits in `iface`, Go's `interface { M() }`): the list
/// of `tests/go/oracle/named_types.txt`, whose Go declarations the oracle compiles, as
/// (name, underlying type's spelling) in the file's order.
pub fn named_types() -> Vec<(&'static str, &'static str)> {
    list_entries(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/go/oracle/named_types.txt"
    )))
    .map(|l| {
        l.split_once(' ')
            .expect("named_types.txt: `main.Name UNDERLYING` lines")
    })
    .collect()
}

/// The entries of a list file of the oracle (`composite_kinds.txt`, `named_types.txt`):
/// its lines, trimmed, but blank ones and `#` comments.
pub(crate) fn list_entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The defined type `name` of [`named_types`] (`main.MI64`), or `None`: the resolver of
/// `main.Name` spellings in values.
pub fn named_type(name: &str) -> Option<GoType> {
    static TYPES: std::sync::OnceLock<Vec<(&'static str, GoType)>> = std::sync::OnceLock::new();
    TYPES
        .get_or_init(|| {
            named_types()
                .into_iter()
                .map(|(n, u)| {
                    let u = spell::parse_type(u, &|_| None).expect("named_types.txt: a type");
                    (n, GoType::named(n, u))
                })
                .collect()
        })
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, t)| t)
}

/// A key or elem as the trace spells it. What it means depends on the kind of the `type`
/// line, so it stays text until the replayer reads it (`get` prints it back as written).
/// Invariant: non-empty, no spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Value(String);

impl Value {
    /// A token of a directive line (non-empty, without spaces).
    pub(crate) fn token(s: &str) -> Value {
        debug_assert!(!s.is_empty() && !s.contains(' '));
        Value(s.to_string())
    }

    /// An `i32` or `i64`, in decimal.
    pub fn int(v: i64) -> Value {
        Value(v.to_string())
    }

    /// A `f64` (not NaN): `-0` for negative zero, `+Inf`/`-Inf`, else Rust's `{:e}` form,
    /// which Go's `strconv.ParseFloat` reads back exactly.
    /// `NaN`: Go's `math.NaN()` (only after `rand`: Go hashes a NaN with a random number).
    pub fn nan() -> Value {
        Value("NaN".into())
    }

    pub fn float(v: f64) -> Value {
        debug_assert!(!v.is_nan(), "NaN is spelled Value::nan()");
        Value(if v == 0.0 && v.is_sign_negative() {
            "-0".into()
        } else if v.is_infinite() {
            if v > 0.0 { "+Inf" } else { "-Inf" }.into()
        } else {
            format!("{v:e}")
        })
    }

    /// A `str` or `bN` value: hex of the bytes, `-` for none (the empty string).
    pub fn bytes(b: &[u8]) -> Value {
        if b.is_empty() {
            Value("-".into())
        } else {
            Value(hex(b))
        }
    }

    /// A value of a composite kind, in its spelling (`docs/trace-and-dump.md`, composite key kinds).
    pub fn spelled(s: String) -> Value {
        debug_assert!(!s.is_empty() && !s.contains(' '));
        Value(s)
    }

    /// The `e0` value, `-`.
    pub fn unit() -> Value {
        Value("-".into())
    }

    /// The spelling.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Size of Go's `runtime.aeskeysched`, the `aeskey` directive's bytes.
pub const AESKEY_LEN: usize = 128;

/// One directive line of a trace (`docs/trace-and-dump.md`, "Trace").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `gomap-trace VERSION`: the first directive (this crate reads version 1).
    Header {
        /// The format version.
        version: u32,
    },
    /// `aeskey HEX`: Go's AES key schedule for every hash of the trace.
    AesKey(Box<[u8; AESKEY_LEN]>),
    /// `type K E`: the map's key and elem kinds.
    Type {
        /// Key kind ([`Kind::is_key`]).
        key: Kind,
        /// Elem kind ([`Kind::is_elem`]).
        elem: Kind,
    },
    /// `go RELEASE`: the Go release whose map the trace runs (right after the header;
    /// Go 1.19 without it).
    Go(GoRelease),
    /// `rand S0 [S1 S2 S3]`: the seeded-random mode. Seeds the release's generator (wyrand
    /// with `S0`, ChaCha8 with all four words); from here Go draws hash seeds, iterator
    /// starts and NaN hashes, and `make`, `clear` and `iter` may omit their values.
    Rand([u64; 4]),
    /// `make HINT SEED`: `make(map[K]E, HINT)`, then `hash0 = SEED` (`make HINT` after
    /// `rand`: the seed Go drew).
    Make {
        /// The size hint (decimal, may be negative or huge as in Go's `makemap64`).
        hint: i64,
        /// The hash seed, or none (drawn, after `rand`).
        seed: Option<u32>,
    },
    /// `put K E`: `m[K] = E`.
    Put {
        /// The key.
        key: Value,
        /// The elem.
        elem: Value,
    },
    /// `del K`: `delete(m, K)`.
    Del {
        /// The key.
        key: Value,
    },
    /// `get K`: `e, ok := m[K]`, printed.
    Get {
        /// The key.
        key: Value,
    },
    /// `len`: `len(m)`, printed.
    Len,
    /// `seed SEED`: on an empty map, `hash0 = SEED` (what Go's re-seeding chose).
    Seed {
        /// The hash seed.
        seed: u32,
    },
    /// `clear SEED`: `runtime.mapclear`, then `hash0 = SEED` (`clear` after `rand`).
    Clear {
        /// The hash seed, or none (drawn, after `rand`).
        seed: Option<u32>,
    },
    /// `clone`: `maps.Clone(m)` (Go 1.21+), printed as `clone` and the clone's dump.
    Clone,
    /// `iter ID R`: start iterator `id` as `mapiterinit` does when `fastrand` returns `r`
    /// (`iter ID` after `rand`: Go draws the start).
    Iter {
        /// The iterator's name (a word).
        id: String,
        /// The random word that chooses the start bucket and offset, or none (drawn).
        r: Option<u64>,
    },
    /// `next ID N`: advance iterator `id` by up to `n` entries, printing each.
    Next {
        /// The iterator's name.
        id: String,
        /// Entries wanted.
        n: u64,
    },
    /// `dump`: the whole map in the canonical dump.
    Dump,
}

impl Op {
    /// Every directive name, in the spec's order.
    pub const NAMES: [&'static str; 16] = [
        "gomap-trace",
        "go",
        "aeskey",
        "type",
        "rand",
        "make",
        "put",
        "del",
        "get",
        "len",
        "seed",
        "clear",
        "clone",
        "iter",
        "next",
        "dump",
    ];

    /// The directive's name (its first field).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Header { .. } => "gomap-trace",
            Op::Go(_) => "go",
            Op::Rand(_) => "rand",
            Op::Clone => "clone",
            Op::AesKey(_) => "aeskey",
            Op::Type { .. } => "type",
            Op::Make { .. } => "make",
            Op::Put { .. } => "put",
            Op::Del { .. } => "del",
            Op::Get { .. } => "get",
            Op::Len => "len",
            Op::Seed { .. } => "seed",
            Op::Clear { .. } => "clear",
            Op::Iter { .. } => "iter",
            Op::Next { .. } => "next",
            Op::Dump => "dump",
        }
    }

    /// Parses one line: `Ok(None)` for a line that is not a directive (blank, or starting
    /// with `#`), else the op or what is wrong with the line. A trailing `\r` is ignored.
    /// Values are checked against their kind only when the op runs.
    pub fn parse(line: &str) -> Result<Option<Op>, String> {
        let Some(f) = fields(line)? else {
            return Ok(None);
        };
        let want = |n: usize, usage: &str| {
            if f.len() == n {
                Ok(())
            } else {
                Err(format!("expected `{usage}`"))
            }
        };
        let op = match f[0] {
            "gomap-trace" => {
                want(2, "gomap-trace 1")?;
                let version: u32 = f[1]
                    .parse()
                    .ok()
                    .filter(|v: &u32| v.to_string() == f[1])
                    .ok_or("expected `gomap-trace 1`")?;
                Op::Header { version }
            }
            "aeskey" => {
                want(2, "aeskey HEX (256 hex digits)")?;
                let b = unhex(f[1])
                    .and_then(|b| <Box<[u8; AESKEY_LEN]>>::try_from(b.into_boxed_slice()).ok())
                    .ok_or("expected 256 hex digits")?;
                Op::AesKey(b)
            }
            "type" => {
                want(3, "type K E")?;
                let key = Kind::parse(f[1]).filter(|k| k.is_key());
                let elem = Kind::parse(f[2]).filter(|e| e.is_elem());
                let (Some(key), Some(elem)) = (key, elem) else {
                    return Err(format!(
                        "expected key kind {} and elem kind {} (N 1..{}), got {} {}",
                        Kind::names(true),
                        Kind::names(false),
                        Kind::MAX_BYTES,
                        f[1],
                        f[2]
                    ));
                };
                Op::Type { key, elem }
            }
            "go" => {
                want(2, "go RELEASE")?;
                Op::Go(GoRelease::parse(f[1]).map_err(|e| e.to_string())?)
            }
            "rand" => {
                if !(2..=5).contains(&f.len()) {
                    return Err("expected `rand S0 [S1 S2 S3]`".into());
                }
                Op::Rand(parse_rand_seed(&f[1..])?)
            }
            "make" => {
                if !(2..=3).contains(&f.len()) {
                    return Err("expected `make HINT SEED` (or `make HINT` after `rand`)".into());
                }
                let hint = f[1]
                    .parse()
                    .map_err(|_| format!("expected a decimal hint, got {:?}", f[1]))?;
                Op::Make {
                    hint,
                    seed: f.get(2).map(|s| parse_seed(s)).transpose()?,
                }
            }
            "clone" => {
                want(1, "clone")?;
                Op::Clone
            }
            "put" => {
                want(3, "put K E")?;
                Op::Put {
                    key: Value::token(f[1]),
                    elem: Value::token(f[2]),
                }
            }
            "del" => {
                want(2, "del K")?;
                Op::Del {
                    key: Value::token(f[1]),
                }
            }
            "get" => {
                want(2, "get K")?;
                Op::Get {
                    key: Value::token(f[1]),
                }
            }
            "len" => {
                want(1, "len")?;
                Op::Len
            }
            "seed" => {
                want(2, "seed SEED")?;
                Op::Seed {
                    seed: parse_seed(f[1])?,
                }
            }
            "clear" => {
                if !(1..=2).contains(&f.len()) {
                    return Err("expected `clear SEED` (or `clear` after `rand`)".into());
                }
                Op::Clear {
                    seed: f.get(1).map(|s| parse_seed(s)).transpose()?,
                }
            }
            "iter" => {
                if !(2..=3).contains(&f.len()) {
                    return Err("expected `iter ID R` (or `iter ID` after `rand`)".into());
                }
                let r = f.get(2).map(|s| parse_decimal_u64(s)).transpose()?;
                Op::Iter {
                    id: f[1].to_string(),
                    r,
                }
            }
            "next" => {
                want(3, "next ID N")?;
                let n = parse_decimal_u64(f[2])?;
                Op::Next {
                    id: f[1].to_string(),
                    n,
                }
            }
            "dump" => {
                want(1, "dump")?;
                Op::Dump
            }
            other => {
                return Err(format!(
                    "unknown directive {other:?}; expected one of {}",
                    Op::NAMES[1..].join(", ")
                ))
            }
        };
        Ok(Some(op))
    }
}

impl fmt::Display for Op {
    /// The directive line, without its newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match self {
            Op::Header { version } => write!(f, "{name} {version}"),
            Op::AesKey(k) => write!(f, "{name} {}", hex(&k[..])),
            Op::Type { key, elem } => write!(f, "{name} {key} {elem}"),
            Op::Go(r) => write!(f, "{name} {r}"),
            Op::Rand(s) => write!(
                f,
                "{name} {:016x} {:016x} {:016x} {:016x}",
                s[0], s[1], s[2], s[3]
            ),
            Op::Make {
                hint,
                seed: Some(seed),
            } => write!(f, "{name} {hint} {seed:08x}"),
            Op::Make { hint, seed: None } => write!(f, "{name} {hint}"),
            Op::Put { key, elem } => write!(f, "{name} {key} {elem}"),
            Op::Del { key } | Op::Get { key } => write!(f, "{name} {key}"),
            Op::Seed { seed }
            | Op::Clear {
                seed: Some(seed), ..
            } => write!(f, "{name} {seed:08x}"),
            Op::Iter { id, r: Some(r) } => write!(f, "{name} {id} {r}"),
            Op::Iter { id, r: None } => write!(f, "{name} {id}"),
            Op::Next { id, n } => write!(f, "{name} {id} {n}"),
            Op::Len | Op::Dump | Op::Clone | Op::Clear { seed: None } => f.write_str(name),
        }
    }
}

/// Splits a directive line into its fields: `Ok(None)` for a line that is not a directive
/// (blank, or starting with `#`). One trailing `\r` is ignored; fields are separated by
/// single spaces and may not hold control characters (no kind spells a value with one, and
/// a field ending in `\r` would not print back as itself: the printed line's `\r` would
/// be taken for the line end).
pub fn fields(line: &str) -> Result<Option<Vec<&str>>, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let f: Vec<&str> = line.split(' ').collect();
    if f.iter().any(|x| x.is_empty()) {
        return Err("fields must be separated by single spaces".into());
    }
    if line.chars().any(char::is_control) {
        return Err("fields may not hold control characters".into());
    }
    Ok(Some(f))
}

/// The words of `rand W0 [W1 W2 W3]`: each 1 to 16 hex digits (missing words are 0); or
/// one word of 64 hex digits, the 32 bytes of ChaCha8's `Init([32]byte)`, read as Go
/// reads them (four little-endian words).
pub fn parse_rand_seed(f: &[&str]) -> Result<[u64; 4], String> {
    let mut seed = [0u64; 4];
    let bad =
        |s: &str| format!("expected seed words of 1 to 16 hex digits (or one of 64), got {s:?}");
    if let [s] = f {
        if s.len() == 64 {
            let b = unhex(s).ok_or_else(|| bad(s))?;
            for (w, c) in seed.iter_mut().zip(b.chunks(8)) {
                *w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            }
            return Ok(seed);
        }
    }
    for (w, s) in seed.iter_mut().zip(f) {
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad(s));
        }
        *w = u64::from_str_radix(s, 16).map_err(|_| bad(s))?;
    }
    Ok(seed)
}

/// A decimal u64 as the oracles read one (Go's `strconv.ParseUint(s, 10, 64)`: digits
/// only, no sign, in range).
pub fn parse_decimal_u64(s: &str) -> Result<u64, String> {
    strconv::parse_uint(s, 64).map_err(|e| format!("expected a decimal u64, got {s:?} ({e})"))
}

/// A seed: exactly 8 hex digits.
fn parse_seed(s: &str) -> Result<u32, String> {
    let bad = || format!("expected a seed of 8 hex digits, got {s:?}");
    if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    u32::from_str_radix(s, 16).map_err(|_| bad())
}

/// A float64 of the trace language: Go's `strconv.ParseFloat(s, 64)` (decimal and hex
/// floats, `_` between digits, `inf`/`infinity` in any case; out of range refused), but
/// not NaN, which the trace spells only as the exact word `NaN` (see [`super::exec`]).
pub fn parse_f64(s: &str) -> Option<f64> {
    strconv::parse_float64(s).ok().filter(|v| !v.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decimal counts and starts are Go's `ParseUint(s, 10, 64)`: no sign (Rust's `u64`
    /// parser takes a `+`, which the oracles refuse; found by an independent generator).
    #[test]
    fn decimal_u64_fields_take_no_sign() {
        assert!(Op::parse("iter a +5").is_err());
        assert!(Op::parse("next a +1").is_err());
        assert!(Op::parse("next a 18446744073709551616").is_err());
        assert!(Op::parse("iter a 18446744073709551615").is_ok());
        assert!(Op::parse("next a 007").is_ok());
    }

    /// Found by the fuzz target `replay`: a value ending in `\r`s printed as a line whose
    /// last `\r` was then read as the line end, so printing was no longer the inverse of
    /// parsing. Control characters are refused in every field.
    #[test]
    fn fields_with_control_characters_are_refused() {
        assert!(Op::parse("get cd32925f\r\r\r\r\r\r\r\r").is_err());
        assert!(Op::parse("get a\tb").is_err());
        assert!(Op::parse("len\r\r").is_err());
        assert_eq!(Op::parse("len\r"), Ok(Some(Op::Len)));
        assert_eq!(Op::parse("\r"), Ok(None));
        for line in ["get 5", "put 5 6", "del 7", "iter 0 0"] {
            let op = Op::parse(line).unwrap().unwrap();
            assert_eq!(Op::parse(&op.to_string()), Ok(Some(op)));
        }
    }

    #[test]
    fn parses_go_float_spellings() {
        assert_eq!(parse_f64("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(parse_f64("1.5"), Some(1.5));
        assert_eq!(parse_f64("1e3"), Some(1000.0));
        assert_eq!(parse_f64("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64("0x1.8p1"), Some(3.0));
        assert_eq!(parse_f64("NaN"), None);
        assert_eq!(parse_f64("abc"), None);
        assert_eq!(parse_f64("1e400"), None, "out of range in Go");
        assert_eq!(parse_f64("1e-400"), Some(0.0));
        assert_eq!(parse_f64("1_000"), Some(1000.0));
        assert_eq!(parse_f64("1__0"), None);
        assert_eq!(parse_f64(" 1"), None);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(Kind::parse("b1024"), Some(Kind::B(1024)));
        assert_eq!(Kind::parse("b0"), None);
        assert_eq!(Kind::parse("b1025"), None);
        assert_eq!(Kind::parse("b01"), None);
        assert_eq!(Kind::parse("b+1"), None);
        assert_eq!(Kind::parse("u8"), None);
        // Composite kinds print as they parse (docs/trace-and-dump.md, composite kinds).
        for k in crate::trace::gen::composite_kinds() {
            for s in [k.to_string(), format!("reflect:{k}")] {
                let kind = Kind::parse(&s).unwrap_or_else(|| panic!("{s}"));
                assert!(kind.is_key() && !kind.is_elem(), "{s}");
                assert_eq!(kind.to_string(), s);
            }
        }
        for bad in [
            "[01]i64",
            "struct{[]i64}",
            "reflect:i64",
            "[2]",
            "anyx",
            "ifacex",
            "main.MI64",
            "struct{main.MI64}",
        ] {
            assert_eq!(Kind::parse(bad), None, "{bad}");
        }
        for (name, k) in Kind::NAMED {
            assert_eq!(Kind::parse(name), Some(k));
            assert_eq!(k.to_string(), name);
        }
        assert_eq!(Kind::B(17).to_string(), "b17");
    }

    #[test]
    fn named_types_resolve_with_the_uncomparable_last() {
        let doc = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/trace-and-dump.md"
        ));
        let names = named_types();
        let comparable: Vec<bool> = names
            .iter()
            .map(|&(n, u)| {
                let t = named_type(n).unwrap_or_else(|| panic!("{n}"));
                assert!(t.is_named() && spell::type_spelling(t) == n, "{n}");
                assert_eq!(t.size(), spell::parse_type(u, &|_| None).unwrap().size());
                assert!(
                    doc.contains(&format!("`{n}`")),
                    "{n} is in the spec's table"
                );
                t.is_comparable()
            })
            .collect();
        assert!(comparable.windows(2).all(|w| w[0] || !w[1]), "{names:?}");
        assert!(comparable.contains(&false) && comparable.contains(&true));
        assert!(named_type("main.Nope").is_none() && named_type("i64").is_none());
    }

    #[test]
    fn printing_inverts_parsing() {
        let lines = [
            "gomap-trace 1",
            &format!("aeskey {}", "0f".repeat(AESKEY_LEN)),
            "type str b3",
            "make -5 0000abcd",
            "put 0x1p-3 -",
            "del -",
            "get 00ff",
            "len",
            "seed ffffffff",
            "clear 00000000",
            "iter i0 18446744073709551615",
            "next i0 12",
            "dump",
        ];
        for l in lines {
            let op = Op::parse(l).unwrap().unwrap();
            assert_eq!(op.to_string(), l);
            assert!(Op::NAMES.contains(&op.name()));
        }
        assert_eq!(
            Op::parse("make 1 0000ABCD").unwrap().unwrap().to_string(),
            "make 1 0000abcd"
        );
        for v in [
            0.0,
            -0.0,
            1.25,
            -3e-300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
        ] {
            let s = Value::float(v).to_string();
            assert_eq!(parse_f64(&s).map(f64::to_bits), Some(v.to_bits()), "{s}");
        }
    }

    #[test]
    fn non_directives_and_malformed_lines() {
        assert_eq!(Op::parse(""), Ok(None));
        assert_eq!(Op::parse("  "), Ok(None));
        assert_eq!(Op::parse("# put 1 2"), Ok(None));
        assert_eq!(Op::parse("len\r"), Ok(Some(Op::Len)));
        assert!(Op::parse("put  1 2").unwrap_err().contains("single spaces"));
        assert!(Op::parse("put 1").unwrap_err().contains("put K E"));
        assert!(Op::parse("make 0 1234567")
            .unwrap_err()
            .contains("8 hex digits"));
        assert!(Op::parse("make 0 +1234567")
            .unwrap_err()
            .contains("8 hex digits"));
        assert!(Op::parse("type e0 i64")
            .unwrap_err()
            .contains("i32|i64|f64|str|bN"));
        assert!(Op::parse("aeskey 00")
            .unwrap_err()
            .contains("256 hex digits"));
        assert!(Op::parse("jump 3")
            .unwrap_err()
            .contains("unknown directive"));
    }
}
