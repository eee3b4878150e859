// Package domain holds Log Processor's core: the Job aggregate, whose state is
// folded from its events and whose commands (Submit, Start, RecordChunk,
// Complete, Fail, LoseTask) decide every event a job gets; Jobs, which loads
// jobs from an event store and saves what their commands decided; the
// read-model types the projections fill; the ports the adapters implement
// (BlobStore, Queue); and the error type whose codes the HTTP layer maps to
// statuses.
//
// It depends only on the standard library and the events package. Its
// subpackages differ: analysis is the engine, pure and self-contained, while
// storage and worker are adapters (local disk and Supabase; asynq on Redis).
package domain

import (
	"errors"
	"fmt"
)

// Error codes. The http package maps each to one status.
const (
	EINVALID      = "invalid"      // the request is malformed
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials without the role the thing needs
	ENOTFOUND     = "not_found"    // no such thing, or not the caller's
	ECONFLICT     = "conflict"     // the state changed underneath
	ETOOLARGE     = "too_large"    // the upload exceeds the size limit
	EUNSUPPORTED  = "unsupported"  // the content cannot be processed
	EFULL         = "storage_full" // the blob store has no room left
	ETIMEOUT      = "timeout"      // the client took too long to send its request
	EUNAVAILABLE  = "unavailable"  // a dependency is down; try again
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is an error a user may see: a code for machines and a message for
// people. Wrapped errors keep their cause for logs.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with the given code and message that keeps err as its
// cause.
func Wrap(err error, code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first Error in err's chain, or a
// generic message for any other error, so internals never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
