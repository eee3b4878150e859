package analysis

import "time"

// Options tune an analysis. The zero value of any field means its default,
// so callers set only what they need; DefaultOptions spells the defaults out.
type Options struct {
	// ChunkLines is how many physical lines a chunk holds before it closes
	// at the next entry boundary.
	ChunkLines int
	// Keywords are counted per entry, case-insensitively and as whole words
	// ("error" is not counted in "liberror-perl" or "errors"; camelCase parts
	// are words, so "IOException" holds "exception"), in its message and
	// continuation lines; the header is left out, so a level field "ERROR"
	// does not count as "error". Chunks report them lower-cased.
	Keywords []string
	// MaxLineBytes caps a physical line; the rest of a longer line is
	// skipped and the line counted as truncated.
	MaxLineBytes int
	// MaxEntryLines and MaxEntryBytes cap a multi-line entry: past
	// MaxEntryLines a continuation line starts a new entry, and text past
	// MaxEntryBytes is counted but not kept.
	MaxEntryLines int
	MaxEntryBytes int
	// MaxTemplates caps the mined templates; once reached, or once the
	// templates hold 32 MiB, lines that match no template share one
	// overflow template. It bounds memory.
	MaxTemplates int
	// MaxErrorGroups caps the error groups a job keeps; further signatures
	// share one overflow group.
	MaxErrorGroups int
	// MaxGzipRatio refuses gzip input that expands more than this many
	// times its compressed size (a gzip bomb).
	MaxGzipRatio int
	// TopIPs is how many addresses the summary lists.
	TopIPs int
	// ChunkTopIPs is how many addresses a chunk lists: more than a job
	// shows, so that summing its chunks' lists counts the job's top
	// addresses right even where one ranks lower within some chunk.
	ChunkTopIPs int
	// TopComponents is how many components a chunk and the summary list.
	TopComponents int
	// SampleLines is how many leading lines format detection studies.
	SampleLines int
	// AssumeYear completes timestamps that have no year. It is part of the
	// options, not read from the clock, so that the same bytes always give
	// the same result; DefaultOptions sets the current year.
	AssumeYear int
}

// Defaults used when an Options field is zero.
const (
	defaultChunkLines     = 50_000
	defaultMaxLineBytes   = 1 << 20
	defaultMaxEntryLines  = 1000
	defaultMaxEntryBytes  = 64 << 10
	defaultMaxTemplates   = 20_000
	defaultMaxErrorGroups = 10_000
	defaultMaxGzipRatio   = 300
	defaultTopIPs         = 20
	defaultChunkTopIPs    = 100
	defaultTopComponents  = 100
	defaultSampleLines    = 1000
)

// DefaultKeywords are the keywords counted when Options.Keywords is empty.
var DefaultKeywords = []string{"error", "exception", "timeout", "failed", "refused", "denied"}

// DefaultOptions returns the options used when none are given, with
// AssumeYear set to the current UTC year.
func DefaultOptions() Options {
	return Options{
		ChunkLines:     defaultChunkLines,
		Keywords:       append([]string(nil), DefaultKeywords...),
		MaxLineBytes:   defaultMaxLineBytes,
		MaxEntryLines:  defaultMaxEntryLines,
		MaxEntryBytes:  defaultMaxEntryBytes,
		MaxTemplates:   defaultMaxTemplates,
		MaxErrorGroups: defaultMaxErrorGroups,
		MaxGzipRatio:   defaultMaxGzipRatio,
		TopIPs:         defaultTopIPs,
		ChunkTopIPs:    defaultChunkTopIPs,
		TopComponents:  defaultTopComponents,
		SampleLines:    defaultSampleLines,
		AssumeYear:     time.Now().UTC().Year(),
	}
}

// withDefaults fills every zero field with its default.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	setDefault(&o.ChunkLines, d.ChunkLines)
	setDefault(&o.MaxLineBytes, d.MaxLineBytes)
	setDefault(&o.MaxEntryLines, d.MaxEntryLines)
	setDefault(&o.MaxEntryBytes, d.MaxEntryBytes)
	setDefault(&o.MaxTemplates, d.MaxTemplates)
	setDefault(&o.MaxErrorGroups, d.MaxErrorGroups)
	setDefault(&o.MaxGzipRatio, d.MaxGzipRatio)
	setDefault(&o.TopIPs, d.TopIPs)
	setDefault(&o.ChunkTopIPs, d.ChunkTopIPs)
	setDefault(&o.TopComponents, d.TopComponents)
	setDefault(&o.SampleLines, d.SampleLines)
	setDefault(&o.AssumeYear, d.AssumeYear)
	if len(o.Keywords) == 0 {
		o.Keywords = d.Keywords
	}
	return o
}

func setDefault(v *int, d int) {
	if *v <= 0 {
		*v = d
	}
}
