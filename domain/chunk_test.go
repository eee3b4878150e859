package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/events"
)

func TestCapGroupsKeepsTheCountExact(t *testing.T) {
	var gs []events.ErrorGroup
	var total int64
	for i := range MaxGroupsPerEvent + 100 {
		gs = append(gs, events.ErrorGroup{ID: fmt.Sprintf("g%d", i), Count: int64(i + 1), FirstLine: int64(1000 - i), LastLine: int64(2000 + i)})
		total += int64(i + 1)
	}
	gs = append(gs, events.ErrorGroup{ID: OverflowGroup, Count: 7, FirstLine: 1, LastLine: 9999})
	total += 7
	capped := capGroups(gs)
	if len(capped) != MaxGroupsPerEvent {
		t.Fatalf("%d groups, want %d", len(capped), MaxGroupsPerEvent)
	}
	var sum int64
	overflows := 0
	for _, g := range capped {
		sum += g.Count
		if g.ID == OverflowGroup {
			overflows++
			if g.FirstLine != 1 || g.LastLine != 9999 {
				t.Errorf("overflow lines %d-%d, want 1-9999", g.FirstLine, g.LastLine)
			}
		}
	}
	if sum != total || overflows != 1 {
		t.Errorf("counts sum to %d in %d overflow groups, want %d in 1", sum, overflows, total)
	}
	if capped[0].ID != fmt.Sprintf("g%d", MaxGroupsPerEvent+99) {
		t.Errorf("first kept group = %s, want the most frequent", capped[0].ID)
	}
}

func TestCapSampleCutsOnARune(t *testing.T) {
	s := strings.Repeat("é", MaxSampleBytes)
	got := capSample(s)
	if len(got) > MaxSampleBytes || !strings.HasPrefix(s, got) || len(got) < MaxSampleBytes-1 {
		t.Errorf("capSample kept %d bytes", len(got))
	}
	if capSample("short") != "short" {
		t.Error("a short sample changed")
	}
}

func TestOverflowGroupSpansTheTimesOfWhatItCounts(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	at := func(minutes int) *time.Time { tm := t0.Add(time.Duration(minutes) * time.Minute); return &tm }
	var gs []events.ErrorGroup
	for i := range MaxGroupsPerEvent + 10 {
		// The least frequent groups, folded into the overflow group, are
		// the ones seen earliest and latest.
		gs = append(gs, events.ErrorGroup{ID: fmt.Sprintf("g%d", i), Count: int64(1000 - i),
			FirstLine: int64(i + 1), LastLine: int64(i + 1), FirstTime: at(20 - i%40), LastTime: at(i % 41)})
	}
	var over events.ErrorGroup
	for _, g := range capGroups(gs) {
		if g.ID == OverflowGroup {
			over = g
		}
	}
	var first, last *time.Time
	for _, g := range gs[MaxGroupsPerEvent-1:] {
		first, last = earliest(first, g.FirstTime), latest(last, g.LastTime)
	}
	if over.FirstTime == nil || over.LastTime == nil || !over.FirstTime.Equal(*first) || !over.LastTime.Equal(*last) {
		t.Errorf("overflow group times %v - %v, want %v - %v", over.FirstTime, over.LastTime, first, last)
	}
}
