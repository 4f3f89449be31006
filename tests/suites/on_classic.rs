// The prelude of a typed suite on the classic map of Go 1.19 (the default engine): the
// release, the tests kept, the map makers of `release.rs`.

const RELEASE: gomap::typed::Release =
    gomap::typed::Release::Classic(gomap::maptype::GoRelease::Go1_19);

/// Keeps the tests that read the classic map's header.
#[allow(unused_macros)]
macro_rules! classic_only {
    ($($i:item)*) => { $($i)* };
}

// Not every suite uses every helper.
#[allow(dead_code)]
mod release {
    use super::RELEASE;
    include!("release.rs");
}
use release::*;
