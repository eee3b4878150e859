package worker

import (
	"context"
	"io"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
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
	// Plan reads a file of size bytes to its end and cuts it into parts of
	// about partBytes that start at entries, numbered from 1; a file it
	// cannot cut (gzip, no way to tell entries apart) gives one part.
	Plan(ctx context.Context, r io.Reader, size, partBytes int64, s domain.AnalysisSettings) ([]events.PartPlan, error)
	// AnalyzePart analyses one part as Analyze would the whole file: head
	// reads the file from its start (for its format), body the part. The
	// same bytes and settings always give the same chunks.
	AnalyzePart(ctx context.Context, head, body io.Reader, p events.PartPlan, s domain.AnalysisSettings,
		emit func(domain.Chunk) error) (domain.PartResult, error)
	// Merge joins the error groups the parts mined apart (from what each
	// part's PartCompleted kept), and the parts' distinct addresses. The
	// result does not depend on the order of its input.
	Merge(templates []events.GroupTemplate, sketches [][]byte) (events.GroupsJoined, error)
}
