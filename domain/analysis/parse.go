package analysis

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Row is one entry of a parsed file, in the shape of the Loghub benchmark's
// structured CSV, so results compare directly with published parsers.
type Row struct {
	// LineID is the entry's first physical line, counted from 1.
	LineID int64 `json:"LineId"`
	// Timestamp is the entry's time in RFC 3339, UTC; "" when it has none.
	Timestamp string `json:"Timestamp"`
	Level     Level  `json:"Level"`
	Component string `json:"Component"`
	// Content is the message with the header removed, continuation lines
	// included.
	Content string `json:"Content"`
	// EventID is the stable id of the entry's template, EventTemplate its
	// final text with "<*>" for variables.
	EventID       string `json:"EventId"`
	EventTemplate string `json:"EventTemplate"`
}

// Parse reads a file twice through open: the first reading mines the
// templates, the second emits one Row per entry with the template its
// entry has once the whole file is mined (templates generalise online).
// Memory stays bounded: nothing but the templates is kept between the two.
// An error from emit stops Parse and is returned as is.
func Parse(ctx context.Context, open func() (io.ReadCloser, error), opts Options, emit func(Row) error) error {
	opts = opts.withDefaults()
	final, err := mineTemplates(ctx, open, opts)
	if err != nil {
		return err
	}
	rs := &rowSink{final: final, emit: emit}
	return readPass(ctx, open, opts, rs, func(p *pass) { p.keepContent = true })
}

// finalTemplate is a template as it stands after the first reading.
type finalTemplate struct {
	id, text string
}

// mineTemplates runs the first reading and returns every template by the
// index the miner gave it.
func mineTemplates(ctx context.Context, open func() (io.ReadCloser, error), opts Options) ([]finalTemplate, error) {
	var m *miner
	err := readPass(ctx, open, opts, nopSink{}, func(p *pass) { m = p.miner })
	if err != nil {
		return nil, err
	}
	roots := m.unifiedRoots()
	final := make([]finalTemplate, len(m.clusters))
	for i := range m.clusters {
		r := roots[m.siblings.final(int32(i))]
		final[i] = finalTemplate{id: m.clusters[r.rep].id, text: r.text}
	}
	return final, nil
}

// readPass opens the input and runs one pass over it with sink s; setup
// adjusts the pass before it runs.
func readPass(ctx context.Context, open func() (io.ReadCloser, error), opts Options, s sink, setup func(*pass)) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer rc.Close()
	rd, err := openReading(rc, opts)
	if err != nil {
		return err
	}
	defer rd.close()
	p := newPass(opts, rd.format, s)
	setup(p)
	return p.run(ctx, rd.sample, rd.lines)
}

// nopSink ignores everything: the first reading of Parse only mines.
type nopSink struct{}

func (nopSink) boundary() error           { return nil }
func (nopSink) physical(physLine)         {}
func (nopSink) started(*pass, []byte)     {}
func (nopSink) ended(*pass, *entry) error { return nil }

// rowSink turns the entries of the second reading into rows.
type rowSink struct {
	final []finalTemplate
	emit  func(Row) error
}

func (rowSink) boundary() error       { return nil }
func (rowSink) physical(physLine)     {}
func (rowSink) started(*pass, []byte) {}

func (s *rowSink) ended(p *pass, e *entry) error {
	t := finalTemplate{id: p.miner.clusters[e.cluster].id, text: p.miner.clusters[e.cluster].template()}
	if int(e.cluster) < len(s.final) { // always, unless the input changed between readings
		t = s.final[e.cluster]
	}
	row := Row{LineID: e.firstLine, Level: e.level.Level(), Component: validUTF8(e.comp),
		Content: validUTF8(trimRight(e.content)), EventID: t.id, EventTemplate: t.text}
	if e.hasTime {
		row.Timestamp = time.Unix(0, e.unixNano).UTC().Format(time.RFC3339Nano)
	}
	return s.emit(row)
}

func validUTF8(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }
