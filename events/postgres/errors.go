package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/logproc/logproc/events"
)

// classify puts events.ErrRefused or events.ErrUnavailable in the chain of
// an error of the server or the connection, so that callers can tell a
// failure that will recur from one that may pass. Other errors, and a
// cancelled context, are returned as they are.
func classify(err error) error {
	switch {
	case err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case refused(err):
		return fmt.Errorf("%w: %w", events.ErrRefused, err)
	case unavailable(err):
		return fmt.Errorf("%w: %w", events.ErrUnavailable, err)
	}
	return err
}

// refused reports a data exception (class 22, such as a \u0000 in jsonb or
// a value out of range) or a program limit (54000, such as a row too big).
func refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || pgErr.Code == "54000")
}

// unavailable reports a connection exception (class 08), an operator
// intervention (class 57: a shutdown, a server starting up, a terminated
// backend), too many connections, or a connection that failed or closed.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57") || pgErr.Code == "53300"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}
