package http

// A multipart/form-data upload is read here rather than by mime/multipart,
// whose part reader scans the body through a 4 KiB buffer of its own
// (bytes.Index and bytes.LastIndexByte on each 4 KiB, a copy in and a copy
// out), whatever buffer the body already has: the file part of a 143 MB
// form cost 137 ms of CPU against 24 ms for the same bytes sent raw, CPU
// that the analysis following the upload needs. formReader applies
// mime/multipart's rules over a buffer of uploadBuffer bytes and serves the
// file's reads straight from it.
//
// Its answers are mime/multipart's: the same parts, headers, names and
// bytes for every body mime/multipart accepts, and an error for every body
// it refuses, which upload_form_test.go checks against mime/multipart, case
// by case and by fuzzing. It departs from them on purpose in three places:
// a part header may not run over formHeaderLimit bytes (mime/multipart
// holds 10 MiB), a boundary may not be over formMaxBoundary bytes (RFC
// 2046: 70), and a part skipped unread is skipped to its boundary even when
// its quoted-printable encoding is broken (formPart.close).

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
)

const (
	// formLineLimit is the longest line mime/multipart reads where it
	// expects a boundary: one that fills its 4 KiB buffer is refused.
	formLineLimit = 4096
	// formHeaderLimit bounds a part's header, so a hostile body cannot make
	// the server hold it whole.
	formHeaderLimit = 64 << 10
	// formMaxHeaders is mime/multipart's bound on the fields of a header.
	formMaxHeaders = 10000
	// formMaxBoundary is the longest boundary read: with one up to this
	// long, mime/multipart's 4 KiB buffer always holds a boundary and the
	// two bytes after it, so its answers do not depend on its reads.
	formMaxBoundary = formLineLimit - 6
)

// formReader reads the parts of a multipart body one after the other, as
// multipart.Reader does.
type formReader struct {
	b         formBuffer
	partsRead int
	part      *formPart
	// nl is "\r\n", or "\n" when the first boundary line ends in a bare
	// "\n"; nlDashBoundary is nl + "--boundary".
	nl, nlDashBoundary, dashBoundary, dashBoundaryDash []byte
}

// formReaderOf returns the reader of the request's multipart body, or the
// error http.Request.MultipartReader would give.
func formReaderOf(r *http.Request) (*formReader, error) {
	d, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || d != "multipart/form-data" && d != "multipart/mixed" {
		return nil, http.ErrNotMultipart
	}
	boundary, ok := params["boundary"]
	if !ok {
		return nil, http.ErrMissingBoundary
	}
	return newFormReader(r.Body, boundary, uploadBuffer), nil
}

// newFormReader reads body, whose parts are separated by boundary, through
// a buffer of size bytes (at least formHeaderLimit + formLineLimit).
func newFormReader(body io.Reader, boundary string, size int) *formReader {
	b := []byte("\r\n--" + boundary + "--")
	return &formReader{
		b:                formBuffer{src: body, buf: make([]byte, max(size, formHeaderLimit+formLineLimit))},
		nl:               b[:2],
		nlDashBoundary:   b[:len(b)-2],
		dashBoundaryDash: b[2:],
		dashBoundary:     b[2 : len(b)-2],
	}
}

// malformed is the error of a body that breaks the multipart rules.
func malformed(format string, args ...any) error {
	return fmt.Errorf("malformed multipart body: "+format, args...)
}

// NextPart returns the next part, or io.EOF after the last. The part
// before it is read to its end first.
func (fr *formReader) NextPart() (*formPart, error) {
	if fr.part != nil {
		fr.part.close()
	}
	if err := fr.checkBoundary(); err != nil {
		return nil, err
	}
	expectNewPart := false
	for {
		line, err := fr.readLine()
		switch {
		case err == io.EOF && fr.isFinalBoundary(line):
			return nil, io.EOF
		case err != nil:
			return nil, fr.lineError(err)
		case fr.isBoundaryDelimiterLine(line):
			fr.partsRead++
			return fr.newPart()
		case fr.isFinalBoundary(line):
			return nil, io.EOF
		case expectNewPart:
			return nil, malformed("expecting a boundary line after a part; got %.80q", line)
		case fr.partsRead == 0:
			continue // the preamble
		case bytes.Equal(line, fr.nl):
			// The line break between a part's body and the boundary
			// line that must follow.
			expectNewPart = true
		default:
			return nil, malformed("unexpected line %.80q after a part", line)
		}
	}
}

