package http

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// formTrace is what a multipart reader made of a body: the parts it gave,
// and whether it refused the body (an error other than io.EOF from
// NextPart, or an error from reading a part).
type formTrace struct {
	Parts   []tracedPart
	Refused bool
}

// tracedPart is one part as a reader gave it; Body is empty when the part
// was not read.
type tracedPart struct {
	Header             textproto.MIMEHeader
	FormName, FileName string
	Body               string
	ReadFailed         bool
}

// nextPart is a multipart reader's NextPart, the reader aside.
type nextPart func() (tracedPart, io.Reader, error)

func stdlibParts(body io.Reader, boundary string) nextPart {
	mr := multipart.NewReader(body, boundary)
	return func() (tracedPart, io.Reader, error) {
		p, err := mr.NextPart()
		if err != nil {
			return tracedPart{}, nil, err
		}
		return tracedPart{Header: p.Header, FormName: p.FormName(), FileName: p.FileName()}, p, nil
	}
}

func formParts(body io.Reader, boundary string, size int) nextPart {
	fr := newFormReader(body, boundary, size)
	return func() (tracedPart, io.Reader, error) {
		p, err := fr.NextPart()
		if err != nil {
			return tracedPart{}, nil, err
		}
		return tracedPart{Header: p.Header, FormName: p.FormName(), FileName: p.FileName()}, p, nil
	}
}

// A readMode says which parts' bodies are read; the others are skipped,
// which the next NextPart does.
type readMode struct {
	name string
	read func(tracedPart) bool
}

var readModes = []readMode{
	{"every part read", func(tracedPart) bool { return true }},
	{"no part read", func(tracedPart) bool { return false }},
	{"as the upload reads", func(p tracedPart) bool { return p.FormName == "file" }},
}

// trace reads a body with next, as mode says, to its end or its first
// error, which it returns.
func trace(next nextPart, mode readMode) (formTrace, error) {
	var tr formTrace
	for {
		p, body, err := next()
		if err == io.EOF {
			return tr, nil
		}
		if err != nil {
			tr.Refused = true
			return tr, err
		}
		if mode.read(p) {
			b, err := io.ReadAll(body)
			p.Body, p.ReadFailed = string(b), err != nil
			if err != nil {
				tr.Parts, tr.Refused = append(tr.Parts, p), true
				return tr, err
			}
		}
		tr.Parts = append(tr.Parts, p)
	}
}

// A chunking is how the body reaches formReader, read by read.
type chunking struct {
	name string
	wrap func([]byte) io.Reader
}

var chunkings = append([]chunking{
	{"a byte at a time", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
}, largeChunkings...)

// largeChunkings are the chunkings quick enough for large bodies.
var largeChunkings = []chunking{
	{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"halves", func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
	{"last bytes with EOF", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
	{"uneven", func(b []byte) io.Reader { return &unevenReader{b: b, seed: fnvHash(b)} }},
}

// unevenReader returns its bytes in reads of 1 to 97 bytes, in an order
// drawn from seed.
type unevenReader struct {
	b    []byte
	seed uint32
}

func (r *unevenReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	r.seed = r.seed*1664525 + 1013904223
	n := copy(p[:min(len(p), 1+int(r.seed>>16)%97)], r.b)
	r.b = r.b[n:]
	return n, nil
}

func fnvHash(b []byte) uint32 {
	h := fnv.New32a()
	h.Write(b)
	return h.Sum32()
}

// matchesStdlib fails t unless formReader, over each chunking and buffer
// size given, makes of body what mime/multipart makes of it, but where it
// departs from it on purpose: a part header over formHeaderLimit, and a
// part with a broken quoted-printable encoding skipped unread, after which
// only the parts before are compared.
func matchesStdlib(t *testing.T, boundary string, body []byte, sizes []int, chunkings []chunking) {
	t.Helper()
	broken := firstBrokenQuotedPrintable(body, boundary)
	for _, mode := range readModes {
		want, wantErr := trace(stdlibParts(bytes.NewReader(body), boundary), mode)
		for _, size := range sizes {
			for _, c := range chunkings {
				got, err := trace(formParts(c.wrap(body), boundary, size), mode)
				want, got := want, got
				if errors.Is(err, errHeaderTooLarge) {
					want, got = upTo(want, len(got.Parts)-1), upTo(got, len(got.Parts)-1)
				}
				if broken >= 0 && len(want.Parts) > broken && !mode.read(want.Parts[broken]) {
					want, got = upTo(want, broken), upTo(got, broken)
				}
				if reflect.DeepEqual(want, got) {
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s, %s, buffer %d: formReader differs from mime/multipart on %q (-want +got):\n%s\n"+
						"mime/multipart: %v\nformReader: %v", mode.name, c.name, size, clip(body), diff, wantErr, err)
				}
			}
		}
	}
}

// upTo keeps the parts of tr up to part k, and forgets whether the body was
// refused after them.
func upTo(tr formTrace, k int) formTrace {
	if len(tr.Parts) > k {
		return formTrace{Parts: tr.Parts[:k+1]}
	}
	return tr
}

// firstBrokenQuotedPrintable returns the index of the first part of body
// whose quoted-printable encoding mime/multipart cannot decode, or -1.
func firstBrokenQuotedPrintable(body []byte, boundary string) int {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for i := 0; ; i++ {
		p, err := mr.NextRawPart()
		if err != nil {
			return -1
		}
		raw, readErr := io.ReadAll(p)
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			if _, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw))); err != nil {
				return i
			}
		}
		if readErr != nil {
			return -1
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 600 {
		return append(b[:300:300], append([]byte(" ... "), b[len(b)-300:]...)...)
	}
	return b
}

