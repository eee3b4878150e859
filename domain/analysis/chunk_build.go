package analysis

// chunkAcc accumulates one chunk. Its counters stay exact within the chunk;
// the chunk's own size bounds them.
type chunkAcc struct {
	c        Chunk // the plain counters, filled as lines and entries come
	levels   [numLevels]int64
	span     timeSpan
	minutes  minuteCounts
	keywords []int64
	comps    keyCounter
	recent   recentKeys // of comps
	ips      *chunkIPs
	groups   *groupSet
	stacks   int64
}

func newChunkAcc(index, keywords int) *chunkAcc {
	return &chunkAcc{c: Chunk{Index: index}, keywords: make([]int64, keywords),
		comps: make(keyCounter), ips: newChunkIPs(), groups: newGroupSet()}
}

// next returns an accumulator for the following chunk that reuses this
// one's address maps, which are the largest.
func (a *chunkAcc) next() *chunkAcc {
	n := newChunkAcc(a.c.Index+1, len(a.keywords))
	a.ips.reset()
	n.ips, a.ips = a.ips, nil
	return n
}

// line counts one physical line.
func (a *chunkAcc) line(pl physLine, lineNo int64) {
	if a.c.Lines == 0 {
		a.c.FirstLine = lineNo
	}
	a.c.LastLine = lineNo
	a.c.Lines++
	a.c.Bytes += pl.size
	if pl.truncated {
		a.c.Truncated++
	}
}

// entry counts one complete entry.
func (a *chunkAcc) entry(e *entry) {
	a.c.Entries++
	a.levels[e.level]++
	if e.errorLike {
		a.c.ErrorLike++
	}
	if e.hasTime {
		a.time(e)
	}
	for k := e.keywords; k != 0; k &= k - 1 {
		a.keywords[bitIndex(k&-k)]++
	}
	if len(e.comp) > 0 {
		a.recent.add(a.comps, e.comp)
	}
	if e.stack.has() {
		a.stacks++
	}
}

func (a *chunkAcc) time(e *entry) {
	a.span.add(e.unixNano, e.noYear, e.noZone)
	a.minutes.add(unixMinute(e.unixNano), e.level)
}

// chunkContext is what building a Chunk needs beyond the accumulator.
type chunkContext struct {
	format      string
	keywords    []string
	topIPs      int // listed by the summary
	chunkTopIPs int // listed by a chunk
	topComps    int
	bytesRead   int64
	distinctIPs int64
	assumption  func(noYear, noZone bool) string
	miner       *miner
}

// build returns the finished Chunk.
func (a *chunkAcc) build(x chunkContext) *Chunk {
	c := a.c
	c.Format, c.BytesRead, c.DistinctIPs = x.format, x.bytesRead, x.distinctIPs
	c.Levels = levelMap(a.levels)
	if a.span.has {
		c.MinTime, c.MaxTime = a.span.times()
		c.TimeAssumption = x.assumption(a.span.noYear, a.span.noZone)
	}
	c.Timeline = a.minutes.list()
	c.Keywords = keywordMap(x.keywords, a.keywords)
	c.Components = nameCountMap(nameCounts(topN(a.comps.counts(), x.topComps)))
	c.IPs = nameCountMap(a.ips.top(x.chunkTopIPs))
	c.ErrorGroups = a.groups.list(x.miner)
	return &c
}

func levelMap(levels [numLevels]int64) map[Level]int64 {
	m := make(map[Level]int64)
	for code, n := range levels {
		if n > 0 {
			m[levelCode(code).Level()] = n
		}
	}
	return m
}

func keywordMap(names []string, counts []int64) map[string]int64 {
	m := make(map[string]int64)
	for i, n := range counts {
		if n > 0 {
			m[names[i]] += n
		}
	}
	return m
}

func nameCountMap(ncs []NameCount) map[string]int64 {
	m := make(map[string]int64, len(ncs))
	for _, nc := range ncs {
		m[nc.Name] = nc.Count
	}
	return m
}
