package events

import (
	"encoding/json"
	"fmt"
)

// Upcaster turns the data of one schema version into the next version's.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

type upcastKey struct {
	eventType string
	from      int
}

// upcasters holds one step per (type, version): version n reads as n+1.
var upcasters = map[upcastKey]Upcaster{
	{TypeLinesParsed, 1}: linesParsedV1toV2,
}

// upcast applies the steps from version from up to version to.
func upcast(eventType string, from, to int, data json.RawMessage) (json.RawMessage, error) {
	if from > to {
		return nil, fmt.Errorf("%s v%d is newer than this release reads (v%d)", eventType, from, to)
	}
	for v := from; v < to; v++ {
		up, ok := upcasters[upcastKey{eventType, v}]
		if !ok {
			return nil, fmt.Errorf("no upcaster for %s v%d", eventType, v)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, fmt.Errorf("upcast %s v%d: %w", eventType, v, err)
		}
	}
	return data, nil
}

// linesParsedV1 is the shape the first release wrote: one entry per line, and
// the level counts under "level_counts".
type linesParsedV1 struct {
	Chunk       int              `json:"chunk"`
	FirstLine   int64            `json:"first_line"`
	LastLine    int64            `json:"last_line"`
	Lines       int64            `json:"lines"`
	Bytes       int64            `json:"bytes"`
	LevelCounts map[string]int64 `json:"level_counts"`
}

// linesParsedV1toV2 renames level_counts to levels and sets entries: v1 did not
// fold continuation lines, so each line was an entry.
func linesParsedV1toV2(data json.RawMessage) (json.RawMessage, error) {
	var v1 linesParsedV1
	if err := json.Unmarshal(data, &v1); err != nil {
		return nil, err
	}
	return json.Marshal(LinesParsed{
		Chunk:     v1.Chunk,
		FirstLine: v1.FirstLine,
		LastLine:  v1.LastLine,
		Counts:    Counts{Lines: v1.Lines, Entries: v1.Lines, Bytes: v1.Bytes, Levels: v1.LevelCounts},
	})
}