// smallestFormBuffer is the smallest buffer newFormReader takes.
const smallestFormBuffer = formHeaderLimit + formLineLimit

// formCase is a body and the boundary it is read with.
type formCase struct {
	name, boundary, body string
}

// part is a form-data part of a body with the boundary "boundary".
func part(name, filename, content string) string {
	disposition := fmt.Sprintf(`form-data; name=%q`, name)
	if filename != "" {
		disposition += fmt.Sprintf(`; filename=%q`, filename)
	}
	return "--boundary\r\nContent-Disposition: " + disposition + "\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n"
}

const closing = "--boundary--\r\n"

func formCases() []formCase {
	file := "2026-11-28 10:00:00 INFO started\n2026-11-28 10:00:01 WARN slow\n"
	long := strings.Repeat("x", formLineLimit)
	c := func(name, body string) formCase { return formCase{name, "boundary", body} }
	return []formCase{
		c("one file", part("file", "app.log", file)+closing),
		c("preamble", "This is a preamble.\r\nIt has two lines\n"+part("file", "app.log", file)+closing),
		c("epilogue", part("file", "app.log", file)+closing+"an epilogue\r\n"),
		c("garbage after the closing boundary", part("file", "app.log", file)+closing+"\x00\xff--boundary\r\n--boundary--"),
		c("LWSP after the boundaries", strings.Replace(part("file", "a.log", file), "--boundary\r\n", "--boundary \t \r\n", 1)+"--boundary-- \t\r\n"),
		c("text after the LWSP of a boundary line makes it preamble", strings.Replace(part("file", "a.log", file), "--boundary\r\n", "--boundary x\r\n", 1)+closing),
		c("LF only", strings.ReplaceAll(part("f", "", "v")+part("file", "a.log", file)+closing, "\r\n", "\n")),
		c("LF only with CRLF in the file", "--boundary\nContent-Disposition: form-data; name=\"file\"\n\na\r\nb\r\n--boundary\r\nc\n--boundary--\n"),
		c("CRLF then LF boundary lines", part("file", "a.log", "x")+"--boundary--\n"),
		c("LF after the first part", part("f", "", "v")+"--boundary\nContent-Disposition: form-data; name=\"file\"\n\nx\r\n"+closing),
		c("boundary-like text in the file", part("file", "a.log", "a\r\n--boundaryX\r\n--boundar\r\n--boundary-x\r\n--\r\n-\r\n\r\n")+closing),
		c("a boundary after a bare LF in a CRLF body", part("file", "a.log", "line\n--boundary\nmore\n--boundary--\n--boundary")+closing),
		c("boundary-like text at a buffer edge", part("file", "a.log", strings.Repeat("y", 4000)+"\r\n--boundar"+strings.Repeat("z", 200))+closing),
		c("boundary followed by a dash at the end", part("file", "a.log", "a")+"--boundary-"),
		c("boundary followed by a space ends a part", part("file", "a.log", "a\r\n--boundary tail")+closing),
		c("boundary followed by a tab", part("file", "a.log", "a\r\n--boundary\tx\r\n")+closing),
		c("boundary followed by a CR", part("file", "a.log", "a\r\n--boundary\rx")+closing),
		c("a boundary at the start of a body", "--boundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n--boundary\r\n\r\nx\r\n"+closing),
		c("a closing boundary at the start of a body", "--boundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n--boundary--\r\n"),
		c("boundary-like text at the start of a body", "--boundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n--boundaryX\r\n"+closing),
		c("an unexpected line after a part", "--boundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n--boundary\tjunk\r\n"+closing),
		c("expecting a new part", part("file", "a.log", "a")+"--boundary junk\r\n"+closing),
		c("empty file", part("file", "empty.log", "")+closing),
		c("file without a trailing newline", part("file", "a.log", "no newline")+closing),
		c("CRLF log file", part("file", "a.log", strings.Repeat("2026-11-28 INFO a line\r\n", 50))+closing),
		c("quoted-printable", "--boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"q.log\"\r\n"+
			"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft break=3D\r\n"+closing),
		c("broken quoted-printable, a small part", "--boundary\r\nContent-Disposition: form-data; name=\"notes\"\r\n"+
			"Content-Transfer-Encoding: Quoted-Printable\r\n\r\nbad \x01 byte, =ZZ\r\n"+part("file", "a.log", file)+closing),
		c("broken quoted-printable, a large part", "--boundary\r\nContent-Disposition: form-data; name=\"notes\"\r\n"+
			"Content-Transfer-Encoding: quoted-printable\r\n\r\nbad \x01 byte\r\n"+strings.Repeat("a note\r\n", 1000)+"\r\n"+part("file", "a.log", file)+closing),
		c("fields before and after the file", part("user", "", "alice")+part("file", "a.log", file)+part("comment", "", "hi")+closing),
		c("two file parts", part("file", "a.log", file)+part("file", "b.log", file)+closing),
		c("no file part", part("upload", "a.log", file)+closing),
		c("missing closing boundary", part("file", "a.log", file)),
		c("body ends after a boundary", part("file", "a.log", file)+"--boundary"),
		c("closing boundary without a newline", part("file", "a.log", file)+"--boundary--"),
		c("closing boundary with LWSP and no newline", part("file", "a.log", file)+"--boundary-- \t"),
		c("closing boundary with text after it", part("file", "a.log", file)+"--boundary--x\r\n"),
		c("truncated in the file", part("file", "a.log", file)[:130]),
		c("truncated in a boundary in the file", part("file", "a.log", file)[:len(part("file", "a.log", file))-6]),
		c("truncated in a header, which ends the parts", part("file", "a.log", file)[:40]),
		c("truncated after a boundary line", "--boundary\r\n"),
		c("truncated in the preamble", "a preamble line\r\n"),
		c("empty body", ""),
		c("only a closing boundary", closing),
		c("closing boundary in the preamble, LF", "--boundary--\n"+part("file", "a.log", file)+closing),
		c("a long preamble line", long+"\r\n"+part("file", "a.log", file)+closing),
		c("a preamble line one byte too long", long+"\n"+part("file", "a.log", file)+closing),
		c("a preamble line that just fits", long[:formLineLimit-1]+"\n"+part("file", "a.log", file)+closing),
		c("a boundary line with too much LWSP", "--boundary"+strings.Repeat(" ", formLineLimit)+"\r\n"+closing),
		c("a closing line at the end that is too long", part("file", "a.log", "x")+"--boundary--"+strings.Repeat(" ", formLineLimit-12)),
		c("a closing line at the end that just fits", part("file", "a.log", "x")+"--boundary--"+strings.Repeat(" ", formLineLimit-13)),
		c("a closing line that just fits", part("file", "a.log", "x")+"--boundary--"+strings.Repeat("\t", formLineLimit-14)+"\r\n"),
		c("a malformed header line", "--boundary\r\nno colon here\r\n\r\nx\r\n"+closing),
		c("a header starting with a space", "--boundary\r\n Content-Type: text/plain\r\n\r\nx\r\n"+closing),
		c("a continued header", "--boundary\r\nContent-Disposition: form-data;\r\n name=\"file\"\r\n \r\nX-A: b\r\n\r\nx\r\n"+closing),
		c("a header with LF line ends", "--boundary\r\nContent-Disposition: form-data; name=\"file\"\n\nx\r\n"+closing),
		c("too many header fields", "--boundary\r\n"+strings.Repeat("a:\n", formMaxHeaders+1)+"\r\nx\r\n"+closing),
		c("as many header fields as allowed", "--boundary\r\n"+strings.Repeat("a:\n", formMaxHeaders)+"\r\nx\r\n"+closing),
		c("a file name with a path", part("file", "../../etc/app.log", file)+closing),
		c("an attachment", "--boundary\r\nContent-Disposition: attachment; name=\"file\"; filename=\"a.log\"\r\n\r\nx\r\n"+closing),
		c("a disposition with bad parameters", "--boundary\r\nContent-Disposition: form-data; name=\"file\"; name=\"twice\"\r\n\r\nx\r\n"+closing),
		{"empty boundary", "", "--\r\n\r\nx\r\n----\r\n"},
		{"a boundary with spaces", "a b", "--a b\r\n\r\nx\r\n--a b--\r\n"},
	}
}

