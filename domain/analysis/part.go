package analysis

import (
	"context"
	"io"
)

// PartResult is what AnalyzePart found in a part beyond its chunks.
type PartResult struct {
	// Summary sums the part's chunks.
	Summary *Summary
	// IPs is the part's distinct addresses as a sketch that MergeIPs joins
	// with the other parts'.
	IPs []byte
}

// AnalyzePart analyses one part of a plain-text file as Analyze would
// analyse the whole file, with the format the file's head shows: head
// reads the file from its start (only its first lines are read, to detect
// the format, exactly as Analyze does), and body reads the part's bytes.
// Chunks are counted from 0 within the part and line numbers are the
// file's. Each part mines templates on its own: MergeGroups joins the error
// groups that parts mined for one event under different ids.
func AnalyzePart(ctx context.Context, head, body io.Reader, part Part, opts Options, emit func(*Chunk) error) (*PartResult, error) {
	opts = opts.withDefaults()
	hrd, err := openReading(head, opts)
	if err != nil {
		return nil, err
	}
	hrd.close() // only its format is wanted
	if hrd.src.gzipped() {
		return nil, refuse("a gzip-compressed file is analysed whole, not in parts")
	}
	src := openPartSource(body)
	rd := &reading{src: src, lines: newLineReader(src.text, opts.MaxLineBytes), format: hrd.format}
	a := newAnalyzer(opts, rd, emit)
	a.lineNo, a.p.lineNo = part.FirstLine-1, part.FirstLine-1
	if err := a.p.run(ctx, nil, rd.lines); err != nil {
		return nil, err
	}
	if err := a.closeChunk(); err != nil {
		return nil, err
	}
	return &PartResult{Summary: a.summary(), IPs: a.distinct.sketch()}, nil
}
