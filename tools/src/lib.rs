//! # gomap-tools
//!
//! The tools built on the [`gomap`] library, kept out of it so that an embedder of the
//! map compiles only the runtime:
//!
//! * [`trace`]: the trace language of `docs/trace-and-dump.md` (replay, the generator of
//!   the differential suite, `gomap diff` against the Go oracle in `tests/go/oracle`);
//! * [`tour`]: `gomap tour` and `gomap viz`, pictures of a map's insides.
//!
//! The `gomap` binary (`src/main.rs`) is their command line.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod tour;
pub mod trace;
