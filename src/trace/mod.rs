//! Traces (placeholder).
