package main

import "syscall"

// withParent runs a process of a fault test as cred (nil: as the test),
// and has the kernel kill it when the test binary dies, so a test killed by
// its timeout or a signal leaves no server behind.
func withParent(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
}
