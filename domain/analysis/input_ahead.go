package analysis

import (
	"bufio"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
)

// Decompressing gzip costs about as much CPU as analysing the text it
// yields, so a gzip input is decompressed by a goroutine of its own, a few
// blocks ahead of the analysis: on two cores a gzip file is analysed about
// as fast as the same file uncompressed, where one goroutine doing both
// took the sum of the two.
const (
	aheadBlockBytes = 256 << 10
	aheadBlocks     = 3 // decompressed and waiting, besides the one read and the one filled
	// aheadFirstBlock is the first block's size; each next one made is
	// twice the last, up to aheadBlockBytes, so that a small file costs
	// small buffers.
	aheadFirstBlock = 16 << 10
)

// aheadReader reads what a goroutine decompressed ahead, block by block,
// and knows for each block how far into the compressed input the decoder
// then was.
type aheadReader struct {
	blocks chan aheadBlock
	free   chan []byte
	stop   chan struct{}
	once   sync.Once
	done   chan struct{} // closed when the goroutine returns

	cur aheadBlock
	off int
	// at is the compressed offset the decoder had reached when it
	// decompressed the block being read (what source.consumed reports).
	at int64
}

// aheadBlock is a block of decompressed text, the compressed offset the
// decoder had reached after it, and the error that ended the input after
// it, if any.
type aheadBlock struct {
	b   []byte
	at  int64
	err error
}

// decodeAhead starts decompressing text (the decoder reading buf, which
// reads raw) in a goroutine. Its errors reach the reader after the text
// decompressed before them, as they would reading text directly. The
// caller must call close unless it reads to the end or to an error.
func decodeAhead(text io.Reader, raw *countingReader, buf *bufio.Reader) *aheadReader {
	r := &aheadReader{blocks: make(chan aheadBlock, aheadBlocks), free: make(chan []byte, aheadBlocks+2),
		stop: make(chan struct{}), done: make(chan struct{})}
	go r.decode(text, raw, buf)
	return r
}

// decode fills blocks until the input ends, fails, or close is called.
// raw and buf are read only here once it runs, so the offset is taken
// here too.
func (r *aheadReader) decode(text io.Reader, raw *countingReader, buf *bufio.Reader) {
	defer close(r.done)
	defer func() {
		// A panic here (in the decoder, or in the caller's reader) would
		// end the process from a goroutine no caller's recover covers:
		// it ends the input with an error instead.
		if v := recover(); v != nil {
			select {
			case r.blocks <- aheadBlock{err: fmt.Errorf("decompressing: panic: %v\n%s", v, debug.Stack())}:
			case <-r.stop:
			}
		}
	}()
	made, size := 0, aheadFirstBlock
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		var b []byte
		if made < aheadBlocks+2 {
			made++
		} else {
			select {
			case b = <-r.free:
			case <-r.stop:
				return
			}
		}
		if cap(b) < size {
			b = make([]byte, size) // the smaller one is dropped
		}
		size = min(2*size, aheadBlockBytes)
		n, err := fill(text, b)
		blk := aheadBlock{b: b[:n], at: raw.n - int64(buf.Buffered()), err: err}
		select {
		case r.blocks <- blk:
		case <-r.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// fill reads into b until it is full or the reader fails or ends. Unlike
// io.ReadFull it returns the reader's own error, io.EOF at the end, which
// the analysis must see as it would reading the text directly.
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Read implements io.Reader.
func (r *aheadReader) Read(p []byte) (int, error) {
	for r.off == len(r.cur.b) {
		if r.cur.err != nil {
			return 0, r.cur.err
		}
		if r.cur.b != nil {
			r.free <- r.cur.b[:cap(r.cur.b)]
		}
		r.cur, r.off = <-r.blocks, 0
		r.at = r.cur.at
	}
	n := copy(p, r.cur.b[r.off:])
	r.off += n
	return n, nil
}

// close stops the decoding goroutine. It does not wait for it: the
// goroutine may be in a read of the caller's reader, which ends when that
// reader yields or is closed; it fills at most the block it is filling.
func (r *aheadReader) close() { r.once.Do(func() { close(r.stop) }) }
