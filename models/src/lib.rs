//! The Go runtime model.
pub mod gc;
