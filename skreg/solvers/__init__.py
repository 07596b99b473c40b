"""Solvers: drive the kernels (outer loops, working sets, stopping rules)."""
