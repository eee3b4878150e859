package main

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// withParent runs a process of a fault test as cred (nil: as the test),
// and has the kernel kill it when the test binary dies, so a test killed by
// its timeout or a signal leaves no server behind.
func withParent(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
}

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
