package analysis

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAnalyzeEmptyInputEmitsNothing(t *testing.T) {
	chunks, sum := analyzeString(t, "", Options{})
	if len(chunks) != 0 || sum.Lines != 0 || sum.Entries != 0 {
		t.Fatalf("empty input: %d chunks, summary %+v", len(chunks), sum)
	}
}

func TestAnalyzeRefusesInput(t *testing.T) {
	var zipped bytes.Buffer
	zipped.WriteString("PK\x03\x04rest of a zip archive")
	tests := []struct {
		name, input, reason string
	}{
		{"binary", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00" + strings.Repeat("\x00\x01\x02", 100), "binary"},
		{"utf16", "\xff\xfeh\x00e\x00l\x00l\x00o\x00", "UTF-16"},
		{"zip", zipped.String(), "zip"},
		{"corrupt gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffnot deflate data at all", "gzip"},
		{"gzip of nothing", string(gzipped(t, func(io.Writer) {})), "no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), strings.NewReader(tt.input), Options{}, func(*Chunk) error { return nil })
			var inErr *InputError
			if !errors.As(err, &inErr) || !strings.Contains(inErr.Reason, tt.reason) {
				t.Fatalf("err = %v, want an InputError mentioning %q", err, tt.reason)
			}
		})
	}
}

func TestAnalyzeInvalidUTF8AndCRLF(t *testing.T) {
	text := "2024-01-01 10:00:00 ERROR db: bad byte \xff\xfe in row 1\r\n" +
		"2024-01-01 10:00:01 INFO db: ok\r\n" +
		"2024-01-01 10:00:02 ERROR db: bad byte \xc3 in row 2\r\n"
	_, sum := analyzeString(t, text, Options{})
	if sum.Lines != 3 || sum.Levels[LevelError] != 2 || sum.Levels[LevelInfo] != 1 {
		t.Fatalf("lines %d levels %v", sum.Lines, sum.Levels)
	}
	if len(sum.ErrorGroups) != 1 || sum.ErrorGroups[0].Count != 2 {
		t.Fatalf("error groups %+v, want one group of two", sum.ErrorGroups)
	}
	g := sum.ErrorGroups[0]
	if strings.Contains(g.Sample, "\r") || !strings.Contains(g.Sample, "\uFFFD") {
		t.Errorf("sample %q: want no CR and invalid bytes replaced", g.Sample)
	}
	if g.Template != "bad byte <*> in row <*>" {
		t.Errorf("template %q", g.Template)
	}
}

