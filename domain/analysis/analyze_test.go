package analysis

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAnalyzeCountsLevelsOfAPlainLog(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		level := "INFO"
		if i%25 == 0 {
			level = "WARN"
		}
		b.WriteString("081109 2036" + twoDigits(i%60) + " 148 " + level + " dfs.DataNode: block blk_" + twoDigits(i) + " served\n")
	}
	chunks, sum := analyzeString(t, b.String(), Options{})
	want := map[Level]int64{LevelInfo: 96, LevelWarn: 4}
	if !reflect.DeepEqual(sum.Levels, want) || len(chunks) != 1 || !reflect.DeepEqual(chunks[0].Levels, want) {
		t.Fatalf("levels %v (chunk %v), want %v", sum.Levels, chunks[0].Levels, want)
	}
	if sum.Templates != 1 || sum.Components[0] != (NameCount{"dfs.DataNode", 100}) {
		t.Errorf("templates %d components %v", sum.Templates, sum.Components)
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

func TestChunksEndAtEntryBoundaries(t *testing.T) {
	data := generatedLog(5000, 11)
	chunks, sum := analyzeReader(t, bytes.NewReader(data), Options{ChunkLines: 1000})
	var lines, entries, size int64
	for i, c := range chunks {
		if c.Index != i || c.FirstLine != lines+1 || c.LastLine != lines+c.Lines {
			t.Fatalf("chunk %d: index %d lines %d-%d after %d lines", i, c.Index, c.FirstLine, c.LastLine, lines)
		}
		if c.Lines < 1000 && i < len(chunks)-1 {
			t.Errorf("chunk %d has %d lines, fewer than ChunkLines", i, c.Lines)
		}
		lines, entries, size = lines+c.Lines, entries+c.Entries, size+c.Bytes
		if c.BytesRead != size {
			t.Errorf("chunk %d: bytes read %d, want %d", i, c.BytesRead, size)
		}
	}
	if lines != sum.Lines || entries != sum.Entries || size != int64(len(data)) || lines != int64(bytes.Count(data, []byte{'\n'})) {
		t.Fatalf("chunks hold %d lines %d entries %d bytes; summary %d %d; file %d bytes", lines, entries, size, sum.Lines, sum.Entries, len(data))
	}
	if entries >= lines {
		t.Errorf("entries %d, lines %d: stack traces should fold", entries, lines)
	}
}

func TestAnalyzeIsDeterministic(t *testing.T) {
	data := generatedLog(4000, 5)
	run := func() ([]*Chunk, *Summary) {
		return analyzeReader(t, bytes.NewReader(data), Options{ChunkLines: 700, AssumeYear: 2024})
	}
	c1, s1 := run()
	c2, s2 := run()
	if !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(s1, s2) {
		t.Fatal("two runs over the same bytes differ")
	}
}

func TestErrorGroupIDsStableAcrossChunks(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		b.WriteString("2024-01-01 10:00:" + twoDigits(i) + " ERROR db: connection to 10.0.0." + twoDigits(i) + " refused\n")
		b.WriteString("2024-01-01 10:00:" + twoDigits(i) + " ERROR db: connection to node" + twoDigits(i) + " refused\n")
	}
	chunks, sum := analyzeString(t, b.String(), Options{ChunkLines: 10})
	ids := make(map[string]bool)
	for _, c := range chunks {
		for _, g := range c.ErrorGroups {
			ids[g.ID] = true
		}
	}
	if len(ids) != 1 || len(sum.ErrorGroups) != 1 || sum.ErrorGroups[0].Count != 80 {
		t.Fatalf("ids across chunks %v, summary groups %+v", ids, sum.ErrorGroups)
	}
	g := sum.ErrorGroups[0]
	if g.FirstLine != 1 || g.LastLine != 80 || g.FirstTime.Second() != 0 || g.LastTime.Second() != 39 {
		t.Errorf("group span %d-%d %v-%v", g.FirstLine, g.LastLine, g.FirstTime, g.LastTime)
	}
}

func TestAnalyzeStopsOnEmitErrorAndCancel(t *testing.T) {
	data := generatedLog(30_000, 2)
	boom := errors.New("boom")
	_, err := Analyze(context.Background(), bytes.NewReader(data), Options{ChunkLines: 1000}, func(*Chunk) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("emit error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Analyze(ctx, bytes.NewReader(data), Options{ChunkLines: 1000}, func(c *Chunk) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: got %v", err)
	}
}

func TestChunkFeatures(t *testing.T) {
	text := joinLines(
		"2024-01-01 10:00:00 INFO api: GET / from 10.0.0.1",
		"2024-01-01 10:00:30 INFO api: GET / from 10.0.0.1",
		"2024-01-01 10:01:10 WARN api: upstream timeout from 10.0.0.2",
		"2024-01-01 10:01:20 ERROR db: login failed: access denied for 10.0.0.2",
		"2024-01-01 10:03:00 INFO api: GET / from 10.0.0.3")
	chunks, sum := analyzeString(t, text, Options{Keywords: []string{"timeout", "denied", "GET"}})
	c := chunks[0]
	wantIPs := map[string]int64{"10.0.0.1": 2, "10.0.0.2": 2, "10.0.0.3": 1}
	if !reflect.DeepEqual(c.IPs, wantIPs) || c.DistinctIPs != 3 {
		t.Errorf("ips %v distinct %d", c.IPs, c.DistinctIPs)
	}
	if want := map[string]int64{"timeout": 1, "denied": 1, "get": 3}; !reflect.DeepEqual(c.Keywords, want) {
		t.Errorf("keywords %v, want %v", c.Keywords, want)
	}
	minute := func(m int) time.Time { return time.Date(2024, 1, 1, 10, m, 0, 0, time.UTC) }
	levels := func(info, warn, errs int64) (lc LevelCounts) {
		lc[codeInfo], lc[codeWarn], lc[codeError] = info, warn, errs
		return lc
	}
	wantTimeline := []MinuteCount{{minute(0), 2, levels(2, 0, 0)}, {minute(1), 2, levels(0, 1, 1)}, {minute(3), 1, levels(1, 0, 0)}}
	if !reflect.DeepEqual(c.Timeline, wantTimeline) || !reflect.DeepEqual(sum.Timeline, wantTimeline) {
		t.Errorf("timeline %v (summary %v)", c.Timeline, sum.Timeline)
	}
	if !c.MinTime.Equal(minute(0)) || !c.MaxTime.Equal(minute(3)) || c.TimeAssumption != "zone missing: assumed UTC" {
		t.Errorf("time range %v-%v note %q", c.MinTime, c.MaxTime, c.TimeAssumption)
	}
	if !reflect.DeepEqual(c.Components, map[string]int64{"api": 4, "db": 1}) {
		t.Errorf("components %v", c.Components)
	}
}

func TestScanIPv4(t *testing.T) {
	var got []string
	scanIPv4([]byte("a 10.0.0.1 com.acme.X 1.2.3 999.1.1.1 [192.168.1.254] 1.2.3.4.5 v1.2.3.4 x9.9.9.9:80 3.3.3.3"), func(ip []byte, _ uint32) {
		got = append(got, string(ip))
	})
	want := []string{"10.0.0.1", "192.168.1.254", "3.3.3.3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
