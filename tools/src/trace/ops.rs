//! The runtime entry points the replayer calls: Go's compiler choice of family for the
//! trace's map type (`runtime::dispatch`, after `walk.mapfast`).
pub use gomap::runtime::dispatch::{map_access2, map_assign, map_delete};
