package worker

import (
	"context"
	"io"

	"github.com/logproc/logproc/domain"
)

// Analyzer streams a file through log analysis and reports it chunk by
// chunk. The worker depends on this interface only, so the engine behind it
// can change without touching the job's bookkeeping.
type Analyzer interface {
	// Version names the analysis; it is recorded with every worker event.
	Version() string
	// Analyze reads r to its end and calls emit with each chunk, in file
	// order. The same bytes and settings always give the same chunks, which
	// lets a retried job skip the chunks it has recorded. Input that cannot
	// be analysed (a binary file, a gzip bomb) is an error with code
	// domain.EUNSUPPORTED.
	Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error
}
