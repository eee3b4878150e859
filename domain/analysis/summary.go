package analysis

import "time"

// Summary is what a whole file held: the totals of its chunks, its error
// groups with job-wide counts, and the job-wide features.
type Summary struct {
	Version        string          `json:"version"`
	Format         string          `json:"format"`
	Chunks         int             `json:"chunks"`
	Lines          int64           `json:"lines"`
	Entries        int64           `json:"entries"`
	Bytes          int64           `json:"bytes"`
	BytesRead      int64           `json:"bytes_read"`
	Truncated      int64           `json:"truncated,omitempty"`
	Levels         map[Level]int64 `json:"levels"`
	ErrorLike      int64           `json:"error_like,omitempty"`
	StackTraces    int64           `json:"stack_traces,omitempty"`
	MinTime        time.Time       `json:"min_time"`
	MaxTime        time.Time       `json:"max_time"`
	TimeAssumption string          `json:"time_assumption,omitempty"`
	// Timeline counts entries per TimelineStep (a minute, doubled as often
	// as needed to stay within a week's worth of buckets).
	Timeline     []MinuteCount    `json:"timeline,omitempty"`
	TimelineStep time.Duration    `json:"timeline_step,omitempty"`
	Keywords     map[string]int64 `json:"keywords,omitempty"`
	// Components and IPs are the most frequent, with counts that are exact
	// unless more than a few thousand distinct values occur.
	Components  []NameCount  `json:"components,omitempty"`
	IPs         []NameCount  `json:"ips,omitempty"`
	DistinctIPs int64        `json:"distinct_ips"`
	Templates   int          `json:"templates"`
	ErrorGroups []ErrorGroup `json:"error_groups,omitempty"`
}

// Bounds of the job-wide counters.
const (
	summaryComponents = 1000
	summaryIPs        = 10_000
	mergedChunkIPs    = 1000 // the addresses of each chunk merged into the job's
)

// summaryAcc accumulates the chunks of a file.
type summaryAcc struct {
	s        Summary
	levels   [numLevels]int64
	span     timeSpan
	timeline coarseTimeline
	keywords []int64
	comps    *boundedCounter
	ips      *ipCounter
	groups   *groupSet
}

func newSummaryAcc(keywords int) *summaryAcc {
	return &summaryAcc{keywords: make([]int64, keywords), comps: newBoundedCounter(summaryComponents),
		ips: newIPCounter(summaryIPs), groups: newGroupSet()}
}

// merge adds a closed chunk.
func (s *summaryAcc) merge(a *chunkAcc) {
	s.s.Chunks++
	s.s.Lines += a.c.Lines
	s.s.Entries += a.c.Entries
	s.s.Bytes += a.c.Bytes
	s.s.Truncated += a.c.Truncated
	s.s.ErrorLike += a.c.ErrorLike
	s.s.StackTraces += a.stacks
	for i, n := range a.levels {
		s.levels[i] += n
	}
	for i, n := range a.keywords {
		s.keywords[i] += n
	}
	s.mergeTime(a)
	for k, p := range a.comps {
		s.comps.add(k, *p)
	}
	s.ips.mergeTop(a.ips, mergedChunkIPs)
	s.groups.merge(a.groups)
}

func (s *summaryAcc) mergeTime(a *chunkAcc) {
	if !a.span.has {
		return
	}
	s.span.merge(a.span)
	a.minutes.flush()
	for m, n := range a.minutes.m {
		s.timeline.add(m, n)
	}
}

// build returns the finished Summary.
func (s *summaryAcc) build(x chunkContext) *Summary {
	out := s.s
	out.Version, out.Format, out.BytesRead, out.DistinctIPs = Version, x.format, x.bytesRead, x.distinctIPs
	out.Levels = levelMap(s.levels)
	if s.span.has {
		out.MinTime, out.MaxTime = s.span.times()
		out.TimeAssumption = x.assumption(s.span.noYear, s.span.noZone)
	}
	out.Timeline, out.TimelineStep = s.timeline.list()
	out.Keywords = keywordMap(x.keywords, s.keywords)
	out.Components = s.comps.top(x.topComps)
	out.IPs = s.ips.top(x.topIPs)
	out.Templates = x.miner.templateCount()
	out.ErrorGroups = s.groups.list(x.miner)
	return &out
}
