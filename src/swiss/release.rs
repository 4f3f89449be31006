//! [`Release`]: a Go release of either engine, the one vocabulary for picking a map's
//! code by release name (the C ABI's `gomap_maptype_with_release`, the typed map's
//! [`GoMap::with_release`](crate::typed::GoMap::with_release)).
//!
//! It lives here, with the Swiss engine, because this is the first floor that knows both
//! engines' releases: [`GoRelease`] (the classic bucketed map, `crate::maptype::release`)
//! and [`SwissRelease`] (the Swiss table, `types.rs`).

use core::fmt;

use super::types::SwissRelease;
use crate::maptype::release::ReleaseError;
use crate::maptype::GoRelease;

/// A Go release whose map gomap reproduces: the classic map of Go 1.19 to 1.23 (and
/// 1.24 with `GOEXPERIMENT=noswissmap`), or the Swiss table of Go 1.24 to 1.27. The
/// default is Go 1.19's classic map.
///
/// ```
/// use gomap::maptype::GoRelease;
/// use gomap::swiss::{Release, SwissRelease};
///
/// assert_eq!(Release::parse("1.27"), Ok(Release::Swiss(SwissRelease::Go1_27)));
/// assert_eq!(Release::parse("go1.24.3"), Ok(Release::Swiss(SwissRelease::Go1_24)));
/// assert_eq!(Release::parse("1.24-noswissmap"), Ok(Release::Classic(GoRelease::Go1_24NoSwiss)));
/// assert_eq!(Release::default(), Release::Classic(GoRelease::Go1_19));
/// assert!(Release::parse("1.20").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    /// The classic bucketed map (`runtime/map.go`) of this release.
    Classic(GoRelease),
    /// The Swiss-table map (`internal/runtime/maps`) of this release.
    Swiss(SwissRelease),
}

impl Default for Release {
    fn default() -> Release {
        Release::Classic(GoRelease::default())
    }
}

/// A Swiss release from a well-formed name that [`GoRelease::parse`] sent here (`1.N` or
/// `1.N.P` with N at least 24, an optional `go` prefix, an optional `-experiment` suffix):
/// the minor and the experiment pick it (`go1.27.3-mapsplitgroup` is
/// [`SwissRelease::Go1_27SplitGroup`]); `None` for a release gomap does not have.
fn parse_swiss(name: &str) -> Option<SwissRelease> {
    let v = name.strip_prefix("go").unwrap_or(name);
    let (v, experiment) = match v.split_once('-') {
        Some((v, x)) => (v, format!("-{x}")),
        None => (v, String::new()),
    };
    let minor = v.split('.').nth(1)?;
    SwissRelease::parse(&format!("1.{minor}{experiment}"))
}

impl From<GoRelease> for Release {
    fn from(r: GoRelease) -> Release {
        Release::Classic(r)
    }
}

impl From<SwissRelease> for Release {
    fn from(r: SwissRelease) -> Release {
        Release::Swiss(r)
    }
}

impl Release {
    /// Every release, oldest first (the classic ones, then the Swiss ones).
    pub const ALL: [Release; 10] = [
        Release::Classic(GoRelease::Go1_19),
        Release::Classic(GoRelease::Go1_21),
        Release::Classic(GoRelease::Go1_22),
        Release::Classic(GoRelease::Go1_23),
        Release::Classic(GoRelease::Go1_24NoSwiss),
        Release::Swiss(SwissRelease::Go1_24),
        Release::Swiss(SwissRelease::Go1_25),
        Release::Swiss(SwissRelease::Go1_26),
        Release::Swiss(SwissRelease::Go1_27),
        Release::Swiss(SwissRelease::Go1_27SplitGroup),
    ];

    /// Parses a release name as the C ABI does: `1.19`, `1.21`, `1.22`, `1.23`,
    /// `1.24-noswissmap` (classic), `1.24` to `1.27` and `1.27-mapsplitgroup` (Swiss),
    /// with an optional `go` prefix and patch release (`go1.21.13`, `1.27.1`,
    /// `go1.27.3-mapsplitgroup`).
    pub fn parse(name: &str) -> Result<Release, ReleaseError> {
        match GoRelease::parse(name) {
            Ok(r) => Ok(Release::Classic(r)),
            Err(ReleaseError::Swiss(_)) => parse_swiss(name)
                .map(Release::Swiss)
                .ok_or_else(|| ReleaseError::Unsupported(name.to_string())),
            Err(e) => Err(e),
        }
    }

    /// The release's name in the trace language: `1.19` ... `1.24-noswissmap`, `1.24`
    /// ... `1.27`.
    pub fn name(self) -> &'static str {
        match self {
            Release::Classic(r) => r.name(),
            Release::Swiss(r) => r.name(),
        }
    }

    /// Whether the release's map is the Swiss table.
    pub fn is_swiss(self) -> bool {
        matches!(self, Release::Swiss(_))
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Release::ALL {
            assert_eq!(Release::parse(r.name()), Ok(r));
        }
        assert_eq!(
            Release::parse("go1.25.0"),
            Ok(Release::Swiss(SwissRelease::Go1_25))
        );
        for name in [
            "go1.27.3-mapsplitgroup",
            "1.27.3-mapsplitgroup",
            "1.27-mapsplitgroup",
        ] {
            assert_eq!(
                Release::parse(name),
                Ok(Release::Swiss(SwissRelease::Go1_27SplitGroup)),
                "{name}"
            );
        }
        assert!(Release::parse("1.26-mapsplitgroup").is_err());
        assert!(matches!(
            Release::parse("1.28"),
            Err(ReleaseError::Unsupported(_))
        ));
        assert!(matches!(
            Release::parse("1.x"),
            Err(ReleaseError::Malformed(_))
        ));
    }
}
