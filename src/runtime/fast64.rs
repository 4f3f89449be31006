//! Placeholder: the fast64 fast paths (issue 4).
