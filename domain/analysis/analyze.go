package analysis

import (
	"context"
	"io"
)

// Analyze reads r to the end and calls emit after every chunk with what the
// chunk held. A chunk ends at the first entry boundary at or after
// Options.ChunkLines physical lines, and at the end of input; an empty
// input emits nothing. An error from emit stops Analyze and is returned as
// is; so is ctx's error once ctx is done (checked every few thousand lines).
//
// Analyze is deterministic: the same bytes and options give the same
// chunks, so a job can be resumed by re-running it and skipping the chunks
// already recorded. It returns *InputError for input that cannot be
// analysed (binary, corrupt gzip, gzip bomb).
func Analyze(ctx context.Context, r io.Reader, opts Options, emit func(*Chunk) error) (*Summary, error) {
	opts = opts.withDefaults()
	rd, err := openReading(r, opts)
	if err != nil {
		return nil, err
	}
	a := newAnalyzer(opts, rd, emit)
	if err := a.p.run(ctx, rd.sample, rd.lines); err != nil {
		return nil, err
	}
	if err := a.closeChunk(); err != nil {
		return nil, err
	}
	return a.summary(), nil
}
