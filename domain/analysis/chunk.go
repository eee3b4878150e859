package analysis

import "time"

// Chunk is what one chunk of a file held. Counts are for the chunk only,
// except DistinctIPs, which is cumulative.
type Chunk struct {
	Index     int   `json:"index"`
	FirstLine int64 `json:"first_line"`
	LastLine  int64 `json:"last_line"`
	// Lines counts physical lines, Entries the entries they form once
	// continuation lines are folded.
	Lines   int64 `json:"lines"`
	Entries int64 `json:"entries"`
	// Bytes counts decoded bytes in the chunk; BytesRead is how much of the
	// caller's reader was consumed after it (for gzip, the compressed
	// offset the decoder reached): use it for progress against file size.
	Bytes     int64           `json:"bytes"`
	BytesRead int64           `json:"bytes_read"`
	Levels    map[Level]int64 `json:"levels"`
	// ErrorLike counts unleveled entries whose words look like errors; it
	// is only set for files without levels.
	ErrorLike      int64            `json:"error_like,omitempty"`
	Truncated      int64            `json:"truncated,omitempty"`
	Format         string           `json:"format"`
	MinTime        time.Time        `json:"min_time"`
	MaxTime        time.Time        `json:"max_time"`
	TimeAssumption string           `json:"time_assumption,omitempty"`
	Timeline       []MinuteCount    `json:"timeline,omitempty"`
	Keywords       map[string]int64 `json:"keywords,omitempty"`
	Components     map[string]int64 `json:"components,omitempty"`
	IPs            map[string]int64 `json:"ips,omitempty"`
	// DistinctIPs counts distinct addresses in the whole input so far:
	// exact up to 65,536, then a HyperLogLog estimate (about 0.8% error).
	DistinctIPs int64        `json:"distinct_ips"`
	ErrorGroups []ErrorGroup `json:"error_groups,omitempty"`
}

// MinuteCount is the number of entries stamped within one UTC minute (or
// within the bucket starting at Minute, in a coarsened summary timeline),
// in all and per level: the counts of Levels add up to Count.
type MinuteCount struct {
	Minute time.Time   `json:"minute"`
	Count  int64       `json:"count"`
	Levels LevelCounts `json:"levels"`
}

// ErrorGroup is one error signature and what a chunk (or the whole file,
// in a Summary) saw of it.
type ErrorGroup struct {
	// ID is stable: the same signature gets the same id in every chunk and
	// every file. Stack traces are keyed by exception type and top frames
	// ("X..."), other errors by the template they were first mined as
	// ("E...", the same id as the template's EventId).
	ID        string    `json:"id"`
	Template  string    `json:"template"`
	Level     Level     `json:"level"`
	Exception string    `json:"exception,omitempty"`
	Count     int64     `json:"count"`
	FirstLine int64     `json:"first_line"`
	LastLine  int64     `json:"last_line"`
	FirstTime time.Time `json:"first_time"`
	LastTime  time.Time `json:"last_time"`
	// Sample is the first raw entry of the group, capped at 2 KiB.
	Sample string `json:"sample"`
}
