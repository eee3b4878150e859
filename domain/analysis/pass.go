package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// pass reads a file once: physical lines become records by the detected
// format, records fold into entries, entries get templates, and a sink
// does the rest (chunk statistics for Analyze, rows for Parse).
type pass struct {
	opts        Options
	format      lineFormat
	miner       *miner
	mask        masker
	rec         record
	cur         entry
	clock       yearClock
	keys        *keywordSet
	lineNo      int64
	sink        sink
	keepContent bool
}

// sink receives what a pass finds.
type sink interface {
	// boundary is called before each entry starts; a chunk may close.
	boundary() error
	// physical is called for every physical line.
	physical(pl physLine)
	// started is called once an entry's first line is read, while the
	// line and p.rec and p.mask still describe it.
	started(p *pass, line []byte)
	// ended is called with each complete entry.
	ended(p *pass, e *entry) error
}

// ctxCheckLines is how often a pass looks at its context.
const ctxCheckLines = 4096

func newPass(opts Options, format lineFormat, s sink) *pass {
	p := &pass{opts: opts, format: format, miner: newMiner(opts.MaxTemplates), sink: s,
		keys: newKeywordSet(opts.Keywords), clock: yearClock{year: opts.AssumeYear}}
	if !p.keys.blank {
		p.mask.kw, p.miner.kw = p.keys, p.keys
	}
	return p
}

// run feeds the sample lines, then the rest of the reader, then closes the
// last entry.
func (p *pass) run(ctx context.Context, sample []physLine, lr *lineReader) error {
	lr.beforeMove = p.cur.keepRaw
	for _, pl := range sample {
		if err := p.line(pl); err != nil {
			return err
		}
	}
	for {
		pl, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", p.lineNo+1, err)
		}
		if err := p.line(pl); err != nil {
			return err
		}
		if p.lineNo%ctxCheckLines == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return p.endEntry()
}

// line handles one physical line.
func (p *pass) line(pl physLine) error {
	p.lineNo++
	p.format.read(pl.text, &p.rec)
	if p.continues(pl.text) {
		p.sink.physical(pl)
		p.addContinuation(pl.text)
		return nil
	}
	if err := p.endEntry(); err != nil {
		return err
	}
	if err := p.sink.boundary(); err != nil {
		return err
	}
	p.sink.physical(pl)
	p.begin(pl.text)
	p.sink.started(p, pl.text)
	return nil
}

// continues says whether the line belongs to the open entry.
func (p *pass) continues(line []byte) bool {
	if !p.cur.open || p.cur.lines >= int64(p.opts.MaxEntryLines) {
		return false
	}
	if p.rec.annot {
		return true // "DETAIL: ..." adds to the record before it
	}
	if p.format.clear() {
		return !p.rec.header
	}
	if p.rec.hasTime {
		return false // a stamped line begins an entry, even inside a trace
	}
	return continues(line, &p.cur.stack)
}

func (p *pass) endEntry() error {
	if !p.cur.open {
		return nil
	}
	p.cur.open = false
	return p.sink.ended(p, &p.cur)
}

// begin starts an entry with its first line.
func (p *pass) begin(line []byte) {
	e, r := &p.cur, &p.rec
	e.open, e.firstLine, e.lines = true, p.lineNo, 1
	p.mask.mask(r.msg)
	placed := p.miner.add(&p.mask)
	e.cluster = placed.cluster
	e.level, e.hasTime = r.level, r.hasTime
	if r.hasTime {
		e.unixNano = p.clock.place(&r.time)
		e.noYear, e.noZone = !r.time.hasYear, !r.time.hasZone
	}
	e.comp = appendCapped(e.comp[:0], r.comp, maxComponent)
	e.raw, e.rawLine = e.raw[:0], line
	if p.keepContent {
		e.content = appendCapped(e.content[:0], r.msg, p.opts.MaxEntryBytes)
	}
	e.keywords = p.keywords(placed, r.msg)
	e.errorLike = !p.format.hasLevels() && errorWords.find(r.msg) != 0
	e.stack.start(r.msg, r.stack)
}

// keywords returns the keywords of a first line: from the miner and the
// masker, or by a full search when a keyword holds a blank.
func (p *pass) keywords(placed placed, msg []byte) uint64 {
	if p.mask.kw == nil {
		return p.keys.find(msg)
	}
	return placed.keywords | p.mask.varKW
}

// addContinuation folds a line into the open entry. Of an annotation line,
// the text from its annotation word on is content; its header is not.
func (p *pass) addContinuation(line []byte) {
	e := &p.cur
	e.lines++
	e.keepRaw()
	e.raw = appendLine(e.raw, line, maxSample)
	if p.rec.annot {
		line = trimRight(line[p.rec.levelAt:])
	}
	if p.keepContent {
		e.content = appendLine(e.content, line, p.opts.MaxEntryBytes)
	}
	e.keywords |= p.keys.find(line)
	e.stack.feed(line)
}
