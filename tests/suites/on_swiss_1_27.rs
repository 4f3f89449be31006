// The prelude of a typed suite on the Swiss map of Go 1.27: the release, the tests kept
// (not those that read the classic map's header), the map makers of `release.rs`. The
// including binary allows the dead code the dropped tests leave.

const RELEASE: gomap::typed::Release =
    gomap::typed::Release::Swiss(gomap::swiss::SwissRelease::Go1_27);

/// Drops the tests that read the classic map's header.
macro_rules! classic_only {
    ($($i:item)*) => {};
}

mod release {
    use super::RELEASE;
    include!("release.rs");
}
use release::*;
