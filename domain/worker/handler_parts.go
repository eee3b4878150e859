package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// A job whose file is at least two parts large is analysed in parts: the
// job's task plans them (reading the file once to count lines and find
// entries at the cuts, unless its upload did that as it stored the file)
// and enqueues a task per part; each part's task
// records the part's chunks and its end; whichever task finds every part
// ended joins them and completes the job. Each step is a command on the job
// saved with an expected version, so the part tasks, on any number of
// workers, never count a chunk twice however they are delivered.

// plan cuts the job's file into parts when it is large enough and records
// the plan with the job's start. It reports whether the job is now planned.
func (r *jobRun) plan(ctx context.Context) (bool, error) {
	if r.PartBytes <= 0 || r.Parts == nil || r.job.Chunks > 0 || r.job.Size < 2*r.PartBytes {
		return false, nil
	}
	parts, err := r.cut(ctx)
	if err != nil || len(parts) < 2 {
		return false, err
	}
	err = r.update(ctx, func(j *domain.Job) error {
		if err := j.Start(r.attempt, time.Now()); err != nil {
			return err
		}
		return j.Plan(r.attempt, parts, time.Now())
	})
	if err != nil {
		return false, err
	}
	return true, r.fanOut(ctx)
}

// cut returns the parts of the job's file: those its upload found, when
// this worker's engine cut them, or else those a read of the whole file
// finds now.
func (r *jobRun) cut(ctx context.Context) ([]events.PartPlan, error) {
	if p := r.job.UploadPlan; p != nil && p.Engine == r.analyzer.Version() {
		return p.Parts, nil
	}
	blob, err := r.open(ctx, 0, -1)
	if err != nil {
		return nil, err
	}
	defer blob.Close()
	partBytes := max(r.PartBytes, (r.job.Size+domain.MaxParts-1)/domain.MaxParts)
	return r.analyzer.Plan(ctx, blob, r.job.Size, partBytes, r.job.AnalysisSettings())
}

// fanOut enqueues the tasks of the parts not completed, and finishes the
// job if none is left.
func (r *jobRun) fanOut(ctx context.Context) error {
	left := r.job.PartsLeft()
	for _, n := range left {
		p := r.job.Parts[n-1]
		if err := r.Parts.EnqueuePart(ctx, r.id, n, p.Length); err != nil {
			return fmt.Errorf("enqueue part %d of job %s: %w", n, r.id, err)
		}
	}
	r.outcome = fmt.Sprintf("job planned in %d parts; %d enqueued", len(r.job.Parts), len(left))
	if len(left) == 0 {
		return r.finish(ctx)
	}
	return nil
}

// doPart analyses the attempt's part and ends it; the last part to end
// finishes the job.
func (r *jobRun) doPart(ctx context.Context) error {
	err := r.update(ctx, func(j *domain.Job) error { return j.Start(r.attempt, time.Now()) })
	if errors.Is(err, domain.ErrPartDone) {
		return r.finish(ctx)
	}
	if err != nil {
		return err
	}
	plan := r.job.Parts[r.attempt.Part-1].PartPlan
	head, err := r.open(ctx, 0, -1)
	if err != nil {
		return err
	}
	defer head.Close()
	body, err := r.open(ctx, plan.Offset, plan.Length)
	if err != nil {
		return err
	}
	defer body.Close()
	start := time.Now()
	settings := r.job.AnalysisSettings()
	var res domain.PartResult
	err = r.analyse(ctx, func(emit func(domain.Chunk) error) (err error) {
		res, err = r.analyzer.AnalyzePart(ctx, head, body, plan, settings, emit)
		return err
	})
	if errors.Is(err, domain.ErrPartDone) {
		// A twin delivery completed the part while this one analysed it.
		r.outcome = "part completed by a twin"
		return r.finish(ctx)
	}
	if err != nil {
		return err
	}
	r.Metrics.analysed(time.Since(start))
	err = r.update(ctx, func(j *domain.Job) error { return j.CompletePart(r.attempt, r.chunks, res, time.Now()) })
	if err != nil && !errors.Is(err, domain.ErrPartDone) {
		return err
	}
	r.outcome = "part completed"
	return r.finish(ctx)
}

// finish joins the parts and completes the job once every part is
// completed; before that it does nothing. Two parts ending at once may both
// try: the job's version lets one record it, and the other finds the job
// finished.
func (r *jobRun) finish(ctx context.Context) error {
	now := time.Now()
	var done bool
	err := r.update(ctx, func(j *domain.Job) error {
		done = false
		if !j.ReadyToFinish() {
			return nil
		}
		merged, err := r.analyzer.Merge(partTemplates(j), partSketches(j))
		if err != nil {
			return fmt.Errorf("join the parts of job %s: %w", r.id, err)
		}
		if err := j.JoinGroups(r.attempt, merged, now); err != nil {
			return err
		}
		done = true
		return j.Complete(r.attempt, j.Chunks, now.Sub(startOf(j, now)), now)
	})
	if err == nil && done {
		r.Metrics.jobFinished(r.job, now)
		r.outcome = "job completed: its parts joined"
	}
	return err
}

func partTemplates(j *domain.Job) []events.GroupTemplate {
	var out []events.GroupTemplate
	for _, p := range j.Parts {
		out = append(out, p.Templates...)
	}
	return out
}

// groupTemplates lists the error groups of a job analysed whole as the
// engine joins them: the mining of one pass can still leave an event under
// two groups, one whose words it first met in a branch of its own.
func groupTemplates(j *domain.Job) []events.GroupTemplate {
	out := make([]events.GroupTemplate, 0, len(j.Groups))
	for _, g := range j.Groups {
		out = append(out, events.GroupTemplate{ID: g.ID, Template: g.Template, FirstLine: g.FirstLine})
	}
	return out
}

func partSketches(j *domain.Job) [][]byte {
	out := make([][]byte, 0, len(j.Parts))
	for _, p := range j.Parts {
		out = append(out, p.IPs)
	}
	return out
}

// startOf is when the job's first attempt began.
func startOf(j *domain.Job, now time.Time) time.Time {
	if j.StartedAt != nil {
		return *j.StartedAt
	}
	return now
}
