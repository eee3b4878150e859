package analysis

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every minute of a chunk's timeline splits its count by level, entries
// without a level included, and the summary's timeline does the same once
// it has doubled its buckets.
func TestTimelineLevels(t *testing.T) {
	var b strings.Builder
	want := map[int64]LevelCounts{} // by minute since the epoch
	levels := []string{"INFO", "WARN", "ERROR", "DEBUG", "", "FATAL", "TRACE"}
	codes := []levelCode{codeInfo, codeWarn, codeError, codeDebug, codeNone, codeFatal, codeTrace}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30_000 {
		at := start.Add(time.Duration(i) * 23 * time.Second) // 11,500 minutes: past a week of buckets
		k := i % len(levels)
		level := ""
		if levels[k] != "" {
			level = fmt.Sprintf(`"level":%q,`, levels[k])
		}
		fmt.Fprintf(&b, `{"ts":%q,%s"msg":"step %d done"}`+"\n", at.Format(time.RFC3339), level, i)
		lc := want[at.Unix()/60]
		lc[codes[k]]++
		want[at.Unix()/60] = lc
	}
	chunks, sum := analyzeString(t, b.String(), Options{ChunkLines: 5000})
	got := map[int64]LevelCounts{}
	for _, c := range chunks {
		for _, m := range c.Timeline {
			if m.Count != m.Levels.total() {
				t.Fatalf("chunk %d, minute %v: count %d, levels %v add up to %d", c.Index, m.Minute, m.Count, m.Levels, m.Levels.total())
			}
			lc := got[m.Minute.Unix()/60]
			lc.add(&m.Levels)
			got[m.Minute.Unix()/60] = lc
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunk timelines hold %d minutes, want %d, or their level counts differ", len(got), len(want))
	}
	if sum.TimelineStep != 2*time.Minute {
		t.Fatalf("summary step %v, want 2m", sum.TimelineStep)
	}
	var total LevelCounts
	for _, m := range sum.Timeline {
		if m.Count != m.Levels.total() {
			t.Fatalf("summary bucket %v: count %d, levels add up to %d", m.Minute, m.Count, m.Levels.total())
		}
		total.add(&m.Levels)
	}
	if n := total.Of(LevelNone); n == 0 || total.total() != 30_000 || total.Map()[LevelError] != sum.Levels[LevelError] {
		t.Errorf("summary timeline levels %v (none %d); want 30,000 entries as in %v", total.Map(), n, sum.Levels)
	}
}

func TestLevelCountsJSON(t *testing.T) {
	var lc LevelCounts
	lc[codeNone], lc[codeWarn] = 2, 5
	b, err := json.Marshal(MinuteCount{Minute: time.Unix(60, 0).UTC(), Count: 7, Levels: lc})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"minute":"1970-01-01T00:01:00Z","count":7,"levels":{"":2,"WARN":5}}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var back MinuteCount
	if err := json.Unmarshal(b, &back); err != nil || back.Levels != lc || back.Levels.Of(LevelWarn) != 5 {
		t.Errorf("read back %+v (%v)", back, err)
	}
}
