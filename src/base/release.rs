//! [`GoRelease`]: the Go release a map follows. It lives on the ground floor because the
//! random source draws by release (`rand.rs`); its public home and documentation, with
//! the table of what each release changed, is `crate::maptype::release`.

// Go's names (`loadFactorNum`, ...).
#![allow(non_snake_case)]

use core::fmt;

/// A Go release with the classic (bucketed) map. Ordered by release, so that a change
/// reads `if t.release() >= Go1_21 { // go1.21: ... }`.
///
/// The default is Go 1.19, the release the port started from.
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GoRelease {
    /// Go 1.19.
    #[default]
    Go1_19 = 19,
    /// Go 1.21.
    Go1_21 = 21,
    /// Go 1.22.
    Go1_22 = 22,
    /// Go 1.23.
    Go1_23 = 23,
    /// Go 1.24 built with `GOEXPERIMENT=noswissmap`.
    Go1_24NoSwiss = 24,
}

pub use GoRelease::*;

/// The classic releases, oldest first.
pub const CLASSIC_RELEASES: [GoRelease; 5] = [Go1_19, Go1_21, Go1_22, Go1_23, Go1_24NoSwiss];

impl GoRelease {
    /// Whether this release's map is the classic bucketed map (every variant so far).
    pub const fn is_classic(self) -> bool {
        true
    }

    /// The release's `loadFactorNum` (with `loadFactorDen` = 2): 13 (a load of 6.5),
    /// except in go1.21, whose `(bucketCnt*13/16)*loadFactorDen` divides first and drops
    /// the half: (8*13/16)*2 = 12 (6.0). go1.22 multiplies first again: 2*8*13/16 = 13.
    #[inline(always)]
    pub const fn loadFactorNum(self) -> usize {
        if self as u8 == Go1_21 as u8 {
            12
        } else {
            13
        }
    }

    /// Whether `runtime.rand` is the per-thread ChaCha8 generator (1.22 on) rather than
    /// wyrand `fastrand`.
    #[inline(always)]
    pub const fn uses_chacha8(self) -> bool {
        self as u8 >= Go1_22 as u8
    }

    /// Whether the heap puts an 8-byte allocation header in front of objects with
    /// pointers larger than 512 bytes (1.22 on), which `roundupsize` accounts for.
    #[inline(always)]
    pub const fn malloc_headers(self) -> bool {
        self as u8 >= Go1_22 as u8
    }

    /// Whether `mapclear` bumps `clearSeq` (1.24) instead of marking slots (1.21-1.23),
    /// and `hmap`/`hiter` carry that field.
    #[inline(always)]
    pub const fn has_clear_seq(self) -> bool {
        self as u8 >= Go1_24NoSwiss as u8
    }

    /// Whether `mapclear` marks every slot `emptyRest` first (1.21-1.23).
    #[inline(always)]
    pub const fn clear_marks_empty(self) -> bool {
        self as u8 >= Go1_21 as u8 && !self.has_clear_seq()
    }

    /// Whether a lookup or delete in a nil or empty map checks the key with
    /// `mapKeyError` (1.22 on) rather than hashing it (1.19-1.21, which draws a random
    /// number for a NaN inside).
    pub const fn uses_map_key_error(self) -> bool {
        self as u8 >= Go1_22 as u8
    }

    /// Whether `maps.Clone` has its runtime support (`mapclone`, 1.21 on).
    pub const fn has_mapclone(self) -> bool {
        self as u8 >= Go1_21 as u8
    }

    /// Whether the portable `hash64.go` (no AES) mixes with `hashkey[1..4]` instead of
    /// fixed constants (1.23 on): `MapType::with_release` installs the 1.23 hashers and
    /// the fast paths pass this flag to `alg::memhash32_rel` and its siblings.
    pub const fn hash64_uses_hashkey(self) -> bool {
        self as u8 >= Go1_23 as u8
    }

