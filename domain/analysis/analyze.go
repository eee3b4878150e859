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
// analysed (binary, corrupt gzip, gzip bomb). A gzip input is decompressed
// ahead by a goroutine, which may read one more block of r after Analyze
// returns early, until that read ends: close r when done with it.
func Analyze(ctx context.Context, r io.Reader, opts Options, emit func(*Chunk) error) (*Summary, error) {
	opts = opts.withDefaults()
	rd, err := openReading(r, opts)
	if err != nil {
		return nil, err
	}
	defer rd.close()
	a := newAnalyzer(opts, rd, emit)
	if err := a.p.run(ctx, rd.sample, rd.lines); err != nil {
		return nil, err
	}
	if err := a.closeChunk(); err != nil {
		return nil, err
	}
	return a.summary(), nil
}

// analyzer is the sink of Analyze: it accumulates chunks, emits each one
// as it closes and keeps the job-wide summary.
type analyzer struct {
	opts     Options
	rd       *reading
	emit     func(*Chunk) error
	p        *pass
	acc      *chunkAcc
	sum      *summaryAcc
	lineNo   int64
	offset   int64 // decoded bytes of the lines seen
	distinct distinctCounter
	known    map[string]struct{} // error group ids, bounded by MaxErrorGroups
	ctx      chunkContext
}

func newAnalyzer(opts Options, rd *reading, emit func(*Chunk) error) *analyzer {
	a := &analyzer{opts: opts, rd: rd, emit: emit, known: make(map[string]struct{})}
	a.p = newPass(opts, rd.format, a)
	a.acc = newChunkAcc(0, len(a.p.keys.words))
	a.sum = newSummaryAcc(len(a.p.keys.words))
	a.ctx = chunkContext{format: rd.format.describe(), keywords: keywordNames(a.p.keys),
		topIPs: opts.TopIPs, chunkTopIPs: opts.ChunkTopIPs, topComps: opts.TopComponents,
		assumption: timeAssumption(rd.format, opts.AssumeYear), miner: a.p.miner}
	return a
}

func keywordNames(k *keywordSet) []string {
	names := make([]string, len(k.words))
	for i, w := range k.words {
		names[i] = string(w)
	}
	return names
}

func (a *analyzer) boundary() error {
	if a.acc.c.Lines < int64(a.opts.ChunkLines) {
		return nil
	}
	return a.closeChunk()
}

func (a *analyzer) physical(pl physLine) {
	a.lineNo++
	a.offset += pl.size
	a.acc.line(pl, a.lineNo)
}

// started counts the addresses of an entry's first line: those the masker
// found in the message and those in the header.
func (a *analyzer) started(p *pass, line []byte) {
	for _, f := range p.mask.ips {
		b := p.rec.msg[f.start:f.end]
		switch {
		case isVersionLikeIP(b):
		case f.v6:
			a.acc.ips.addV6(b)
		default:
			a.acc.ips.addV4(f.v4)
		}
	}
	scanIPv4(p.rec.head[p.rec.tsEnd:], a.ipv4)
}

// ipv4 counts an IPv4 address found in a header.
func (a *analyzer) ipv4(b []byte, v uint32) {
	if !isVersionLikeIP(b) {
		a.acc.ips.addV4(v)
	}
}

// isVersionLikeIP matches 0.x.x.x, which is a version number far more
// often than an address, and is not counted (0.0.0.0 itself is).
func isVersionLikeIP(b []byte) bool {
	return len(b) > 2 && b[0] == '0' && b[1] == '.' && string(b) != "0.0.0.0"
}

func (a *analyzer) ended(p *pass, e *entry) error {
	a.acc.entry(e)
	if k, ok := e.errorKey(p.miner); ok {
		a.acc.groups.add(a.capGroups(k), e)
	}
	return nil
}

// capGroups routes signatures past MaxErrorGroups to one overflow group.
func (a *analyzer) capGroups(k errorKey) errorKey {
	if _, ok := a.known[k.id]; ok {
		return k
	}
	if len(a.known) >= a.opts.MaxErrorGroups {
		return errorKey{id: overflowGroup, exception: "", cluster: -1}
	}
	a.known[k.id] = struct{}{}
	return k
}

// closeChunk emits the current chunk, if it has lines, and starts the next.
func (a *analyzer) closeChunk() error {
	if a.acc.c.Lines == 0 {
		return nil
	}
	a.ctx.bytesRead = a.rd.src.consumed(a.offset)
	a.acc.ips.countDistinct(&a.distinct)
	a.ctx.distinctIPs = a.distinct.count()
	c := a.acc.build(a.ctx)
	a.sum.merge(a.acc)
	a.acc = a.acc.next()
	return a.emit(c)
}

// summary returns the job-wide totals once every chunk is closed.
func (a *analyzer) summary() *Summary {
	a.ctx.bytesRead = a.rd.src.consumed(a.offset)
	a.ctx.distinctIPs = a.distinct.count()
	return a.sum.build(a.ctx)
}
