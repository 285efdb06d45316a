//! `sim-core`: a deterministic discrete-event engine.
//!
//! It knows nothing about Go. It provides simulated time ([`Nanos`]), an event queue ordered by
//! (time, insertion sequence) ([`EventQueue`]), named seeded RNG streams ([`RngStreams`]), a run
//! loop with stop conditions and a rolling determinism hash ([`run`]), observer hooks, and
//! statistics primitives ([`stats`]).
//!
//! Determinism contract: the same model, the same seed and the same inputs give the same sequence
//! of popped events, and so the same hash, on every run and machine. Nothing here reads the wall
//! clock or iterates a hash map.

pub mod queue;
pub mod rng;
pub mod run;
pub mod stats;
pub mod time;

pub use queue::EventQueue;
pub use rng::RngStreams;
pub use run::{Control, Model, NoObserver, Observer, RunLimits, RunOutcome, StopReason, run};
pub use time::Nanos;
