//! Traces: the deterministic scripts of map operations of `docs/trace-and-dump.md`
//! (version 1), replayed through the gomap runtime's functions. Go's side of the
//! differential test (`tests/go/oracle`) replays the same text on Go's own maps; both
//! must print the same output byte for byte.
//!
//! * [`op`]: the language itself, one [`Op`] per directive line (parse and print) and
//!   the [`Kind`]s of keys and elems;
//! * `exec`: their meaning, [`Replayer`] running a trace one op at a time (so a picture
//!   can be drawn after any step) and [`replay`] running a whole text, through the
//!   runtime family Go's compiler would choose for the trace's types;
//! * [`gen`]: the generated traces of the differential suite, built as ops;
//! * [`diff`]: `gomap diff`, the comparison with the Go oracle;
//! * [`toolchain`]: the Go toolchain of each release, and building the oracle with it.
//! * [`swiss`] and [`swiss_gen`]: Swiss traces (a `go 1.24` ... `go 1.27` line after the
//!   header, `docs/swiss-dump.md`), replayed through the Swiss engine `gomap::swiss`, and
//!   their generator; [`replay`] hands a Swiss trace to [`swiss::replay`].

pub mod diff;
mod exec;
pub mod gen;
pub mod op;
pub mod swiss;
pub mod swiss_gen;
pub mod toolchain;

pub use exec::{print_value, replay, Replayer, TraceError, GO_NAN_BITS};
pub use op::{Kind, Op, Value};
