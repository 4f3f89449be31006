//! Placeholder: the faststr fast paths (issue 4).