func (fr *formReader) checkBoundary() error {
	switch n := len(fr.dashBoundary) - 2; {
	case n == 0:
		return malformed("the boundary of its Content-Type is empty")
	case n > formMaxBoundary:
		return malformed("its boundary is %d bytes long; at most %d are read", n, formMaxBoundary)
	}
	return nil
}

// lineError says why the line where a boundary was expected could not be
// read. An error of the request's body is returned as it is, so that its
// meaning (too large, stalled) reaches the client.
func (fr *formReader) lineError(err error) error {
	switch err {
	case io.EOF:
		return malformed("it ends before its closing boundary (%w)", io.ErrUnexpectedEOF)
	case bufio.ErrBufferFull:
		return malformed("a line of more than %d bytes where a boundary was expected", formLineLimit)
	}
	return err
}

// readLine returns the next line, its "\n" included, as mime/multipart
// reads one with bufio.Reader.ReadSlice over its 4 KiB buffer: a line that
// does not end within formLineLimit bytes is bufio.ErrBufferFull, and a
// last line without "\n" comes with the body's error.
func (fr *formReader) readLine() ([]byte, error) {
	for searched := 0; ; {
		buf := fr.b.unread()
		head := buf[:min(len(buf), formLineLimit)]
		if i := bytes.IndexByte(head[searched:], '\n'); i >= 0 {
			fr.b.discard(searched + i + 1)
			return head[:searched+i+1], nil
		}
		searched = len(head)
		switch {
		case len(head) == formLineLimit:
			return nil, bufio.ErrBufferFull
		case fr.b.err != nil:
			fr.b.discard(len(buf))
			return buf, fr.b.err
		}
		fr.b.fill()
	}
}

// isFinalBoundary reports whether line is `--boundary--[ \t]*(\r\n)?`.
func (fr *formReader) isFinalBoundary(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, fr.dashBoundaryDash)
	if !ok {
		return false
	}
	rest = skipLWSP(rest)
	return len(rest) == 0 || bytes.Equal(rest, fr.nl)
}

// isBoundaryDelimiterLine reports whether line is `--boundary[ \t]*\r\n`.
// On the first part, a line ending in "\n" alone switches the reader to
// bare "\n" line ends: against RFC 2046, but sent in practice.
func (fr *formReader) isBoundaryDelimiterLine(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, fr.dashBoundary)
	if !ok {
		return false
	}
	rest = skipLWSP(rest)
	if fr.partsRead == 0 && len(rest) == 1 && rest[0] == '\n' {
		fr.nl = fr.nl[1:]
		fr.nlDashBoundary = fr.nlDashBoundary[1:]
	}
	return bytes.Equal(rest, fr.nl)
}

// skipLWSP returns b without its leading spaces and tabs.
func skipLWSP(b []byte) []byte {
	return bytes.TrimLeft(b, " \t")
}

// newPart reads the header of the part that begins and returns the part.
// A quoted-printable body is decoded, and its Content-Transfer-Encoding
// hidden, as multipart.Reader.NextPart does.
func (fr *formReader) newPart() (*formPart, error) {
	header, err := fr.readHeader()
	if err != nil {
		return nil, err
	}
	p := &formPart{Header: header, fr: fr}
	p.r = formPartBody{p}
	const cte = "Content-Transfer-Encoding"
	if strings.EqualFold(header.Get(cte), "quoted-printable") {
		header.Del(cte)
		p.r = quotedprintable.NewReader(p.r)
	}
	fr.part = p
	return p, nil
}

// readHeader reads a part's header with net/textproto, as mime/multipart
// does, once the header's blank line is in the buffer, or the body ended
// before one. A body that ends inside a header gives io.EOF, which
// mime/multipart takes for the end of the parts; one that fails there gives
// its error.
func (fr *formReader) readHeader() (textproto.MIMEHeader, error) {
	block, complete, err := fr.headerBlock()
	switch {
	case err != nil:
		return nil, err
	case !complete && fr.b.err != io.EOF:
		return nil, fr.b.err // mime/multipart fails too, maybe calling the header malformed
	}
	header, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(block))).ReadMIMEHeader()
	fr.b.discard(len(block))
	if n := headerFields(header); n > formMaxHeaders {
		return nil, malformed("a part's header has %d fields; at most %d are read", n, formMaxHeaders)
	}
	if err != nil && err != fr.b.err {
		return nil, malformed("a part's header: %w", err)
	}
	return header, err
}

