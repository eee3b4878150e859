package analysis

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// source is the decoded text of an input, with what it consumed of the
// caller's reader.
type source struct {
	text  io.Reader
	ahead *aheadReader // the decoder's goroutine, for gzip only
}

// gzipped says whether the source decompresses its input.
func (s *source) gzipped() bool { return s.ahead != nil }

// sniffBytes is how much decoded text the binary check looks at.
const sniffBytes = 8 << 10

// openSource detects gzip by its magic bytes, refuses other archives,
// binary data and gzip that holds no text, and returns the decoded text
// stream.
func openSource(r io.Reader, maxRatio int) (*source, error) {
	raw := &countingReader{r: r}
	buf := bufio.NewReaderSize(raw, 64<<10)
	head, err := buf.Peek(8)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read input: %w", err)
	}
	src := &source{}
	text := buf
	if isGzip(head) {
		zr, err := gunzip(buf, raw, maxRatio)
		if err != nil {
			return nil, err
		}
		src.ahead = decodeAhead(zr, raw, buf)
		text = bufio.NewReaderSize(src.ahead, 64<<10)
	} else if reason := formatReason(head); reason != "" {
		return nil, refuse(reason)
	}
	src.text = text
	if err := refuseBinary(text); err != nil {
		src.close()
		return src, err
	}
	if _, err := text.Peek(1); src.gzipped() && errors.Is(err, io.EOF) {
		// Analyze would cut no chunk of it, and read none of the bytes
		// the file holds: a job of it could not tell it from a read of
		// the file that returned nothing.
		src.close()
		return src, refuse("the gzip file holds no text once decompressed: there is no log in it to analyse")
	}
	return src, nil
}

// close stops decompressing ahead, if the source does. A reading that
// stops before the end of its input must close its source.
func (s *source) close() {
	if s.ahead != nil {
		s.ahead.close()
	}
}

// openPartSource returns the text of a part of a file whose head was read
// as text. Nothing is sniffed at the part's start: its bytes are lines of
// that text, which may begin with what some file type's magic bytes are
// ("BZh", "%PDF-", even gzip's) or hold bytes the binary check refuses,
// and a single pass over the whole file reads them as lines.
func openPartSource(r io.Reader) *source {
	return &source{text: bufio.NewReaderSize(r, 64<<10)}
}

// Sniff tells from the first bytes of a file (up to 8 KiB) whether the
// engine can read it: it returns an *InputError that says why not for an
// archive, an image or executable, UTF-16 or other binary data, and nil for
// text and for gzip (whose content is checked once decompressed). An upload
// can refuse a file with it before storing it.
func Sniff(head []byte) error {
	if isGzip(head) {
		return nil
	}
	if reason := formatReason(head); reason != "" {
		return refuse(reason)
	}
	if reason := binaryReason(head); reason != "" {
		return refuse(reason)
	}
	return nil
}

// formatReason says why a file of a recognised non-log format is refused.
func formatReason(head []byte) string {
	if kind := archiveKind(head); kind != "" {
		return kind + " files are not supported: upload the log itself, plain or gzip-compressed"
	}
	if kind := binaryKind(head); kind != "" {
		return "the file is binary (" + kind + "), not a text log: upload plain text or gzip"
	}
	return ""
}

// consumed reports how many bytes of the caller's reader the source has
// used once decodedOffset bytes of text were read. For plain text it is
// exact; for gzip it is the compressed offset the decoder had reached when
// it decompressed the text last read, the whole file once all is read.
func (s *source) consumed(decodedOffset int64) int64 {
	if !s.gzipped() {
		return decodedOffset
	}
	return s.ahead.at
}

// refuseBinary peeks at the decoded text and refuses data that is not text.
func refuseBinary(br *bufio.Reader) error {
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	if reason := binaryReason(head); reason != "" {
		return refuse(reason)
	}
	return nil
}

func isGzip(head []byte) bool { return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b }

// archiveKind names compressed or archive formats we recognise but do not
// read.
func archiveKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "zip"
	case bytes.HasPrefix(head, []byte("BZh")):
		return "bzip2"
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return "xz"
	case bytes.HasPrefix(head, []byte("\x28\xb5\x2f\xfd")):
		return "zstd"
	case bytes.HasPrefix(head, []byte("7z\xbc\xaf\x27\x1c")):
		return "7z"
	}
	return ""
}

// binaryKind names the binary formats people upload by mistake.
func binaryKind(head []byte) string {
	for _, m := range binaryMagic {
		if bytes.HasPrefix(head, m.prefix) {
			return m.name
		}
	}
	return ""
}

var binaryMagic = []struct {
	name   string
	prefix []byte
}{
	{"a PDF document", []byte("%PDF-")},
	{"a PNG image", []byte("\x89PNG")},
	{"a JPEG image", []byte{0xff, 0xd8, 0xff}},
	{"a GIF image", []byte("GIF8")},
	{"an ELF executable", []byte("\x7fELF")},
}

// binaryReason explains why head is not text, or returns "" for text.
// Logs are text: a NUL byte or many control characters mean binary data.
func binaryReason(head []byte) string {
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return "the file is UTF-16 text: convert it to UTF-8 before uploading"
	}
	var nul, ctrl int
	for _, c := range head {
		switch {
		case c == 0:
			nul++
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b:
			ctrl++
		}
	}
	if nul > len(head)/100 || ctrl > len(head)/10 {
		return "the file looks binary (NUL or control bytes in its first 8 KiB), not a text log"
	}
	return ""
}

// gunzip returns a reader of the decompressed data that refuses gzip bombs
// and reports corrupt data as an *InputError.
func gunzip(r io.Reader, raw *countingReader, maxRatio int) (io.Reader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, refuse(fmt.Sprintf("the file starts like gzip but cannot be read: %v", err))
	}
	return &gzipGuard{zr: zr, raw: raw, maxRatio: int64(maxRatio)}, nil
}

// gzipGuard counts decompressed bytes against the compressed bytes read.
type gzipGuard struct {
	zr       *gzip.Reader
	raw      *countingReader
	out      int64
	maxRatio int64
}

// ratioFloor is the compressed size below which the ratio is measured
// against this floor, so a tiny but legitimate file is never refused.
const ratioFloor = 64 << 10

// Read decompresses, refusing to go past the ratio cap.
func (g *gzipGuard) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	g.out += int64(n)
	if g.out > g.maxRatio*max(g.raw.n, ratioFloor) {
		return n, refuse(fmt.Sprintf("the gzip data expands more than %d times its size (a gzip bomb?); refused", g.maxRatio))
	}
	if isCorruptGzip(err) {
		return n, refuse(fmt.Sprintf("the gzip data is corrupt or truncated: %v", err))
	}
	return n, err
}

func isCorruptGzip(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.As(err, &corrupt) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read reads and counts.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