func TestAnalyzeTruncatesHugeLineWithBoundedMemory(t *testing.T) {
	const size = 50 << 20
	in := io.MultiReader(strings.NewReader("2024-01-01 10:00:00 INFO app: start\n"),
		&repeatReader{pattern: []byte("2024-01-01 10:00:01 WARN app: huge "), n: size},
		strings.NewReader("\n2024-01-01 10:00:02 INFO app: end\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, sum := analyzeReader(t, in, Options{})
	runtime.ReadMemStats(&after)
	if sum.Lines != 3 || sum.Truncated != 1 {
		t.Fatalf("lines %d truncated %d, want 3 and 1", sum.Lines, sum.Truncated)
	}
	if sum.Bytes < size {
		t.Errorf("bytes %d, want at least %d", sum.Bytes, size)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("allocated %d MiB for a 50 MiB line, want a bounded amount", grew>>20)
	}
}

func gzipped(t testing.TB, w func(io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAnalyzeGzip(t *testing.T) {
	data := generatedLog(3000, 7)
	gz := gzipped(t, func(w io.Writer) { w.Write(data) })
	_, plain := analyzeReader(t, bytes.NewReader(data), Options{})
	chunks, zipped := analyzeReader(t, bytes.NewReader(gz), Options{ChunkLines: 1000})
	if zipped.Lines != plain.Lines || zipped.Entries != plain.Entries || zipped.Bytes != int64(len(data)) {
		t.Fatalf("gzip: lines %d entries %d bytes %d; plain: %d %d %d", zipped.Lines, zipped.Entries, zipped.Bytes,
			plain.Lines, plain.Entries, len(data))
	}
	last := chunks[len(chunks)-1]
	if last.BytesRead != int64(len(gz)) || zipped.BytesRead != int64(len(gz)) {
		t.Errorf("bytes read %d (summary %d), want the compressed size %d", last.BytesRead, zipped.BytesRead, len(gz))
	}
}

func TestAnalyzeRefusesGzipBomb(t *testing.T) {
	line := []byte("2024-01-01 10:00:00 INFO app: the same line again and again\n")
	bomb := gzipped(t, func(w io.Writer) {
		for range 200_000 { // 12 MB of text that compresses about 300 times
			w.Write(line)
		}
	})
	_, err := Analyze(context.Background(), bytes.NewReader(bomb), Options{MaxGzipRatio: 20}, func(*Chunk) error { return nil })
	var inErr *InputError
	if !errors.As(err, &inErr) || !strings.Contains(inErr.Reason, "gzip bomb") {
		t.Fatalf("err = %v, want an InputError about a gzip bomb", err)
	}
}

func TestAnalyzeTruncatedGzip(t *testing.T) {
	gz := gzipped(t, func(w io.Writer) { w.Write(generatedLog(2000, 3)) })
	_, err := Analyze(context.Background(), bytes.NewReader(gz[:len(gz)/2]), Options{}, func(*Chunk) error { return nil })
	var inErr *InputError
	if !errors.As(err, &inErr) {
		t.Fatalf("err = %v, want an InputError for truncated gzip", err)
	}
}

func TestAnalyzeBoundsTemplates(t *testing.T) {
	var b strings.Builder
	for i := range 20_000 {
		// Every line is a new template: the words are made of letters only.
		fmt.Fprintf(&b, "2024-01-01 10:00:00 INFO app: event %s happened to %s\n", letters(i), letters(i*7+3))
	}
	_, sum := analyzeString(t, b.String(), Options{MaxTemplates: 500})
	if sum.Templates != 501 || sum.Entries != 20_000 {
		t.Fatalf("templates %d entries %d, want 500 and an overflow", sum.Templates, sum.Entries)
	}
}

// letters spells n in base 26 with letters.
func letters(n int) string {
	s := []byte{'q'}
	for ; n > 0; n /= 26 {
		s = append(s, byte('a'+n%26))
	}
	return string(s)
}

func TestAnalyzeBoundsErrorGroups(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "2024-01-01 10:00:00 ERROR app: failure %s in module %s\n", letters(i), letters(i+100))
	}
	_, sum := analyzeString(t, b.String(), Options{MaxErrorGroups: 5})
	last := sum.ErrorGroups[len(sum.ErrorGroups)-1]
	if len(sum.ErrorGroups) != 6 || sum.ErrorGroups[0].ID != overflowGroup || sum.ErrorGroups[0].Count != 25 {
		t.Fatalf("%d groups, first %+v last %+v: want 5 and an overflow of 25", len(sum.ErrorGroups), sum.ErrorGroups[0], last)
	}
}

// A gzip file is decompressed ahead of the analysis, in blocks: the text,
// every count and the chunks' ends must be those of the plain file, the
// compressed offsets must grow to the file's size, and a file of several
// gzip members (as `cat a.gz b.gz` makes) reads as their texts joined.
func TestGzipDecodedAheadReadsAsThePlainText(t *testing.T) {
	first, second := generatedLog(30_000, 11), generatedLog(20_000, 12) // several blocks each
	data := append(append([]byte(nil), first...), second...)
	gz := append(gzipped(t, func(w io.Writer) { w.Write(first) }), gzipped(t, func(w io.Writer) { w.Write(second) })...)
	if len(data) < 4*aheadBlockBytes {
		t.Fatalf("the text is %d bytes, want several blocks of %d", len(data), aheadBlockBytes)
	}
	opts := Options{ChunkLines: 5000}
	plainChunks, plain := analyzeReader(t, bytes.NewReader(data), opts)
	zippedChunks, zipped := analyzeReader(t, bytes.NewReader(gz), opts)
	if len(zippedChunks) != len(plainChunks) || len(plainChunks) < 5 {
		t.Fatalf("gzip cut %d chunks, plain %d", len(zippedChunks), len(plainChunks))
	}
	var last int64
	for i, c := range zippedChunks {
		if c.BytesRead < last || c.BytesRead > int64(len(gz)) {
			t.Fatalf("chunk %d ends at compressed byte %d after %d, of %d", i, c.BytesRead, last, len(gz))
		}
		last = c.BytesRead
		p := *plainChunks[i]
		p.BytesRead = c.BytesRead
		if diff := cmp.Diff(&p, c); diff != "" {
			t.Fatalf("chunk %d differs from the plain file's (-plain +gzip):\n%s", i, diff)
		}
	}
	if last != int64(len(gz)) || zipped.BytesRead != int64(len(gz)) {
		t.Errorf("read %d (summary %d) of a compressed file of %d bytes", last, zipped.BytesRead, len(gz))
	}
	zipped.BytesRead = plain.BytesRead
	if diff := cmp.Diff(plain, zipped); diff != "" {
		t.Errorf("the summary differs (-plain +gzip):\n%s", diff)
	}
}

// A reading that stops early (a part's head, a plan, an emit that failed)
// stops the goroutine decompressing ahead, which would otherwise wait
// forever to hand over its next block.
func TestGzipDecoderStopsWithTheReading(t *testing.T) {
	text := generatedLog(50_000, 5)
	gz := gzipped(t, func(w io.Writer) { w.Write(text) })
	src, err := openSource(bytes.NewReader(gz), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.text.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	src.close()
	src.close() // twice is harmless
	select {
	case <-src.ahead.done:
	case <-time.After(time.Minute): // not a time limit: a goroutine that never ends fails instead of hanging the suite
		t.Fatal("the goroutine decompressing ahead did not stop")
	}

	// Each way the engine reads a file and stops before its end.
	stop := errors.New("stop")
	for name, read := range map[string]func() error{
		"an emit that fails": func() error {
			_, err := Analyze(context.Background(), bytes.NewReader(gz), Options{ChunkLines: 1000},
				func(*Chunk) error { return stop })
			if !errors.Is(err, stop) {
				return fmt.Errorf("err = %v, want the emit's", err)
			}
			return nil
		},
		"a plan": func() error {
			parts, err := PlanParts(context.Background(), bytes.NewReader(gz), int64(len(gz)), 1<<16, Options{})
			if err != nil || len(parts) != 1 {
				return fmt.Errorf("planned %d parts, err %v: want the file whole", len(parts), err)
			}
			return nil
		},
		"a part's head": func() error {
			_, err := AnalyzePart(context.Background(), bytes.NewReader(gz), bytes.NewReader(text),
				Part{Length: int64(len(text)), FirstLine: 1}, Options{}, func(*Chunk) error { return nil })
			if err == nil {
				return errors.New("a part of a gzip file was analysed")
			}
			return nil
		},
		"a parse that fails": func() error {
			err := Parse(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(gz)), nil },
				Options{}, func(Row) error { return stop })
			if !errors.Is(err, stop) {
				return fmt.Errorf("err = %v, want the emit's", err)
			}
			return nil
		},
	} {
		before := runtime.NumGoroutine()
		if err := read(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for deadline := time.Now().Add(time.Minute); runtime.NumGoroutine() > before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) { // as above, only against a hang
				t.Fatalf("%s: %d goroutines left running, %d before", name, runtime.NumGoroutine(), before)
			}
		}
	}
}

