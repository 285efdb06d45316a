//! gmpsim: a deterministic discrete-event simulator of the Go runtime's GMP scheduler and GC
//! pacer. This facade re-exports the engine and the model; the `gmpsim` binary is the CLI.
//!
//! ```no_run
//! let sc = gmpsim::models::scenario::load_scenario(std::path::Path::new("scenarios/default.toml"), &[]).unwrap();
//! let r = gmpsim::models::run::run_scenario(&sc.scenario, Default::default()).unwrap();
//! println!("{}", r.summary.to_text());
//! ```
pub use models;
pub use sim_core;
