package events

import "time"

// Event types of a job analysed in parts: a large file is cut into byte
// ranges that start at entries, each analysed as a task of its own by any
// worker, and joined at the end.
const (
	TypeJobPlanned    = "JobPlanned"
	TypePartCompleted = "PartCompleted"
	TypeGroupsJoined  = "GroupsJoined"
)

// JobPlanned records that a job's file is analysed in parts. Parts are
// numbered from 1; events of a job not planned carry part 0.
type JobPlanned struct {
	Parts []PartPlan `json:"parts"`
}

// PartPlan is one part of a file: its bytes and the number of its first
// line in the file.
type PartPlan struct {
	Part      int   `json:"part"`
	Offset    int64 `json:"offset"`
	Length    int64 `json:"length"`
	FirstLine int64 `json:"first_line"`
}

// PartCompleted records that every chunk of a part was analysed. Beside the
// part's totals it keeps what joining the parts needs: the part's distinct
// addresses as a sketch, and the template the part last mined for each of
// its error groups.
type PartCompleted struct {
	Part    int   `json:"part"`
	Chunks  int   `json:"chunks"`
	Lines   int64 `json:"lines"`
	Entries int64 `json:"entries"`
	Bytes   int64 `json:"bytes"`
	// IPs is the engine's sketch of the part's distinct addresses.
	IPs       []byte          `json:"ips,omitempty"`
	Templates []GroupTemplate `json:"templates,omitempty"`
	At        time.Time       `json:"at"`
}

// GroupTemplate is an error group as a part mined it.
type GroupTemplate struct {
	ID        string `json:"id"`
	Template  string `json:"template"`
	FirstLine int64  `json:"first_line"`
}

// GroupsJoined records, as a job ends, the error groups of its whole file:
// each with the template the file ends with, and the other groups that join
// it because one of the two templates covers the other (an event whose
// variable word was first met as a constant, or that parts of the file
// mined apart under different ids).
type GroupsJoined struct {
	Groups []MergedGroup `json:"groups"`
	// DistinctIPs is, for a job analysed in parts, the count of distinct
	// addresses of all its parts joined (0 for a job analysed whole, whose
	// chunks count them as they go).
	DistinctIPs int64     `json:"distinct_ips,omitempty"`
	At          time.Time `json:"at"`
}

// MergedGroup is an error group of the whole file: its id, its template,
// and the other ids that join it with the job's count under each, so a
// read model that counted them apart can move them.
type MergedGroup struct {
	ID       string       `json:"id"`
	Template string       `json:"template"`
	Joined   []GroupCount `json:"joined,omitempty"`
}

// GroupCount is a group id with a count.
type GroupCount struct {
	ID    string `json:"id"`
	Count int64  `json:"count"`
}
