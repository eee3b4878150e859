package asynqtest

import "syscall"

// killWithParent has the kernel kill a started process when the test binary
// dies, so a test killed by its timeout or a signal leaves no Redis behind.
func killWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
