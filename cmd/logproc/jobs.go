package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/projections"
)

// runJobs serves auditors: a job's history, and a check of the read models
// against the events.
func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "history" && args[0] != "verify") {
		return fmt.Errorf("usage: logproc jobs history JOB_ID [--until N] [--json] | verify [JOB_ID]")
	}
	_, pool, err := configAndPool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	if args[0] == "history" {
		return jobHistory(ctx, postgres.New(pool), args[1:], stdout, stderr)
	}
	return verifyJobs(ctx, pool, args[1:], stdout)
}

// historyOutput is `jobs history --json`: the events and the state in the
// API's shapes (as GET /api/jobs/{id}/events?until= answers).
type historyOutput struct {
	Events []lphttp.EventView `json:"events"`
	State  *lphttp.JobView    `json:"state"`
}

func jobHistory(ctx context.Context, store events.Store, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("jobs history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	until := fs.Int64("until", 0, "stop at this stream version and show the state folded up to it")
	asJSON := fs.Bool("json", false, "print JSON: the events and the folded state")
	id, err := parseJobArg(fs, args)
	if err != nil {
		return err
	}
	state := domain.NewJob(id)
	var recs []events.Record
	err = domain.ReadJobStream(ctx, store, id, func(rec events.Record) (bool, error) {
		if *until > 0 && rec.Version > *until {
			return false, nil
		}
		recs = append(recs, rec)
		return true, state.Apply(rec)
	})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("job %s has no events", id)
	}
	if *asJSON {
		out := historyOutput{State: new(lphttp.NewJobView(state))}
		for _, rec := range recs {
			out.Events = append(out.Events, lphttp.NewEventView(rec))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printHistory(stdout, recs, state)
}

// parseJobArg parses flags around one JOB_ID argument.
func parseJobArg(fs *flag.FlagSet, args []string) (uuid.UUID, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return uuid.UUID{}, err
		}
		if args = fs.Args(); len(args) > 0 {
			pos, args = append(pos, args[0]), args[1:]
		}
	}
	if len(pos) != 1 {
		return uuid.UUID{}, fmt.Errorf("%s: want one JOB_ID", fs.Name())
	}
	id, err := uuid.Parse(pos[0])
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("%s: %q is not a job id", fs.Name(), pos[0])
	}
	return id, nil
}

func printHistory(w io.Writer, recs []events.Record, s *domain.Job) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tRECORDED\tTYPE\tSCHEMA\tACTOR\tSUMMARY")
	for _, rec := range recs {
		fmt.Fprintf(tw, "%d\t%s\t%s\tv%d\t%s\t%s\n", rec.Version, rec.RecordedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			printable(rec.Type), rec.SchemaVersion, printable(rec.Metadata.Actor), printable(summarize(rec)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nstate at version %d: %s, %d lines, %d entries, %d errors in %d groups, levels %s\n",
		s.Version, s.Status, s.Lines, s.Entries, s.Errors, s.ErrorGroups, levelCounts(s.Levels))
	return nil
}

// summarize says in a few words what an event records. Its text comes
// from the event; the caller makes it printable.
func summarize(rec events.Record) string {
	p, err := events.Decode(rec.Event)
	if err != nil {
		return "(undecodable: " + err.Error() + ")"
	}
	switch e := p.(type) {
	case *events.JobSubmitted:
		return fmt.Sprintf("%s, %d bytes, owner %s", e.FileName, e.Size, e.Owner)
	case *events.JobStarted:
		return fmt.Sprintf("attempt %d on %s", e.Attempt, e.Worker)
	case *events.LinesParsed:
		return fmt.Sprintf("chunk %d: lines %d-%d, levels %s", e.Chunk, e.FirstLine, e.LastLine, levelCounts(e.Levels))
	case *events.ErrorsDetected:
		return fmt.Sprintf("chunk %d: %d error groups", e.Chunk, len(e.Groups))
	case *events.JobCompleted:
		return fmt.Sprintf("%d chunks, %d lines in %dms (analyzer %s)", e.Chunks, e.Lines, e.DurationMS, e.AnalyzerVersion)
	case *events.JobFailed:
		return fmt.Sprintf("attempt %d: %s", e.Attempt, e.Reason)
	}
	return ""
}

// verifyJobs compares the job_stats read model with the events, for one job
// or every job, and fails if any differs.
func verifyJobs(ctx context.Context, pool *pgxpool.Pool, args []string, stdout io.Writer) error {
	store := postgres.New(pool)
	ids, err := jobsToVerify(ctx, store, args)
	if err != nil {
		return err
	}
	bad := 0
	for _, id := range ids {
		v, err := projections.VerifyJob(ctx, pool, store, id)
		if err != nil {
			return err
		}
		if !v.OK() {
			bad++
			fmt.Fprintf(stdout, "job %s (version %d): %d differences\n", id, v.Version, len(v.Differences))
			for _, d := range v.Differences {
				fmt.Fprintln(stdout, "  ", d)
			}
		}
	}
	fmt.Fprintf(stdout, "verified %d jobs: %d match their events, %d differ\n", len(ids), len(ids)-bad, bad)
	if bad > 0 {
		return fmt.Errorf("%d jobs differ from their events", bad)
	}
	return nil
}

// oneJob returns the id of a job that has events, or says there is no such
// job: a job without events has nothing to verify.
func oneJob(ctx context.Context, store events.Store, arg string) ([]uuid.UUID, error) {
	id, err := uuid.Parse(arg)
	if err != nil {
		return nil, fmt.Errorf("jobs verify: %q is not a job id", arg)
	}
	recs, err := store.ReadStream(ctx, events.JobStream(id), 0, 1)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("jobs verify: no such job %s (it has no events)", id)
	}
	return []uuid.UUID{id}, nil
}

func jobsToVerify(ctx context.Context, store *postgres.Store, args []string) ([]uuid.UUID, error) {
	if len(args) > 1 {
		return nil, fmt.Errorf("usage: logproc jobs verify [JOB_ID]")
	}
	if len(args) == 1 {
		return oneJob(ctx, store, args[0])
	}
	var ids []uuid.UUID
	after := ""
	for {
		streams, err := store.StreamIDs(ctx, events.JobStreamPrefix, after, 1000)
		if err != nil || len(streams) == 0 {
			return ids, err
		}
		for _, s := range streams {
			if id, ok := events.ParseJobStream(s); ok {
				ids = append(ids, id)
			}
		}
		after = streams[len(streams)-1]
	}
}
