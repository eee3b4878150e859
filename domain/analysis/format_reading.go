package analysis

import (
	"errors"
	"fmt"
	"io"
)

// reading is an input opened for a pass: decoded, split into lines, its
// first lines sampled and its format detected.
type reading struct {
	src    *source
	lines  *lineReader
	sample []physLine
	format lineFormat
}

// maxSampleBytes bounds the text format detection keeps in memory.
const maxSampleBytes = 4 << 20

// openReading opens r for a pass; the caller closes the reading.
func openReading(r io.Reader, opts Options) (*reading, error) {
	src, err := openSource(r, opts.MaxGzipRatio)
	if err != nil {
		return nil, err
	}
	rd := &reading{src: src, lines: newLineReader(src.text, opts.MaxLineBytes)}
	if err := rd.readSample(opts.SampleLines); err != nil {
		rd.close()
		return nil, err
	}
	texts := make([][]byte, len(rd.sample))
	for i, pl := range rd.sample {
		texts[i] = pl.text
	}
	rd.format = detectFormat(texts)
	return rd, nil
}

// close ends the reading: a reading that stops before its input's end must
// be closed (see source.close).
func (rd *reading) close() { rd.src.close() }

// readSample copies the first lines, up to n of them or maxSampleBytes.
func (rd *reading) readSample(n int) error {
	size := 0
	for len(rd.sample) < n && size < maxSampleBytes {
		pl, err := rd.lines.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read sample: %w", err)
		}
		pl.text = append([]byte(nil), pl.text...)
		size += len(pl.text)
		rd.sample = append(rd.sample, pl)
	}
	return nil
}

// timeAssumption returns the note on how timestamps were completed.
func timeAssumption(format lineFormat, year int) func(noYear, noZone bool) string {
	return func(noYear, noZone bool) string {
		var notes []string
		if noYear {
			notes = append(notes, fmt.Sprintf("year missing: assumed %d", year))
		}
		if noZone {
			notes = append(notes, "zone missing: assumed UTC")
		}
		if l, ok := format.(*textLayout); ok && l.ambiguous {
			notes = append(notes, "date order ambiguous: read as "+l.ts.describe())
		}
		return joinNotes(notes)
	}
}

func joinNotes(notes []string) string {
	out := ""
	for i, n := range notes {
		if i > 0 {
			out += "; "
		}
		out += n
	}
	return out
}