func TestFormReaderMatchesStdlibOnHandMadeBodies(t *testing.T) {
	for _, tc := range formCases() {
		t.Run(tc.name, func(t *testing.T) {
			matchesStdlib(t, tc.boundary, []byte(tc.body), []int{smallestFormBuffer, uploadBuffer}, chunkings)
		})
	}
}

// TestFormReaderMatchesStdlibAcrossItsBuffer reads files three times the
// smallest buffer, so that reads fill it, its unread bytes move to its
// front, and boundary-like text falls across its end, and a header almost
// as large as the header limit behind a part, so that the buffer fills
// before the header's end is in it.
func TestFormReaderMatchesStdlibAcrossItsBuffer(t *testing.T) {
	for _, near := range []string{"\r\n--boundary", "\r\n--boundar", "\r\n--boundary-", "\r", "\r\n-"} {
		var file strings.Builder
		for file.Len() < 3*smallestFormBuffer {
			file.WriteString(strings.Repeat("a line of the log\n", 40))
			file.WriteString(near)
			file.WriteString(strings.Repeat("q", file.Len()%29))
		}
		big := "--boundary\r\nX-Big: " + strings.Repeat("h", formHeaderLimit-100) + "\r\n\r\nlast\r\n"
		body := part("f", "", strings.Repeat("v", 10000)) + part("file", "a.log", file.String()) + big + closing
		for _, size := range []int{smallestFormBuffer, smallestFormBuffer + 1, smallestFormBuffer + 7} {
			t.Run(fmt.Sprintf("%q/%d", near, size), func(t *testing.T) {
				matchesStdlib(t, "boundary", []byte(body), []int{size}, largeChunkings)
			})
		}
	}
}

