//! The runtime entry points the replayer calls: Go's compiler choice of family for the
//! trace's map type (generic until `runtime::dispatch` lands).
pub use crate::runtime::{
    mapaccess2 as map_access2, mapassign as map_assign, mapdelete as map_delete,
};