    /// The trace-language spelling: `1.19`, `1.21`, `1.22`, `1.23`, `1.24-noswissmap`.
    pub const fn name(self) -> &'static str {
        match self {
            Go1_19 => "1.19",
            Go1_21 => "1.21",
            Go1_22 => "1.22",
            Go1_23 => "1.23",
            Go1_24NoSwiss => "1.24-noswissmap",
        }
    }

    /// Parses a release name: `1.19`, `go1.19`, a patch release such as `1.21.13`, and
    /// `1.24-noswissmap` (or `1.24.11-noswissmap`). Anything else, including the Swiss
    /// releases (`1.24` without the suffix and later, `1.27-mapsplitgroup`), is an error
    /// that says why.
    pub fn parse(s: &str) -> Result<GoRelease, ReleaseError> {
        let s0 = s;
        let s = s.strip_prefix("go").unwrap_or(s);
        let (v, noswiss) = match s.strip_suffix("-noswissmap") {
            Some(v) => (v, true),
            None => (s, false),
        };
        // Go 1.27's `GOEXPERIMENT=mapsplitgroup` changes the layout of Swiss groups.
        let (v, splitgroup) = match v.strip_suffix("-mapsplitgroup") {
            Some(v) if !noswiss => (v, true),
            _ => (v, false),
        };
        let mut parts = v.split('.');
        let major = parts.next();
        let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
        let patch_ok = match parts.next() {
            None => true,
            Some(p) => p.parse::<u32>().is_ok() && parts.next().is_none(),
        };
        let (Some("1"), Some(minor), true) = (major, minor, patch_ok) else {
            return Err(ReleaseError::Malformed(s0.to_string()));
        };
        if splitgroup {
            return Err(if minor >= 27 {
                ReleaseError::Swiss(s0.to_string())
            } else {
                ReleaseError::Unsupported(s0.to_string())
            });
        }
        let r = match (minor, noswiss) {
            (19, false) => Go1_19,
            (21, false) => Go1_21,
            (22, false) => Go1_22,
            (23, false) => Go1_23,
            (24, true) => Go1_24NoSwiss,
            (24.., false) => return Err(ReleaseError::Swiss(s0.to_string())),
            _ => return Err(ReleaseError::Unsupported(s0.to_string())),
        };
        Ok(r)
    }
}

impl fmt::Display for GoRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a release name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseError {
    /// Not of the form `1.N`, `1.N.P` or `1.N-noswissmap`.
    Malformed(String),
    /// A release whose default map is the Swiss table, which this engine does not model.
    Swiss(String),
    /// A well-formed release without a classic-map variant (before 1.19, 1.20, or
    /// `-noswissmap` on a release other than 1.24, `-mapsplitgroup` before 1.27).
    Unsupported(String),
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::Malformed(s) => write!(f, "malformed Go release {s:?}"),
            ReleaseError::Swiss(s) => write!(
                f,
                "Go release {s:?} uses the Swiss-table map, which the classic engine does not model (classic releases: 1.19, 1.21, 1.22, 1.23, 1.24-noswissmap)"
            ),
            ReleaseError::Unsupported(s) => write!(
                f,
                "Go release {s:?} is not supported (classic releases: 1.19, 1.21, 1.22, 1.23, 1.24-noswissmap)"
            ),
        }
    }
}

impl std::error::Error for ReleaseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_patch_releases_parse() {
        for r in CLASSIC_RELEASES {
            assert_eq!(GoRelease::parse(r.name()), Ok(r));
        }
        assert_eq!(GoRelease::parse("go1.22.10"), Ok(Go1_22));
        assert_eq!(GoRelease::parse("1.24.11-noswissmap"), Ok(Go1_24NoSwiss));
        assert!(matches!(
            GoRelease::parse("1.24"),
            Err(ReleaseError::Swiss(_))
        ));
        assert!(matches!(
            GoRelease::parse("1.27.3"),
            Err(ReleaseError::Swiss(_))
        ));
        for s in ["1.27-mapsplitgroup", "go1.27.3-mapsplitgroup"] {
            assert!(
                matches!(GoRelease::parse(s), Err(ReleaseError::Swiss(_))),
                "{s}"
            );
        }
        for s in ["1.20", "1.26-mapsplitgroup", "1.24-mapsplitgroup"] {
            assert!(
                matches!(GoRelease::parse(s), Err(ReleaseError::Unsupported(_))),
                "{s}"
            );
        }
        assert!(matches!(
            GoRelease::parse("1.x"),
            Err(ReleaseError::Malformed(_))
        ));
        assert_eq!(GoRelease::default(), Go1_19);
    }

    #[test]
    fn load_factor_is_six_only_in_go1_21() {
        assert_eq!(Go1_21.loadFactorNum(), 12);
        for r in [Go1_19, Go1_22, Go1_23, Go1_24NoSwiss] {
            assert_eq!(r.loadFactorNum(), 13, "{r}");
        }
    }
}
