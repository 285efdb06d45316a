//! Workloads: compiled goroutine programs, their interpreter, sources of goroutines
//! (main's classes, open-loop arrivals, closed-loop clients), distributions and sync objects.

pub mod dist;
pub mod exec;
pub mod pool;
pub mod program;
pub mod sources;
pub mod sync;
