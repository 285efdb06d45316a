//! The heap: size classes, spans, and what the GC counts (`mheap.go`, `mcache.go`, `sizeclasses.go`).
pub mod sizeclasses;