// panicAfter reads r and panics at its second read, which for a file of
// more than the source's 64 KiB buffer comes from the goroutine that
// decompresses ahead.
type panicAfter struct {
	r     io.Reader
	reads int
}

func (p *panicAfter) Read(b []byte) (int, error) {
	if p.reads++; p.reads > 1 {
		panic("the reader broke")
	}
	return p.r.Read(b)
}

// A panic in the goroutine decompressing ahead is no caller's to recover: it
// ends the input with an error, not the process.
func TestAPanicDecompressingAheadIsAnError(t *testing.T) {
	gz := gzipped(t, func(w io.Writer) { w.Write(generatedLog(50_000, 9)) })
	if len(gz) < 256<<10 {
		t.Fatalf("the gzip file is %d bytes, want more than the source's first read", len(gz))
	}
	_, err := Analyze(context.Background(), &panicAfter{r: bytes.NewReader(gz)}, Options{}, func(*Chunk) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "the reader broke") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}

// A gzip file damaged anywhere (its deflate data, its checksum, its length)
// is refused as input, not failed as an error a retry could help.
func TestAnalyzeCorruptGzip(t *testing.T) {
	gz := gzipped(t, func(w io.Writer) { w.Write(generatedLog(20_000, 4)) })
	for _, at := range []int{len(gz) / 3, len(gz) / 2, len(gz) - 12, len(gz) - 6, len(gz) - 2} {
		bad := bytes.Clone(gz)
		bad[at] ^= 0x5a
		_, err := Analyze(context.Background(), bytes.NewReader(bad), Options{}, func(*Chunk) error { return nil })
		var inErr *InputError
		if !errors.As(err, &inErr) {
			t.Errorf("a byte changed at %d of %d: err = %v, want an InputError", at, len(gz), err)
		}
	}
}
