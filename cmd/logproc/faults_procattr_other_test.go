//go:build !linux

package main

import "syscall"

// withParent runs a process of a fault test as cred (nil: as the test);
// Linux's parent-death signal has no counterpart here, so only the test's
// cleanup stops the processes it started.
func withParent(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
