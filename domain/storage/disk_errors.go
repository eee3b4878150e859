package storage

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/logproc/logproc/domain"
)

// diskError maps a failed file operation of a store to what a client can
// do about it: a full disk is EFULL (507), a read-only or failing one
// EUNAVAILABLE (503 with Retry-After: an operator can fix it, and the
// client can try again), anything else keeps its cause as an internal
// error.
func diskError(op string, err error) error {
	cause := fmt.Errorf("%s: %w", op, err)
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return domain.Wrap(cause, domain.EFULL, "blob storage is full")
	case errors.Is(err, syscall.EROFS):
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage is read-only")
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage cannot be written (permission denied)")
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ESTALE), errors.Is(err, syscall.ENOTCONN),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.ETIMEDOUT):
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage is unreachable")
	}
	return cause
}
