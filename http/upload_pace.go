package http

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/logproc/logproc/domain"
)

// Default pace an upload's body must keep (Server.UploadIdleTimeout and
// Server.MinUploadRate). A body that stalls would otherwise hold its
// connection, and its handler, for as long as its client likes: chi's
// Timeout cannot guard an upload, as it would cut off slow honest ones.
const (
	DefaultUploadIdleTimeout = 30 * time.Second
	DefaultMinUploadRate     = 16 << 10 // bytes per second: 1 GiB in about 18 hours
)

// pacedBody fails the reads of a request body that stalls: each read must
// bring data within idle, and the body must arrive at minRate bytes per
// second on average, with idle to spare. Only the time spent waiting for
// the client counts, never the time the handler takes to store what it
// read, so a slow blob store cannot fail a client. It works by moving the
// connection's read deadline before each read.
type pacedBody struct {
	body    io.ReadCloser
	rc      *http.ResponseController
	idle    time.Duration
	minRate int64
	n       int64
	waited  time.Duration
}

// stalled is the error of a body that stopped keeping pace.
func (b *pacedBody) stalled() error {
	return domain.Errorf(domain.ETIMEOUT, "the upload stalled after %d bytes: its body must keep arriving, "+
		"with no pause over %s and at least %d bytes/s on average", b.n, b.idle, b.minRate)
}

func (s *Server) paced(w http.ResponseWriter, r *http.Request) io.ReadCloser {
	idle, rate := s.UploadIdleTimeout, s.MinUploadRate
	if idle <= 0 {
		idle = DefaultUploadIdleTimeout
	}
	if rate <= 0 {
		rate = DefaultMinUploadRate
	}
	return &pacedBody{body: r.Body, rc: http.NewResponseController(w), idle: idle, minRate: rate}
}

// Read implements io.Reader.
func (b *pacedBody) Read(p []byte) (int, error) {
	allowed := b.idle + time.Duration(float64(b.n)/float64(b.minRate)*float64(time.Second)) - b.waited
	start := time.Now()
	// A server that cannot set deadlines (HTTP/2 over some transports)
	// reads without one, as before.
	_ = b.rc.SetReadDeadline(start.Add(min(b.idle, allowed)))
	n, err := b.body.Read(p)
	b.waited += time.Since(start)
	b.n += int64(n)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, b.stalled()
	case errors.Is(err, io.EOF):
		// The whole body is in: the server's own read that watches for a
		// client going away must not trip on the upload's deadline.
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// Close implements io.Closer.
func (b *pacedBody) Close() error { return b.body.Close() }
