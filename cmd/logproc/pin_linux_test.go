package main

import "golang.org/x/sys/unix"

// lastAllowedCPU is the highest-numbered CPU this process may run on, for
// pinning a benchmark's baseline with taskset.
func lastAllowedCPU() (int, bool) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0, false
	}
	for cpu := len(set)*64 - 1; cpu >= 0; cpu-- {
		if set.IsSet(cpu) {
			return cpu, true
		}
	}
	return 0, false
}
