package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Bounds of the auditor view.
const (
	eventsPerPage = 200
	// maxEventData is how much of an event's data the page shows; the
	// whole event is a link to the API away.
	maxEventData = 16 << 10
)

// historyPage is a job's events in order, and its state folded up to a
// version beside its final state.
type historyPage struct {
	page
	JobID     uuid.UUID
	FileName  string
	Events    []eventRow
	After     int64
	NextAfter int64
	PrevAfter int64
	// At is the version the slider is at; Final the job's last version.
	At, Final int64
	State     []stateRow
}

type eventRow struct {
	Version    int64
	Type       string
	Schema     int
	RecordedAt time.Time
	Actor      string
	Data       string
	Truncated  bool
	Selected   bool
}

// stateRow is one field of the job's state at the slider's version and at
// the end.
type stateRow struct {
	Name      string
	At, Final string
	Differs   bool
}

func (u *UI) handleHistory(w http.ResponseWriter, r *http.Request) {
	id, err := jobIDParam(r)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	p, err := u.historyPageOf(r, id)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "history", p)
}

func (u *UI) historyPageOf(r *http.Request, id uuid.UUID) (*historyPage, error) {
	ctx := r.Context()
	jobs := domain.NewJobs(u.cfg.Events)
	final, err := jobs.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if c := callerFrom(ctx); !c.IsAdmin() && final.Owner != c.Subject {
		return nil, domain.Errorf(domain.ENOTFOUND, "job %s not found", id)
	}
	at, err := intQuery(r, "v", final.Version, 1, final.Version)
	if err != nil {
		return nil, err
	}
	after, err := intQuery(r, "after", 0, 0, final.Version)
	if err != nil {
		return nil, err
	}
	state := final
	if at < final.Version {
		if state, err = jobs.LoadUntil(ctx, id, at); err != nil {
			return nil, err
		}
	}
	p := &historyPage{page: u.pageOf(r, "History of "+final.FileName, "jobs"), JobID: id,
		FileName: final.FileName, After: after, At: at, Final: final.Version, State: stateRows(state, final)}
	if err := p.readEvents(ctx, u.cfg.Events, id); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *historyPage) readEvents(ctx context.Context, store events.Store, id uuid.UUID) error {
	recs, err := store.ReadStream(ctx, events.JobStream(id), p.After, eventsPerPage)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		p.Events = append(p.Events, newEventRow(rec, p.At))
	}
	if len(recs) == eventsPerPage && recs[len(recs)-1].Version < p.Final {
		p.NextAfter = recs[len(recs)-1].Version
	}
	p.PrevAfter = max(0, p.After-eventsPerPage)
	return nil
}

func newEventRow(rec events.Record, at int64) eventRow {
	row := eventRow{Version: rec.Version, Type: rec.Type, Schema: rec.SchemaVersion, RecordedAt: rec.RecordedAt,
		Actor: rec.Metadata.Actor, Selected: rec.Version == at}
	var buf bytes.Buffer
	data := rec.Data
	if len(data) > maxEventData {
		data, row.Truncated = data[:maxEventData], true
	}
	if !row.Truncated && json.Indent(&buf, data, "", "  ") == nil {
		row.Data = buf.String()
	} else {
		row.Data = string(data)
	}
	return row
}

// stateRows lists the fields of the two states that an auditor compares.
func stateRows(at, final *domain.Job) []stateRow {
	f := func(j *domain.Job) []string {
		return []string{string(j.Status), strconv.FormatInt(j.Version, 10), strconv.Itoa(j.Attempts),
			strconv.Itoa(j.Chunks), formatInt(j.Lines), formatInt(j.Entries), formatInt(j.BytesRead),
			formatInt(j.Errors), formatInt(j.ErrorGroups), formatTime(j.StartedAt), formatTime(j.FinishedAt),
			formatDuration(j.DurationMS), j.FailureReason}
	}
	names := []string{"Status", "Version", "Attempts", "Chunks", "Lines", "Entries", "Bytes read", "Errors",
		"Error groups", "Started", "Finished", "Duration", "Failure"}
	a, b := f(at), f(final)
	var rows []stateRow
	for i, n := range names {
		rows = append(rows, stateRow{Name: n, At: a[i], Final: b[i], Differs: a[i] != b[i]})
	}
	for _, l := range levelOrder {
		x, y := at.Levels[l], final.Levels[l]
		if x != 0 || y != 0 {
			rows = append(rows, stateRow{Name: "Level " + l, At: formatInt(x), Final: formatInt(y), Differs: x != y})
		}
	}
	return rows
}