// TestFormReaderReadsTheFileInLargeReads: the file's reads are served from
// the large buffer, not 4 KiB at a time.
func TestFormReaderReadsTheFileInLargeReads(t *testing.T) {
	file := strings.Repeat("2026-11-28 10:00:00 INFO a line of the log\n", 20000)
	fr := newFormReader(strings.NewReader(part("file", "a.log", file)+closing), "boundary", uploadBuffer)
	p, err := fr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	n, err := p.Read(buf)
	if n < 200<<10 || err != nil {
		t.Errorf("first read of the file = %d bytes, %v; want most of the 256 KiB asked", n, err)
	}
}

// TestScanHoldsBackAPossibleBoundaryStart: what could begin a boundary at
// the end of the buffer waits for the next read; the rest is body.
func TestScanHoldsBackAPossibleBoundaryStart(t *testing.T) {
	nlDashBoundary := []byte("\r\n--boundary")
	for buf, want := range map[string]int{
		"abc\r\n--boundar":  3,
		"abc\r\n--boundary": 3,
		"abc\r\n-":          3,
		"abc\r":             3,
		"abc\r\n--boundarx": 15,
		"a\rbc":             4,
	} {
		if n, err := scanUntilBoundary([]byte(buf), nlDashBoundary[2:], nlDashBoundary, 1, nil); n != want || err != nil {
			t.Errorf("scan of %q = %d, %v; want %d bytes of body", buf, n, err, want)
		}
	}
}

