package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/logproc/logproc/events"
)

// A large file is analysed in parts: the job's first attempt plans byte
// ranges that start at entries (Plan), each part is analysed by an attempt
// of its own, on any worker, and records its chunks and then its end
// (CompletePart), and once every part has ended the error groups the parts
// mined apart are joined (JoinGroups) before the job completes. Every part
// appends to the job's one stream with expected versions, as a lone worker
// does, so a part delivered twice or resumed after a crash counts nothing
// twice.

// Part is one part of a job analysed in parts, as far as its events tell.
type Part struct {
	events.PartPlan
	// Chunks counts the part's chunks recorded, BytesRead how far into the
	// part its analysis has read, Attempts the attempts begun at it.
	Chunks    int
	BytesRead int64
	Attempts  int
	// Done says PartCompleted is recorded; IPs and Templates are what it
	// kept for joining the parts.
	Done      bool
	IPs       []byte
	Templates []events.GroupTemplate
	// lastLine is the last line of the part's last chunk recorded.
	lastLine int64
}

// MaxParts bounds the parts of a file: a file larger than MaxParts times
// the part size a worker is set to is cut into larger parts.
const MaxParts = 256

// Planned reports whether the job is analysed in parts.
func (j *Job) Planned() bool { return len(j.Parts) > 0 }

// part returns the numbered part, or nil.
func (j *Job) part(n int) *Part {
	if n < 1 || n > len(j.Parts) {
		return nil
	}
	return &j.Parts[n-1]
}

// PartsLeft lists the numbers of the parts not completed yet.
func (j *Job) PartsLeft() []int {
	var left []int
	for _, p := range j.Parts {
		if !p.Done {
			left = append(left, p.Part)
		}
	}
	return left
}

// Plan records that the job is analysed in the given parts (numbered from
// 1 in file order), which must cut the whole file (CheckPlan; EINTERNAL
// otherwise). A job already planned is left as it is; a job whose chunks
// were recorded whole goes on whole (ECONFLICT). It returns ErrJobFinished
// for a finished job.
func (j *Job) Plan(a Attempt, parts []events.PartPlan, at time.Time) error {
	if err := j.checkAttempt(a); err != nil || j.Planned() {
		return err
	}
	switch {
	case j.Chunks > 0:
		return Errorf(ECONFLICT, "job %s was begun whole; it cannot be analysed in parts", j.ID)
	case j.Uploading():
		return fmt.Errorf("job %s: its file is still arriving, so it cannot be cut into parts", j.ID)
	}
	if err := CheckPlan(parts, j.Size); err != nil {
		// Each part is read to its own end (CompletePart), so parts that
		// do not cut the whole file, as a plan made of a short read would,
		// leave the job short however well each is read.
		return Wrap(fmt.Errorf("job %s: %w", j.ID, err), EINTERNAL, "the file's parts as planned do not hold the whole file")
	}
	return j.record(events.DeterministicID(j.stream(), events.TypeJobPlanned), &events.JobPlanned{Parts: parts},
		j.metadata(a), at)
}

// checkPart refuses an attempt at a part the job does not have, or has
// finished.
func (j *Job) checkPart(a Attempt) (*Part, error) {
	p := j.part(a.Part)
	switch {
	case p == nil:
		return nil, fmt.Errorf("job %s has no part %d", j.ID, a.Part)
	case p.Done:
		return nil, ErrPartDone
	}
	return p, nil
}

// ErrPartDone is returned by a command on a part that is completed: there
// is nothing left to do for it, though the job may still be joined.
var ErrPartDone = errors.New("part already completed")

// CompletePart records that every chunk of the attempt's part was analysed:
// chunks is how many the part's analysis cut. IPs and templates are the
// part's, for JoinGroups. It returns an error when the part holds another
// number of chunks, EINTERNAL when the part was not read exactly to its
// last byte, ErrPartDone for a part completed before, and ErrJobFinished
// for a finished job.
func (j *Job) CompletePart(a Attempt, chunks int, result PartResult, at time.Time) error {
	if err := j.checkAttempt(a); err != nil {
		return err
	}
	p, err := j.checkPart(a)
	if err != nil {
		return err
	}
	switch {
	case chunks != p.Chunks:
		return fmt.Errorf("job %s: part %d's analysis cut %d chunks, but %d are recorded", j.ID, a.Part, chunks, p.Chunks)
	case p.BytesRead != p.Length:
		// A part's chunks count the bytes read from the part's start.
		return notReadWhole("part", p.BytesRead, p.Length)
	}
	return j.record(events.DeterministicID(j.stream(), fmt.Sprintf("part-%d/%s", a.Part, events.TypePartCompleted)),
		&events.PartCompleted{Part: a.Part, Chunks: chunks, Lines: result.Lines, Entries: result.Entries,
			Bytes: result.Bytes, IPs: result.IPs, Templates: result.Templates, At: at.UTC()}, j.metadata(a), at)
}

