package analysis

import (
	"bytes"
	"io"
)

// physLine is one physical line of decoded text.
type physLine struct {
	text      []byte // without the line ending; valid until the next call
	size      int64  // decoded bytes the line occupied, ending included
	truncated bool   // text is the first max bytes of a longer line
}

// lineReader splits text into lines with bounded memory: a line longer than
// max is cut, the rest of it skipped, and the cut reported. Its buffer never
// grows past max plus one read.
type lineReader struct {
	r          io.Reader
	buf        []byte
	start, end int   // unread text is buf[start:end]
	max        int   // longest line kept
	limit      int   // largest buffer
	err        error // sticky read error, io.EOF at the end
	// beforeMove, when set, is called before text already returned is
	// moved or overwritten: until then the lines returned stay valid.
	beforeMove func()
}

const readSize = 64 << 10

// newLineReader starts with room for two reads: after the unread end of a
// line moves to the front, a whole read still fits, and a bufio.Reader of
// readSize below hands it over without copying it through its own buffer.
func newLineReader(r io.Reader, maxLine int) *lineReader {
	limit := maxLine + readSize
	return &lineReader{r: r, buf: make([]byte, min(2*readSize, limit)), max: maxLine, limit: limit}
}

// next returns the next line. It returns io.EOF after the last line and any
// other read error as is.
func (lr *lineReader) next() (physLine, error) {
	scanned := 0 // bytes after start already searched for a newline
	for {
		if i := bytes.IndexByte(lr.buf[lr.start+scanned:lr.end], '\n'); i >= 0 {
			return lr.take(lr.start+scanned+i, 1), nil
		}
		scanned = lr.end - lr.start
		if lr.err != nil {
			return lr.atEnd()
		}
		if scanned >= lr.max {
			return lr.truncate()
		}
		lr.fill()
	}
}

// take returns buf[start:cut] as a line, cut to max bytes, and moves past
// the cut and the skip bytes of line ending after it.
func (lr *lineReader) take(cut, skip int) physLine {
	text := lr.buf[lr.start:cut]
	size := int64(cut - lr.start + skip)
	lr.start = cut + skip
	if n := len(text); n > 0 && text[n-1] == '\r' {
		text = text[:n-1]
	}
	if len(text) > lr.max {
		return physLine{text: text[:lr.max], size: size, truncated: true}
	}
	return physLine{text: text, size: size}
}

// atEnd returns the final unterminated line, then the sticky error.
func (lr *lineReader) atEnd() (physLine, error) {
	if lr.start < lr.end {
		return lr.take(lr.end, 0), nil
	}
	return physLine{}, lr.err
}

// truncate returns the first max bytes of an over-long line and discards
// the rest of it, reading into the space after the kept part.
func (lr *lineReader) truncate() (physLine, error) {
	lr.makeRoomAfter(lr.max)
	first, keep := lr.start, lr.start+lr.max
	skipped := int64(0)
	for {
		if i := bytes.IndexByte(lr.buf[keep:lr.end], '\n'); i >= 0 {
			lr.start = keep + i + 1
			skipped += int64(i + 1)
			break
		}
		skipped += int64(lr.end - keep)
		lr.end = keep
		if lr.err != nil {
			lr.start = keep
			break
		}
		lr.read()
	}
	line := physLine{text: lr.buf[first:keep], size: int64(lr.max) + skipped, truncated: true}
	return line, nil
}

// makeRoomAfter moves the unread text to the front of a buffer of the
// largest size, so that a read fits after its first n bytes.
func (lr *lineReader) makeRoomAfter(n int) {
	if len(lr.buf)-(lr.start+n) >= readSize {
		return
	}
	lr.moving()
	grown := lr.buf
	if len(grown) < lr.limit {
		grown = make([]byte, lr.limit)
	}
	lr.end = copy(grown, lr.buf[lr.start:lr.end])
	lr.start, lr.buf = 0, grown
}

// fill makes room at the end of the buffer, compacting or growing it, and
// reads once.
func (lr *lineReader) fill() {
	if lr.end == len(lr.buf) && lr.start > 0 {
		lr.moving()
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	if lr.end == len(lr.buf) {
		grown := make([]byte, min(2*len(lr.buf), lr.limit))
		lr.end = copy(grown, lr.buf[lr.start:lr.end])
		lr.start, lr.buf = 0, grown
	}
	lr.read()
}

// read appends one read's worth of data after end; there must be room.
func (lr *lineReader) read() {
	if lr.end == len(lr.buf) {
		return
	}
	n, err := lr.r.Read(lr.buf[lr.end:])
	lr.end += n
	if err != nil {
		lr.err = err
	}
}

func (lr *lineReader) moving() {
	if lr.beforeMove != nil {
		lr.beforeMove()
	}
}

// skip passes over the lines that start less than n bytes from here, as
// next would return them but without looking at them, and reports how many
// lines and bytes it passed: it stops at a line start, or at the end of
// the text. It counts newlines a read at a time, so a planner passes the
// text between its cuts at the speed of memory.
func (lr *lineReader) skip(n int64) (lines, size int64) {
	if n <= 0 {
		return 0, 0
	}
	open := false // the bytes passed end inside a line
	for {
		data := lr.buf[lr.start:lr.end]
		if want := n - 1 - size; want > 0 {
			// Every newline before byte n-1 ends a line that starts
			// before n.
			k := min(int64(len(data)), want)
			lines += int64(bytes.Count(data[:k], newline))
			size += k
			lr.start += int(k)
			if k > 0 {
				open = data[k-1] != '\n'
			}
		} else {
			// The line holding byte n-1 starts before n: pass it whole.
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				lr.start += i + 1
				return lines + 1, size + int64(i) + 1
			}
			size += int64(len(data))
			lr.start = lr.end
			open = open || len(data) > 0
		}
		if lr.start < lr.end {
			continue
		}
		if lr.err != nil {
			if open {
				lines++
			}
			return lines, size
		}
		lr.moving()
		lr.start, lr.end = 0, 0
		lr.read()
	}
}

var newline = []byte{'\n'}
