package events

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// TestDecodersAgree checks that the fast decoder reads every event type as
// encoding/json does, for payloads with every field set and with none.
func TestDecodersAgree(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	full := []Payload{
		&JobSubmitted{JobID: uuid.New(), Owner: "ö", FileName: "a \"b\".log", Size: 1 << 40, SHA256: "ab",
			BlobKey: "k", ContentType: "text/plain", Options: JobOptions{ChunkLines: 7}, SubmittedAt: at},
		&JobStarted{Attempt: 2, Worker: "w:1", At: at},
		&LinesParsed{Chunk: 3, FirstLine: 1, LastLine: 9, BytesRead: 90, Counts: Counts{Lines: 9, Entries: 8,
			Bytes: 100, Levels: map[string]int64{"INFO": 1, "NONE": 2}, ErrorLike: 1, Truncated: 2}, Format: "text: \\t",
			MinTime: &at, MaxTime: &at, Timeline: []MinuteCount{{Minute: at, Count: 3, Levels: map[string]int64{"INFO": 1, "NONE": 2}}},
			Keywords: map[string]int64{"error": 1}, Components: map[string]int64{"a/b": 2},
			IPs: map[string]int64{"::1": 3}, DistinctIPs: 4, TimeAssumption: "year missing"},
		&ErrorsDetected{Chunk: 1, Groups: []ErrorGroup{{ID: "E1", Template: "x <*> \u2028", Level: "ERROR",
			Exception: "java.io.IOException", Count: 2, FirstLine: 1, LastLine: 2, FirstTime: &at, LastTime: &at,
			Sample: "line\nat a.b(C.java:1)\t\x01"}}},
		&JobCompleted{Chunks: 1, Lines: 2, Entries: 3, Bytes: 4, DurationMS: 5, AnalyzerVersion: "2.0.0", At: at},
		&JobFailed{Reason: "gone", Code: "not_found", Attempt: 1, Retryable: true, At: at},
	}
	for _, p := range full {
		s := schemas[p.EventType()]
		for _, data := range []json.RawMessage{mustMarshal(t, p), json.RawMessage(`{}`)} {
			std, fast := s.empty(), s.empty()
			if err := json.Unmarshal(data, std); err != nil {
				t.Fatal(err)
			}
			if err := unmarshal(data, fast); err != nil {
				t.Fatalf("%s: %v", p.EventType(), err)
			}
			if diff := cmp.Diff(std, fast); diff != "" {
				t.Errorf("%s %s decodes differently (-encoding/json +fast):\n%s", p.EventType(), data, diff)
			}
		}
	}
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
