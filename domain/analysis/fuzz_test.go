package analysis

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzAnalyze feeds arbitrary bytes to Analyze and Parse and checks that
// neither panics and that their counts agree. Lines are capped small so
// memory stays bounded whatever the input:
//
//	go test ./domain/analysis -run '^$' -fuzz FuzzAnalyze -fuzztime 60s
func FuzzAnalyze(f *testing.F) {
	for _, tc := range layoutCases {
		f.Add([]byte(joinLines(tc.lines...)))
	}
	f.Add([]byte(javaTrace("2024-01-01 10:00:00", "java.lang.IllegalStateException", 1)))
	f.Add([]byte(pythonTrace("2024-01-01 10:00:00", "ValueError", 2)))
	f.Add([]byte(`{"level":"info","msg":"x \u00e9 \"q\"","ts":1714557602.5}` + "\n{\"level\":30}\n{"))
	f.Add([]byte("time=2024-05-01T10:00:00Z level=warn msg=\"a b\" k=\n"))
	f.Add([]byte("level=info msg=hello trailing\n"))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
	f.Add([]byte("[\x00\xff] \r\n\r\n\t\t\n" + string(bytes.Repeat([]byte("a"), 5000))))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{ChunkLines: 7, MaxLineBytes: 256, MaxEntryLines: 5, MaxEntryBytes: 512, MaxTemplates: 50,
			MaxErrorGroups: 10, SampleLines: 20, AssumeYear: 2024}
		var lines, entries int64
		sum, err := Analyze(context.Background(), bytes.NewReader(data), opts, func(c *Chunk) error {
			lines, entries = lines+c.Lines, entries+c.Entries
			return nil
		})
		var inErr *InputError
		if errors.As(err, &inErr) {
			return
		}
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		checkSummary(t, sum, lines, entries)
		var rows int64
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		if err := Parse(context.Background(), open, opts, func(Row) error { rows++; return nil }); err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if rows != sum.Entries {
			t.Fatalf("Parse gave %d rows for %d entries", rows, sum.Entries)
		}
		if isGzip(data) || len(data) == 0 { // a gzip file of no text is refused
			return
		}
		// The same text gzip-compressed, decompressed ahead of the
		// analysis, reads the same but for the bytes it consumed.
		gz := gzipped(t, func(w io.Writer) { w.Write(data) })
		zsum, err := Analyze(context.Background(), bytes.NewReader(gz), opts, func(*Chunk) error { return nil })
		if err != nil {
			t.Fatalf("Analyze of the text gzip-compressed: %v", err)
		}
		zsum.BytesRead = sum.BytesRead
		if diff := cmp.Diff(sum, zsum); diff != "" {
			t.Fatalf("the text gzip-compressed reads otherwise (-plain +gzip):\n%s", diff)
		}
	})
}

func checkSummary(t *testing.T, sum *Summary, lines, entries int64) {
	t.Helper()
	var leveled int64
	for _, n := range sum.Levels {
		leveled += n
	}
	if sum.Lines != lines || sum.Entries != entries || leveled != entries || entries > lines || sum.Templates > 51 {
		t.Fatalf("summary %d lines %d entries %d leveled %d templates; chunks %d lines %d entries",
			sum.Lines, sum.Entries, leveled, sum.Templates, lines, entries)
	}
}
