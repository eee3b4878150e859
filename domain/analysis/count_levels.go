package analysis

import "encoding/json"

// LevelCounts counts entries per normalised level, LevelNone included,
// without a map: a timeline carries one per minute.
type LevelCounts [numLevels]int64

// Of returns the count of level l.
func (lc LevelCounts) Of(l Level) int64 {
	for code, name := range levelsByCode {
		if name == l {
			return lc[code]
		}
	}
	return 0
}

// Map returns the levels counted at least once, keyed as Chunk.Levels is.
func (lc LevelCounts) Map() map[Level]int64 {
	m := make(map[Level]int64)
	for code, n := range lc {
		if n > 0 {
			m[levelsByCode[code]] = n
		}
	}
	return m
}

// MarshalJSON writes the counts as Map does, {"INFO": 3, "ERROR": 1}.
func (lc LevelCounts) MarshalJSON() ([]byte, error) { return json.Marshal(lc.Map()) }

// UnmarshalJSON reads what MarshalJSON writes; unknown levels are ignored.
func (lc *LevelCounts) UnmarshalJSON(b []byte) error {
	var m map[Level]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*lc = LevelCounts{}
	for code, name := range levelsByCode {
		lc[code] = m[name]
	}
	return nil
}

func (lc *LevelCounts) add(o *LevelCounts) {
	for i, n := range o {
		lc[i] += n
	}
}

func (lc *LevelCounts) total() int64 {
	var sum int64
	for _, n := range lc {
		sum += n
	}
	return sum
}
