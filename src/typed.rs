//! The safe typed wrapper `GoMap<K, V>` (issue 7). Placeholder.
