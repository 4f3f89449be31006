//! Placeholder: the fast32 fast paths (issue 4).