// TestFormPartReturnsItsLastBytesWithEOF as multipart.Part does when its
// boundary is in the buffer: a quoted-printable decoder reading it then
// sees its end as it would with mime/multipart.
func TestFormPartReturnsItsLastBytesWithEOF(t *testing.T) {
	body := []byte(part("file", "a.log", "a short file\n") + closing)
	firstRead := func(next nextPart) string {
		_, p, err := next()
		if err != nil {
			t.Fatal(err)
		}
		n, err := p.Read(make([]byte, 100))
		return fmt.Sprint(n, " ", err)
	}
	want := firstRead(stdlibParts(bytes.NewReader(body), "boundary"))
	if got := firstRead(formParts(bytes.NewReader(body), "boundary", uploadBuffer)); got != want {
		t.Errorf("first read = %s, want %s as mime/multipart", got, want)
	}
}

func TestFormReaderRefusesAnOversizedHeader(t *testing.T) {
	body := "--boundary\r\nX-Big: " + strings.Repeat("v", formHeaderLimit) + "\r\n\r\nx\r\n" + closing
	_, err := newFormReader(strings.NewReader(body), "boundary", uploadBuffer).NextPart()
	if err == nil || !strings.Contains(err.Error(), "malformed multipart body: a part's header runs over 65536 bytes") {
		t.Errorf("NextPart = %v, want the header refused", err)
	}
}

func TestFormReaderRefusesAnOverlongBoundary(t *testing.T) {
	boundary := strings.Repeat("b", formMaxBoundary+1)
	body := "--" + boundary + "\r\n\r\nx\r\n--" + boundary + "--\r\n"
	_, err := newFormReader(strings.NewReader(body), boundary, uploadBuffer).NextPart()
	if err == nil || !strings.Contains(err.Error(), "at most 4090") {
		t.Errorf("NextPart = %v, want the boundary refused", err)
	}
}

// TestFormReaderGivesUpOnABodyThatBringsNothing: like bufio.Reader, and so
// mime/multipart, it fails with io.ErrNoProgress rather than spin.
func TestFormReaderGivesUpOnABodyThatBringsNothing(t *testing.T) {
	_, err := newFormReader(iotest.ErrReader(nil), "boundary", uploadBuffer).NextPart()
	if err != io.ErrNoProgress {
		t.Errorf("NextPart = %v, want io.ErrNoProgress", err)
	}
	_, err = multipart.NewReader(iotest.ErrReader(nil), "boundary").NextPart()
	if !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("mime/multipart's NextPart = %v, want io.ErrNoProgress", err)
	}
}

// TestFormReaderSkipsABrokenQuotedPrintablePartToItsBoundary: a part
// skipped unread is skipped whole, whatever its encoding holds and however
// the body arrives. (mime/multipart reads it through its decoder, which
// stops at the broken byte, and then reads the rest as boundary lines.)
func TestFormReaderSkipsABrokenQuotedPrintablePartToItsBoundary(t *testing.T) {
	body := "--boundary\r\nContent-Disposition: form-data; name=\"notes\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"bad \x01 byte\r\n" + strings.Repeat("a note\r\n", 1000) + "\r\n" + part("file", "a.log", "x") + closing
	for _, c := range chunkings {
		got, err := trace(formParts(c.wrap([]byte(body)), "boundary", smallestFormBuffer), readModes[2])
		if err != nil || len(got.Parts) != 2 || got.Parts[1].Body != "x" {
			t.Errorf("%s: %+v, %v; want the notes skipped and the file read", c.name, got, err)
		}
	}
}

