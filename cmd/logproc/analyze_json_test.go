package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	lphttp "github.com/logproc/logproc/http"
)

// TestAnalyzeJSONUsesTheAPIsNames: `analyze --json` gives each fact the
// name and the shape the API's job view gives it (the JobStats schema of
// the API's document); only the facts a job's view lacks have names of
// their own.
func TestAnalyzeJSONUsesTheAPIsNames(t *testing.T) {
	tooLong := "2024-01-01 10:00:04,005 INFO  [main] com.acme.App: " + strings.Repeat("x", 1<<20+1) + "\n"
	path := writeTemp(t, sampleLog+tooLong)
	t.Setenv("KEYWORDS", "locked, slow")
	var out bytes.Buffer
	if err := runAnalyze(context.Background(), []string{"--json", path}, &out, &out); err != nil {
		t.Fatalf("runAnalyze: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("decode %.2000s: %v", out.String(), err)
	}
	job := jobStatsSchema(t)
	own := []string{"stack_traces", "templates", "timeline_step_seconds"}
	for key, value := range got {
		prop := job.Properties[key]
		switch {
		case slices.Contains(own, key):
		case prop == nil:
			t.Errorf("%q is not a name of the API's job view", key)
		default:
			if err := prop.Value.VisitJSON(value); err != nil {
				t.Errorf("%q is not shaped as in the API's job view: %v", key, err)
			}
		}
	}
	for _, key := range []string{"analyzer_version", "format", "chunks", "lines", "entries", "analysed_bytes",
		"bytes_read", "levels", "errors", "error_groups", "truncated_lines", "min_time", "max_time",
		"time_assumption", "keywords", "components", "top_ips", "distinct_ips", "top_error_groups", "timeline"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %q in the JSON", key)
		}
	}
}

func jobStatsSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(lphttp.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["JobStats"]
	if ref == nil {
		t.Fatal("no JobStats schema in the API's document")
	}
	return ref.Value
}
