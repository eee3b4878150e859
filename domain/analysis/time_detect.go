package analysis

import "math/bits"

// Timestamp detection: every candidate layout is tried at the first few
// field starts of each sample line; the layout and field that match enough
// lines win, preferring a full date and time, then the earliest field, then
// the most matches, then the order of tsSpecs.

// maxTsField is the last raw field index a timestamp may start at.
const maxTsField = 8

// minTsShare is the share of sample lines a timestamp layout must match.
const minTsShare = 0.3

type tsChoice struct {
	layout    *tsLayout
	field     int
	hits      int
	ambiguous bool // another date order matched as many lines
}

// detectTimestamp finds the timestamp layout and its field in a sample, or
// returns a choice with a nil layout.
func detectTimestamp(sample [][]byte) tsChoice {
	return bestTimestamp(timestampHits(sample), len(sample))
}

// timestampHits counts, for each of the first maxTsField fields and each
// candidate layout, the sample lines whose field holds the layout. Only
// the layouts a field's head admits are parsed there (time_gate.go).
func timestampHits(sample [][]byte) [][]int {
	hits := make([][]int, maxTsField)
	for k := range hits {
		hits[k] = make([]int, len(tsCandidates))
	}
	starts := make([]int, 0, maxTsField)
	for _, line := range sample {
		starts = appendFieldStarts(starts[:0], line, maxTsField)
		for k, start := range starts {
			inner, _ := openTsBracket(line, start)
			head := readTsHead(line, inner)
			for set := tsGates.admitted(&head); set != 0; set &= set - 1 {
				ci := bits.TrailingZeros64(set)
				if _, _, ok := parseTsField(tsCandidates[ci], line, start); ok {
					hits[k][ci]++
				}
			}
		}
	}
	return hits
}

// bestTimestamp ranks the hit counts.
func bestTimestamp(hits [][]int, n int) tsChoice {
	var best tsChoice
	need := max(1, int(minTsShare*float64(n)+0.5))
	for k := range hits {
		for ci, h := range hits[k] {
			c := tsChoice{layout: tsCandidates[ci], field: k, hits: h}
			if h < need {
				continue
			}
			if best.layout == nil || betterTs(c, best) {
				best = c
			} else if sameRank(c, best) && c.layout.hasYear && best.layout.hasYear {
				best.ambiguous = true
			}
		}
	}
	return best
}

func betterTs(a, b tsChoice) bool {
	if a.layout.class != b.layout.class {
		return a.layout.class < b.layout.class
	}
	if a.field != b.field {
		return a.field < b.field
	}
	return a.hits > b.hits
}

func sameRank(a, b tsChoice) bool {
	return a.layout.class == b.layout.class && a.field == b.field && a.hits == b.hits
}

// parseTsField parses a timestamp at a field start, inside brackets when
// the field opens with '['. It returns the end of the field.
func parseTsField(l *tsLayout, b []byte, pos int) (civil, int, bool) {
	inner, bracketed := openTsBracket(b, pos)
	c, end, ok := l.parse(b, inner)
	end, ok = closeTsField(b, end, ok, bracketed)
	return c, end, ok
}

// openTsBracket returns where a timestamp field's text starts: after the
// '[' opening it, if one does.
func openTsBracket(b []byte, pos int) (int, bool) {
	if pos < len(b) && b[pos] == '[' {
		return pos + 1, true
	}
	return pos, false
}

// closeTsField returns the end of a timestamp field whose text parsed up
// to end: past the closing ']' of a bracketed one, which must be there,
// and past a colon closing the field ("2024-05-01 10:00:00: msg").
func closeTsField(b []byte, end int, ok, bracketed bool) (int, bool) {
	if !ok {
		return end, false
	}
	if bracketed {
		if end >= len(b) || b[end] != ']' {
			return end, false
		}
		end++
	}
	if isClosingColon(b, end) {
		end++
	}
	return end, true
}

// appendFieldStarts appends where the first n fields of a line start to
// starts.
func appendFieldStarts(starts []int, b []byte, n int) []int {
	pos := skipBlanks(b, 0)
	for k := 0; k < n && pos < len(b); k++ {
		starts = append(starts, pos)
		pos, _ = skipSep(b, fieldEnd(b, pos))
	}
	return starts
}
