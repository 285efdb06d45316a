//! The garbage collector: the pacer (`mgcpacer.go`), the GC CPU limiter (`mgclimit.go`), Go's
//! `TestGcPacer` harness, and the GC cycle in the simulated process (`mgc.go`).

pub mod api;
pub mod cycle;
pub mod limiter;
pub mod locality;
pub mod pacer;
pub mod pacer_replay;
pub mod scavenge;
pub mod sweep;