var errHeaderTooLarge = malformed("a part's header runs over %d bytes", formHeaderLimit)

// headerBlock returns the header at the front of the buffer, up to and
// with its blank line (complete), or all that arrived before the body's
// error.
func (fr *formReader) headerBlock() (block []byte, complete bool, err error) {
	for from := 0; ; {
		buf := fr.b.unread()
		head := buf[:min(len(buf), formHeaderLimit)]
		if n := blankLineEnd(head, from); n >= 0 {
			return head[:n], true, nil
		}
		switch {
		case len(head) == formHeaderLimit:
			return nil, false, errHeaderTooLarge
		case fr.b.err != nil:
			return head, false, nil
		}
		from = max(0, len(head)-1) // a line may start at the last byte
		fr.b.fill()
	}
}

// blankLineEnd returns the end of the first empty line ("\n" or "\r\n")
// in b, or -1. A line starts at 0 or after a "\n"; the search for one
// starts at from.
func blankLineEnd(b []byte, from int) int {
	for i := from; ; {
		if i == 0 || b[i-1] == '\n' {
			switch {
			case bytes.HasPrefix(b[i:], []byte("\n")):
				return i + 1
			case bytes.HasPrefix(b[i:], []byte("\r\n")):
				return i + 2
			}
		}
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
}

// headerFields counts the fields of h, as textproto counts them against
// mime/multipart's bound.
func headerFields(h textproto.MIMEHeader) int {
	n := 0
	for _, values := range h {
		n += len(values)
	}
	return n
}

// formPart is one part of a multipart body, as multipart.Part is.
type formPart struct {
	// Header is the part's header, its keys canonical as in
	// textproto.MIMEHeader.
	Header textproto.MIMEHeader
	fr     *formReader
	// r reads the body: formPartBody, or a quoted-printable decoder over
	// it.
	r io.Reader
	// n bytes at the front of the buffer are known to be body; once they
	// are read, err ends the body (io.EOF at the boundary), or nil asks
	// for the buffer to be scanned again.
	n     int
	err   error
	total int64

	disposition       string
	dispositionParams map[string]string
}

// Read implements io.Reader.
func (p *formPart) Read(d []byte) (int, error) {
	return p.r.Read(d)
}

// close skips the rest of the part, to its boundary. multipart.Part.Close
// reads it through its decoder instead, which stops at a broken
// quoted-printable encoding: it then reads the rest of that part as
// boundary lines, from a point that depends on how its 4 KiB reads fell,
// and formReader cannot give the same answer.
func (p *formPart) close() {
	for {
		p.fr.b.discard(p.n)
		p.total += int64(p.n)
		p.n = 0
		if p.err != nil {
			return
		}
		p.scan()
	}
}

// FormName returns the name parameter of a Content-Disposition of type
// "form-data", or "".
func (p *formPart) FormName() string {
	p.parseContentDisposition()
	if p.disposition != "form-data" {
		return ""
	}
	return p.dispositionParams["name"]
}

// FileName returns the filename parameter of the Content-Disposition,
// passed through filepath.Base when it is not empty (RFC 7578: a path in it
// must not be used).
func (p *formPart) FileName() string {
	p.parseContentDisposition()
	filename := p.dispositionParams["filename"]
	if filename == "" {
		return ""
	}
	return filepath.Base(filename)
}

func (p *formPart) parseContentDisposition() {
	if p.dispositionParams != nil {
		return
	}
	var err error
	p.disposition, p.dispositionParams, err = mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		p.dispositionParams = map[string]string{}
	}
}

// formPartBody reads the bytes of a part's body straight from the buffer.
type formPartBody struct{ p *formPart }

// Read implements io.Reader. Like multipart.Part, it returns the body's
// last bytes with io.EOF.
func (b formPartBody) Read(d []byte) (int, error) {
	p := b.p
	for p.n == 0 && p.err == nil {
		p.scan()
	}
	if p.n == 0 {
		return 0, p.err
	}
	n := copy(d[:min(len(d), p.n)], p.fr.b.unread())
	p.fr.b.discard(n)
	p.n -= n
	p.total += int64(n)
	if p.n == 0 {
		return n, p.err
	}
	return n, nil
}

