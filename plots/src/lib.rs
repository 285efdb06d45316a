//! Charts for gmpsim runs and sweeps. Filled in by the plotting work (issue: sweeps and charts).
