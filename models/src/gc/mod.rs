//! The garbage collector: the pacer (`mgcpacer.go`) and Go's `TestGcPacer` harness.

pub mod controller;
pub mod cycle;
pub mod replay;
pub mod scenarios;
