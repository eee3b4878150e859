package worker

import (
	"context"
	"io"

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
	Analyze(ctx context.Context, r io.Reader, s Settings, emit func(Chunk) error) error
}

// Settings are a job's analysis settings. They come from the job's stream,
// so every attempt at a job uses the same ones.
type Settings struct {
	// ChunkLines is about how many lines go in one chunk.
	ChunkLines int
	// Year is assumed for timestamps that carry none: the year the job was
	// submitted, not the year a retry happens to run in.
	Year int
}

// Chunk is what the analysis found in one chunk of a file, in the shape of
// the events the worker appends.
type Chunk struct {
	Lines  events.LinesParsed
	Errors []events.ErrorGroup
}
