package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/logproc/logproc/domain/analysis"
)

const sampleLog = `2024-01-01 10:00:00,001 INFO  [main] com.acme.App: started in 812 ms
2024-01-01 10:00:01,002 WARN  [main] com.acme.Db: slow query took 5400 ms
2024-01-01 10:00:02,003 ERROR [main] com.acme.Api: request 17 failed from 10.0.0.7
java.lang.IllegalStateException: order 17 is locked
	at com.acme.orders.OrderService.lock(OrderService.java:142)
	at com.acme.api.OrderController.post(OrderController.java:51)
2024-01-01 10:00:03,004 INFO  [main] com.acme.App: started in 790 ms
`

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunAnalyzePrintsSummary(t *testing.T) {
	path := writeTemp(t, sampleLog)
	var out, errOut bytes.Buffer
	if err := runAnalyze(context.Background(), []string{path}, &out, &errOut); err != nil {
		t.Fatalf("runAnalyze: %v (%s)", err, errOut.String())
	}
	for _, want := range []string{"7 lines, 4 entries", "INFO", "50.0%", "java.lang.IllegalStateException: request <*> failed from <*>",
		"2024-01-01 10:00:00 UTC .. 2024-01-01 10:00:03 UTC", "note: zone missing: assumed UTC", "10.0.0.7 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunAnalyzeJSONAndKeywords(t *testing.T) {
	path := writeTemp(t, sampleLog)
	t.Setenv("KEYWORDS", "locked, slow")
	var out bytes.Buffer
	if err := runAnalyze(context.Background(), []string{path, "--json"}, &out, &out); err != nil {
		t.Fatalf("runAnalyze: %v", err)
	}
	var sum summaryView
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("decode %s: %v", out.String(), err)
	}
	keywords := []analysis.NameCount{{Name: "locked", Count: 1}, {Name: "slow", Count: 1}}
	if sum.Entries != 4 || !slices.Equal(sum.Keywords, keywords) || sum.ErrorGroups != 1 || len(sum.TopErrorGroups) != 1 {
		t.Errorf("summary: entries %d keywords %v groups %d %v", sum.Entries, sum.Keywords, sum.ErrorGroups, sum.TopErrorGroups)
	}
}

func TestRunAnalyzeErrors(t *testing.T) {
	binary := writeTemp(t, "\x00\x01\x02\x03binary\x00\x00\x00")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "want exactly one FILE"},
		{"missing file", []string{filepath.Join(t.TempDir(), "none.log")}, "no such file"},
		{"binary", []string{binary}, "looks binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runAnalyze(context.Background(), tt.args, &out, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestRunParseCSVAndJSONL(t *testing.T) {
	path := writeTemp(t, sampleLog)
	var out bytes.Buffer
	if err := runParse(context.Background(), []string{path}, &out, &out); err != nil {
		t.Fatalf("runParse: %v", err)
	}
	records, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 5 || strings.Join(records[0], ",") != "LineId,Timestamp,Level,Component,Content,EventId,EventTemplate" {
		t.Fatalf("csv: %q", records)
	}
	if first, last := records[1], records[4]; first[6] != "started in <*> ms" || first[5] != last[5] || last[0] != "7" {
		t.Errorf("rows 1 and 4: %q / %q", first, last)
	}
	jsonl := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := runParse(context.Background(), []string{"--format", "jsonl", path, "--out", jsonl}, &out, &out); err != nil {
		t.Fatalf("runParse jsonl: %v", err)
	}
	raw, _ := os.ReadFile(jsonl)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var row analysis.Row
	if err := json.Unmarshal([]byte(lines[2]), &row); err != nil || len(lines) != 4 || row.Level != analysis.LevelError ||
		!strings.Contains(row.Content, "OrderService.lock") {
		t.Errorf("jsonl: %d lines, row 3 %+v (%v)", len(lines), row, err)
	}
}

func TestRunParseReadsStdin(t *testing.T) {
	path := writeTemp(t, sampleLog)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	var out bytes.Buffer
	if err := runParse(context.Background(), []string{"-", "--format", "jsonl"}, &out, &out); err != nil {
		t.Fatalf("runParse: %v", err)
	}
	if n := strings.Count(out.String(), "\n"); n != 4 {
		t.Errorf("%d rows from stdin, want 4:\n%s", n, out.String())
	}
}

func TestRunParseRejectsFormat(t *testing.T) {
	var out bytes.Buffer
	err := runParse(context.Background(), []string{writeTemp(t, sampleLog), "--format", "xml"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "csv or jsonl") {
		t.Fatalf("err = %v", err)
	}
}
