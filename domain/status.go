package domain

import "github.com/logproc/logproc/events"

// NextStatus returns the status of a job in status cur after the event p.
// A finished job never changes status again.
func NextStatus(cur JobStatus, p events.Payload) JobStatus {
	if cur.Terminal() {
		return cur
	}
	switch p.(type) {
	case *events.JobSubmitted:
		return StatusQueued
	case *events.JobStarted, *events.LinesParsed, *events.ErrorsDetected:
		return StatusProcessing
	case *events.JobCompleted:
		return StatusCompleted
	case *events.JobFailed:
		return StatusFailed
	}
	return cur
}