// PartResult is what a part's analysis found in the whole part, beyond its
// chunks.
type PartResult struct {
	Lines, Entries, Bytes int64
	IPs                   []byte
	Templates             []events.GroupTemplate
}

// ReadyToFinish reports whether the job's analysis has ended: for a job
// analysed in parts, every part is completed.
func (j *Job) ReadyToFinish() bool {
	return !j.Status.Terminal() && len(j.PartsLeft()) == 0
}

// JoinGroups records the error groups of the job's whole file as its
// analysis ends (joined comes from the engine, which joins the groups mined
// for one event under different ids, and for a job in parts the parts'
// distinct addresses). Joined ids must be groups of the job, whose counts it
// fills in. It does nothing once recorded, or for a job analysed whole when
// no group joins; it refuses a job with parts left, and returns
// ErrJobFinished for a finished job.
func (j *Job) JoinGroups(a Attempt, joined events.GroupsJoined, at time.Time) error {
	if err := j.checkAttempt(a); err != nil || j.Merged {
		return err
	}
	if left := j.PartsLeft(); len(left) > 0 {
		return fmt.Errorf("job %s: parts %v are not completed; their groups cannot be joined yet", j.ID, left)
	}
	if !j.Planned() && !joinsAny(joined) {
		return nil // a job analysed whole records a join only when groups join
	}
	for i, g := range joined.Groups {
		for k, from := range g.Joined {
			if j.Groups[from.ID] != nil {
				joined.Groups[i].Joined[k].Count = j.Groups[from.ID].Count
			}
		}
	}
	joined.At = at.UTC()
	return j.record(events.DeterministicID(j.stream(), events.TypeGroupsJoined), &joined, j.metadata(a), at)
}

func joinsAny(e events.GroupsJoined) bool {
	for _, g := range e.Groups {
		if len(g.Joined) > 0 {
			return true
		}
	}
	return false
}

// planned folds JobPlanned.
func (j *Job) planned(e *events.JobPlanned) {
	j.Parts = make([]Part, len(e.Parts))
	for i, p := range e.Parts {
		j.Parts[i] = Part{PartPlan: p}
	}
}

// partChunk folds a part's LinesParsed: the job's chunks and bytes read sum
// over its parts.
func (j *Job) partChunk(e *events.LinesParsed) {
	p := j.part(e.Part)
	if p == nil {
		return
	}
	p.Chunks = max(p.Chunks, e.Chunk+1)
	p.BytesRead = max(p.BytesRead, e.BytesRead)
	p.lastLine = max(p.lastLine, e.LastLine)
	j.Chunks, j.BytesRead = 0, 0
	for _, q := range j.Parts {
		j.Chunks += q.Chunks
		j.BytesRead += q.BytesRead
	}
}

// partCompleted folds PartCompleted.
func (j *Job) partCompleted(e *events.PartCompleted) {
	if p := j.part(e.Part); p != nil {
		p.Done, p.IPs, p.Templates = true, e.IPs, e.Templates
	}
}

// groupsJoined folds GroupsJoined: each joined group's entries move to the
// group it joins, which takes the whole file's template.
func (j *Job) groupsJoined(e *events.GroupsJoined) {
	j.Merged = true
	if e.DistinctIPs > 0 {
		j.DistinctIPs = e.DistinctIPs
	}
	for _, m := range e.Groups {
		into := j.Groups[m.ID]
		if into == nil {
			continue // the projection loads only the groups a batch touches
		}
		for _, from := range m.Joined {
			if g := j.Groups[from.ID]; g != nil {
				joinGroup(into, *g)
				j.removeGroup(from.ID)
			}
		}
		into.Template = m.Template
		j.markGroup(m.ID)
	}
}
