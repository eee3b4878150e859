package analysis

import (
	"sort"
	"time"
)

// minuteCounts counts entries per UTC minute and level. Logs are mostly
// in time order, so the current minute is counted aside and flushed on
// change.
type minuteCounts struct {
	m    map[int64]*LevelCounts
	cur  int64
	curN LevelCounts
	has  bool // curN holds counts of minute cur
}

func (mc *minuteCounts) add(minute int64, level levelCode) {
	if !mc.has || minute != mc.cur {
		mc.flush()
		mc.cur, mc.has = minute, true
	}
	mc.curN[level]++
}

func (mc *minuteCounts) flush() {
	if !mc.has {
		return
	}
	if mc.m == nil {
		mc.m = make(map[int64]*LevelCounts)
	}
	if n := mc.m[mc.cur]; n != nil {
		n.add(&mc.curN)
	} else {
		n := mc.curN
		mc.m[mc.cur] = &n
	}
	mc.curN, mc.has = LevelCounts{}, false
}

// list returns the counts sorted by minute.
func (mc *minuteCounts) list() []MinuteCount {
	mc.flush()
	return sortedMinutes(mc.m, 1)
}

func sortedMinutes(m map[int64]*LevelCounts, step int64) []MinuteCount {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	out := make([]MinuteCount, len(keys))
	for i, k := range keys {
		out[i] = MinuteCount{Minute: time.Unix(k*step*60, 0).UTC(), Count: m[k].total(), Levels: *m[k]}
	}
	return out
}

// unixMinute is the minute since the epoch holding t (in nanoseconds).
func unixMinute(nano int64) int64 {
	const perMinute = int64(time.Minute)
	if nano < 0 && nano%perMinute != 0 {
		return nano/perMinute - 1
	}
	return nano / perMinute
}

// coarseTimeline keeps a job's timeline in at most maxBuckets buckets,
// doubling the bucket width whenever it would hold more.
type coarseTimeline struct {
	step int64 // minutes per bucket
	m    map[int64]*LevelCounts
}

const maxBuckets = 10_080 // a week of minutes

func (ct *coarseTimeline) add(minute int64, n *LevelCounts) {
	if ct.m == nil {
		ct.step, ct.m = 1, make(map[int64]*LevelCounts)
	}
	ct.bucket(floorDiv(minute, ct.step)).add(n)
	for len(ct.m) > maxBuckets {
		ct.coarsen()
	}
}

// bucket returns the counts of bucket b, made empty if new.
func (ct *coarseTimeline) bucket(b int64) *LevelCounts {
	n := ct.m[b]
	if n == nil {
		n = new(LevelCounts)
		ct.m[b] = n
	}
	return n
}

func (ct *coarseTimeline) coarsen() {
	old := ct.m
	ct.step *= 2
	ct.m = make(map[int64]*LevelCounts, len(old)/2+1)
	for b, n := range old {
		ct.bucket(floorDiv(b, 2)).add(n)
	}
}

func (ct *coarseTimeline) list() ([]MinuteCount, time.Duration) {
	if ct.m == nil {
		return nil, 0
	}
	return sortedMinutes(ct.m, ct.step), time.Duration(ct.step) * time.Minute
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
