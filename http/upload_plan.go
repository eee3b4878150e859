package http

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Planner cuts a file into parts for the worker (the worker's engine does).
type Planner interface {
	// Plan returns the parts of a file of size bytes (below 0: not known)
	// in parts of about partBytes.
	Plan(ctx context.Context, r io.Reader, size, partBytes int64, s domain.AnalysisSettings) ([]events.PartPlan, error)
	// Version names the engine that cuts them.
	Version() string
}

// A large file is planned in parts while it is stored, so that the worker
// need not read it whole once more before the parts start: from a remote
// store that would be a second download of the whole file. The planner
// reads what the upload stores through a pipe, in a goroutine of its own,
// at several GB/s; the upload never waits on it for more than a hand-over,
// and never fails because of it: a file it cannot plan is planned by the
// worker as before.

// uploadPlanner plans one upload's file as it is stored.
type uploadPlanner struct {
	s     *Server
	pw    *io.PipeWriter
	done  chan struct{}
	parts []events.PartPlan
	err   error
}

// startPlan starts planning an upload of contentLength bytes (below 0: not
// known), or returns nil when its file will not be planned: no planner,
// parts turned off, or a body too small to hold two parts.
func (s *Server) startPlan(ctx context.Context, contentLength int64, settings domain.AnalysisSettings) *uploadPlanner {
	if s.Planner == nil || s.PartBytes <= 0 || contentLength >= 0 && contentLength < 2*s.PartBytes {
		return nil
	}
	// The worker cuts a file of more than MaxParts parts into larger parts;
	// the body's length is the file's, or a little more for a form.
	partBytes := s.PartBytes
	if contentLength > 0 {
		partBytes = max(partBytes, (contentLength+domain.MaxParts-1)/domain.MaxParts)
	}
	pr, pw := io.Pipe()
	p := &uploadPlanner{s: s, pw: pw, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.parts, p.err = planRecovering(ctx, s.Planner, pr, partBytes, settings)
		// The planner may stop early; the upload goes on all the same.
		_, _ = io.Copy(io.Discard, pr)
	}()
	return p
}

// planRecovering runs the planner, turning a panic of it into an error: it
// runs in a goroutine of its own, which the API's recoverer does not
// cover, and an engine's bug there would end the whole process, every
// request in it, for an upload the worker can plan itself.
func planRecovering(ctx context.Context, pl Planner, r io.Reader, partBytes int64,
	settings domain.AnalysisSettings) (parts []events.PartPlan, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the planner panicked: %v\n%s", v, debug.Stack())
		}
	}()
	return pl.Plan(ctx, r, -1, partBytes, settings)
}

// Write implements io.Writer: the bytes stored, handed to the planner.
func (p *uploadPlanner) Write(b []byte) (int, error) { return p.pw.Write(b) }

// finish ends the planning of a file stored whole as blob (stored false:
// the upload failed) and returns its plan, or nil when it has none.
func (p *uploadPlanner) finish(ctx context.Context, blob domain.Blob, stored bool) *events.UploadPlan {
	if p == nil {
		return nil
	}
	p.pw.Close()
	<-p.done
	switch {
	case !stored:
		return nil
	case p.err != nil:
		p.s.Log.Warn("could not plan an upload's file in parts; the worker will", "request_id", requestIDFrom(ctx),
			"key", blob.Key, "err", p.err)
		return nil
	case len(p.parts) < 2 || len(p.parts) > domain.MaxParts:
		// A file that cannot be cut, or one to cut into larger parts
		// than the body's length let the planner choose.
		return nil
	}
	if err := domain.CheckPlan(p.parts, blob.Size); err != nil {
		p.s.Log.Error("the plan of an upload's file does not fit it; the worker will plan it again",
			"request_id", requestIDFrom(ctx), "key", blob.Key, "err", err)
		return nil
	}
	return &events.UploadPlan{Engine: p.s.Planner.Version(), Parts: p.parts}
}
