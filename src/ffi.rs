//! The C ABI (issue 7). Placeholder.