// scan finds how much of the buffer is body, and reads more when it cannot
// tell.
func (p *formPart) scan() {
	fr := p.fr
	readErr := fr.b.err
	if readErr == io.EOF {
		readErr = io.ErrUnexpectedEOF
	}
	p.n, p.err = scanUntilBoundary(fr.b.unread(), fr.dashBoundary, fr.nlDashBoundary, p.total, readErr)
	if p.n == 0 && p.err == nil {
		fr.b.fill()
	}
}

// scanUntilBoundary is mime/multipart's function of the same name, over a
// larger buffer: it returns how many bytes of buf are body, and the error
// that follows them (io.EOF at the boundary, readErr at the body's end,
// nil to scan again with more). The body ends at "\r\n--boundary" (or
// "\n--boundary": nlDashBoundary) followed by "--", a space, a tab, "\r",
// "\n" or the end of the body; before any byte of the body is read
// (total 0), at "--boundary" too. A possible start of the boundary at the
// end of buf is held back.
func scanUntilBoundary(buf, dashBoundary, nlDashBoundary []byte, total int64, readErr error) (int, error) {
	if total == 0 {
		if bytes.HasPrefix(buf, dashBoundary) {
			switch matchAfterPrefix(buf, dashBoundary, readErr) {
			case -1:
				return len(dashBoundary), nil
			case 0:
				return 0, nil
			case +1:
				return 0, io.EOF
			}
		}
		if bytes.HasPrefix(dashBoundary, buf) {
			return 0, readErr
		}
	}
	from := 0
	for {
		i := bytes.Index(buf[from:], nlDashBoundary)
		if i < 0 {
			break
		}
		i += from
		switch matchAfterPrefix(buf[i:], nlDashBoundary, readErr) {
		case -1:
			from = i + len(nlDashBoundary)
			continue
		case 0:
			return i, nil
		}
		return i, io.EOF
	}
	return heldBack(buf, from, nlDashBoundary, readErr)
}

// heldBack ends a scan of buf that found no boundary after from: what could
// be the start of one at its end is held back. mime/multipart holds back
// all of a buf that could be a start, or else from the last "\r" (or
// "\n") if what follows could be; only the last len(nlDashBoundary)
// bytes can hold such a start, and bytes.LastIndexByte, which runs a byte
// at a time, looks at those alone. (After a false match, from > 0, the rest
// begins with the byte that made it false, which starts no boundary.)
func heldBack(buf []byte, from int, nlDashBoundary []byte, readErr error) (int, error) {
	if from == 0 && bytes.HasPrefix(nlDashBoundary, buf) {
		return 0, readErr
	}
	tail := max(from, len(buf)-len(nlDashBoundary))
	if i := bytes.LastIndexByte(buf[tail:], nlDashBoundary[0]); i >= 0 && bytes.HasPrefix(nlDashBoundary, buf[tail+i:]) {
		return tail + i, nil
	}
	return len(buf), readErr
}

// matchAfterPrefix is mime/multipart's: whether buf, which starts with
// prefix ("--boundary" or nl + "--boundary"), is a boundary (+1), is not
// (-1), or cannot tell without more bytes (0).
func matchAfterPrefix(buf, prefix []byte, readErr error) int {
	if len(buf) == len(prefix) {
		if readErr != nil {
			return +1
		}
		return 0
	}
	switch c := buf[len(prefix)]; {
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		return +1
	case c != '-':
		return -1
	case len(buf) > len(prefix)+1:
		if buf[len(prefix)+1] == '-' {
			return +1
		}
		return -1
	case readErr != nil:
		return -1
	}
	return 0
}

// formBuffer holds the bytes read from src and not yet consumed. It keeps
// src's first error and never reads src again after it.
type formBuffer struct {
	src  io.Reader
	buf  []byte
	r, w int
	err  error
}

func (b *formBuffer) unread() []byte { return b.buf[b.r:b.w] }

func (b *formBuffer) discard(n int) { b.r += n }

// fill reads src until some bytes or an error arrive, after the unread
// bytes. They move to the front of the buffer once half of it is consumed
// (or it is full), so that reads stay large and the moves few. Like
// bufio.Reader, it gives up on a src that brings nothing 100 times.
func (b *formBuffer) fill() {
	if b.err != nil {
		return
	}
	if b.r > 0 && (b.r >= len(b.buf)/2 || b.w == len(b.buf)) {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	for range 100 {
		n, err := b.src.Read(b.buf[b.w:])
		b.w += n
		if err != nil || n > 0 {
			b.err = err
			return
		}
	}
	b.err = io.ErrNoProgress
}
