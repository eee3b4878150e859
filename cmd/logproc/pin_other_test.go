//go:build !linux

package main

// lastAllowedCPU reports no CPU: there is no taskset to pin with here.
func lastAllowedCPU() (int, bool) { return 0, false }
