//! The garbage collector: pacer (`mgcpacer.go`), CPU limiter (`mgclimit.go`) and the TestGcPacer harness.
