//! The Go runtime model: the GMP scheduler (`sched`), the GC (`gc`), workloads, scenario files,
//! and the glue that runs them on `sim-core`.
pub mod explain;
pub mod gc;
pub mod heap;
pub mod machine;
pub mod obs;
pub mod obs_chrome;
pub mod obs_spans;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sched;
pub mod sim;
pub mod stats;
pub mod timeline;
pub mod units;
pub mod workload;