// TestFormReaderPassesBodyErrorsOn: an error of the request's body reaches
// the caller unchanged, wherever the body breaks, so that bodyError still
// tells a body too large (413) or stalled (408) from a broken one. (A body
// that ends early is compared with mime/multipart's answers above.)
func TestFormReaderPassesBodyErrorsOn(t *testing.T) {
	body := "preamble\r\n" + part("f", "", "v") + part("file", "a.log", strings.Repeat("line\n", 300)) + part("g", "", "w") + closing
	for _, cause := range []error{&http.MaxBytesError{Limit: 100}, errors.New("the upload stalled")} {
		for _, mode := range readModes {
			for cut := range len(body) {
				src := io.MultiReader(strings.NewReader(body[:cut]), iotest.ErrReader(cause))
				if _, err := trace(formParts(src, "boundary", smallestFormBuffer), mode); err != cause {
					t.Fatalf("%s: body cut after %d bytes by %v: error %v, want it unchanged", mode.name, cut, cause, err)
				}
			}
		}
	}
}

// writerBodies are bodies as multipart.Writer writes them, with the
// boundary "boundary".
func writerBodies(t testing.TB) [][]byte {
	files := []string{"", "one line\n", "no newline", "a\r\n--boundary\r\nb\r\n--boundar", strings.Repeat("2026-11-28 INFO x\r\n", 300)}
	var bodies [][]byte
	for _, file := range files {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.SetBoundary("boundary"); err != nil {
			t.Fatal(err)
		}
		mw.WriteField("user", "alice")
		fw, _ := mw.CreateFormFile("file", "app.log")
		io.WriteString(fw, file)
		mw.WriteField("comment", "after")
		mw.Close()
		bodies = append(bodies, buf.Bytes())
	}
	return bodies
}

// FuzzFormReaderMatchesStdlib checks formReader against mime/multipart on
// any body and boundary: the same parts, headers, names and bytes, and the
// same bodies refused (see matchesStdlib for where they may differ).
//
//	go test -run '^$' -fuzz FuzzFormReaderMatchesStdlib -fuzztime 5m ./http/
func FuzzFormReaderMatchesStdlib(f *testing.F) {
	for _, tc := range formCases() {
		f.Add(tc.boundary, []byte(tc.body))
	}
	for _, body := range writerBodies(f) {
		f.Add("boundary", body)
	}
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if len(boundary) > formMaxBoundary {
			t.Skip("formReader refuses a boundary this long; mime/multipart's answers depend on its reads")
		}
		matchesStdlib(t, boundary, body, []int{smallestFormBuffer}, chunkings)
	})
}

// hdfsLikeForm returns a form whose file part is about size bytes of a
// repeated HDFS-like log line, sent as curl sends it, and the file's
// offsets in it.
func hdfsLikeForm(tb testing.TB, size int) (body []byte, boundary string, start, end int) {
	tb.Helper()
	line := "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating\n"
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "hdfs.log")
	if err != nil {
		tb.Fatal(err)
	}
	start = buf.Len()
	io.WriteString(fw, strings.Repeat(line, size/len(line)))
	end = buf.Len()
	mw.Close()
	return buf.Bytes(), mw.Boundary(), start, end
}

// discardWriter is io.Discard without its ReadFrom, so that a copy reads
// as the blob store's does, 32 KiB at a time.
type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkFormFile reads the file part of a 143 MB form with
// mime/multipart (behind the 1 MiB buffer the upload used to read it
// through) and with formReader, and the same bytes as a raw body, in reads
// of 32 KiB as the blob store makes them.
//
//	go test -run '^$' -bench FormFile ./http/
func BenchmarkFormFile(b *testing.B) {
	body, boundary, start, end := hdfsLikeForm(b, 143_000_000)
	for _, r := range []struct {
		name string
		open func() (io.Reader, error)
	}{
		{"mime-multipart", func() (io.Reader, error) {
			return multipart.NewReader(bufio.NewReaderSize(bytes.NewReader(body), uploadBuffer), boundary).NextPart()
		}},
		{"formReader", func() (io.Reader, error) {
			return newFormReader(bytes.NewReader(body), boundary, uploadBuffer).NextPart()
		}},
		{"raw", func() (io.Reader, error) {
			return struct{ io.Reader }{bufio.NewReaderSize(bytes.NewReader(body[start:end]), uploadBuffer)}, nil
		}},
	} {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(end - start))
			buf := make([]byte, 32<<10)
			for b.Loop() {
				f, err := r.open()
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(discardWriter{}, f, buf)
				if err != nil || n != int64(end-start) {
					b.Fatalf("read %d bytes of %d: %v", n, end-start, err)
				}
			}
		})
	}
}
