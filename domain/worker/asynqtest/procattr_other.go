//go:build !linux

package asynqtest

import "syscall"

// killWithParent is Linux's parent-death signal; elsewhere only the test's
// cleanup stops the processes it started.
func killWithParent() *syscall.SysProcAttr {
	return nil
}
