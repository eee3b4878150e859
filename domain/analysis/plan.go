package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
)

// Part is a byte range of a plain-text file that starts at an entry, so
// that it can be analysed apart from the rest (AnalyzePart) without cutting
// an entry, a stack trace say, in two.
type Part struct {
	// Offset and Length are the part's bytes in the file.
	Offset, Length int64
	// FirstLine is the number of the part's first line in the file, from 1.
	FirstLine int64
}

// maxLookahead bounds how far past a planned cut the planner looks for a
// line that starts an entry; a stretch without one (a huge trace) moves the
// cut to the next one instead.
const maxLookahead = 8 << 20

// PlanParts reads a plain-text file of size bytes to the end and returns
// the parts of about partBytes each it can be cut into: every cut is at the
// start of a line that starts an entry, found within a bounded stretch after
// each multiple of partBytes, and every part's first line number is counted.
// It returns a single part when the file is smaller than two parts, is
// gzip-compressed (a gzip stream cannot be entered in the middle), or has no
// way to tell where an entry starts (no header and no timestamps). It returns
// *InputError for input Analyze refuses.
//
// A size below 0 means the size is not known yet, as while a file is being
// uploaded: a plan of several parts is then the same as the one for the
// size the reader turns out to hold, found in the same single pass. A plan
// of one part then says nothing of the size (its length may be -1), and
// the reader is not always read to its end.
func PlanParts(ctx context.Context, r io.Reader, size, partBytes int64, opts Options) ([]Part, error) {
	whole := []Part{{Offset: 0, Length: size, FirstLine: 1}}
	if partBytes <= 0 || size >= 0 && size < 2*partBytes {
		return whole, nil
	}
	opts = opts.withDefaults()
	rd, err := openReading(r, opts)
	if err != nil {
		return whole, err
	}
	defer rd.close()
	if rd.src.gzipped() || !cuttable(rd.format) {
		return whole, nil
	}
	pl := &planner{format: rd.format, partBytes: partBytes, next: partBytes, size: size,
		parts: []Part{{FirstLine: 1}}}
	for _, line := range rd.sample {
		pl.line(line)
	}
	for {
		if gap := pl.gap(); gap > 0 {
			lines, size := rd.lines.skip(gap)
			pl.lineNo += lines
			pl.offset += size
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, err := rd.lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("plan parts: read line %d: %w", pl.lineNo+1, err)
		}
		pl.line(line)
		if pl.lineNo%ctxCheckLines == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return pl.finish(), nil
}

// cuttable says whether the format tells where an entry starts: by its
// header, or by a timestamp.
func cuttable(f lineFormat) bool {
	if f.clear() {
		return true
	}
	t, ok := f.(*textLayout)
	return ok && t.ts != nil
}

// planner counts lines and bytes and cuts parts.
type planner struct {
	format          lineFormat
	rec             record
	partBytes, size int64
	offset, lineNo  int64
	next            int64 // offset at which the next cut is wanted
	parts           []Part
}

// gap is how many bytes from here hold no cut: the lines that start in
// them are only counted. Past the last cut, that is the rest of the file.
func (pl *planner) gap() int64 {
	if !pl.room(pl.next) {
		return math.MaxInt64
	}
	return pl.next - pl.offset
}

// room says whether a part may start at offset: at least half a part of
// the file follows it. Without the file's size, every cut is made, and
// finish takes back the last one if it left too little.
func (pl *planner) room(offset int64) bool {
	return pl.size < 0 || pl.size-offset >= pl.partBytes/2
}

// line takes the next physical line: it starts a new part when a cut is
// due and the line starts an entry.
func (pl *planner) line(l physLine) {
	pl.lineNo++
	if pl.offset >= pl.next && pl.room(pl.offset) {
		switch {
		case pl.startsEntry(l.text):
			last := &pl.parts[len(pl.parts)-1]
			last.Length = pl.offset - last.Offset
			pl.parts = append(pl.parts, Part{Offset: pl.offset, FirstLine: pl.lineNo})
			pl.next = pl.offset + pl.partBytes
		case pl.offset-pl.next > maxLookahead:
			pl.next += pl.partBytes
		}
	}
	pl.offset += l.size
}

// startsEntry says whether a line begins an entry wherever it stands, as
// the pass folds lines (pass.continues): a header line of a format whose
// header marks entries, or else a stamped line; never an annotation line.
func (pl *planner) startsEntry(line []byte) bool {
	pl.format.read(line, &pl.rec)
	switch {
	case pl.rec.annot:
		return false
	case pl.format.clear():
		return pl.rec.header
	}
	return pl.rec.hasTime
}

// finish closes the last part. Without the file's size, it joins a last
// part shorter than half a part to the one before, and keeps a file
// shorter than two parts whole, as a plan for the size would have done.
func (pl *planner) finish() []Part {
	parts := pl.parts
	last := &parts[len(parts)-1]
	last.Length = pl.offset - last.Offset
	if pl.size >= 0 {
		return parts
	}
	if n := len(parts); n > 1 && last.Length < pl.partBytes/2 {
		parts[n-2].Length += last.Length
		parts = parts[:n-1]
	}
	if pl.offset < 2*pl.partBytes {
		return []Part{{Offset: 0, Length: pl.offset, FirstLine: 1}}
	}
	return parts
}
