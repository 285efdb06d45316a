//! The OS scheduler sharing CPUs among the process's threads (Linux CFS).
//!
//! While no more threads run than there are CPUs, each running M has a CPU to itself. When
//! more Ps are busy than the machine has CPUs (GOMAXPROCS above the core count), CFS gives
//! each runnable thread a time slice (`kernel_timeslice`) in turn, so over any stretch of
//! time longer than a slice each thread progresses at `cpus / busy` of full speed.
//!
//! Which CPU a thread runs on is [`super::placement`]'s business; this factor ignores it and
//! uses the machine-wide count of busy Ps, as if CFS's load balancer spread the runnable
//! threads evenly over the CPUs.
//!
//! # Simplifications
//! - Processor sharing, the fluid limit of the time slice: a new CPU piece is stretched by
//!   `busy / cpus` as counted when it starts, instead of running in slices and waiting in
//!   between. The slice only sets how many involuntary context switches the sharing costs
//!   (one per slice of stretched wall time), not when a given piece ends.
//! - The factor is fixed for the piece; a change in the number of busy Ps while it runs
//!   does not re-time it.

use crate::sim::World;
use sim_core::Nanos;

impl World {
    /// How much longer `ns` of CPU takes in wall time while the busy Ps share the CPUs
    /// (`pick_next_task_fair` turn-taking, as processor sharing); counts the context switches.
    pub fn cpu_share_factor(&mut self, ns: Nanos) -> f64 {
        let busy = self.machine.busy;
        let cpus = self.machine.cpus;
        if busy <= cpus {
            return 1.0;
        }
        let f = busy as f64 / cpus as f64;
        let wall = ns as f64 * f;
        self.machine.os_context_switches += (wall / self.machine.timeslice as f64) as u64;
        f
    }
}
