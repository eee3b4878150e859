package domain_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// following saves a job submitted as its upload began, in a memory store.
func following(t *testing.T) (*domain.Jobs, *memory.Store, uuid.UUID) {
	t.Helper()
	store := memory.New()
	jobs := domain.NewJobs(store)
	id := uuid.New()
	j, err := domain.Submit(id, domain.Upload{Owner: "alice", FileName: "app.log", RequestID: "req-1",
		Blob: domain.Blob{Key: domain.BlobKey(id, at)}, Following: true, ExpectedSize: 1000}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	return jobs, store, id
}

func update(t *testing.T, jobs *domain.Jobs, j *domain.Job, command func(*domain.Job) error) error {
	t.Helper()
	return jobs.Update(ctx, j, command)
}

// A followed job records chunks while its file arrives, cannot complete
// before its upload has, and then completes as any job.
func TestAFollowedJobCompletesOnlyAfterItsUpload(t *testing.T) {
	jobs, store, id := following(t)
	j := load(t, jobs, id)
	if !j.Following || !j.Uploading() || j.Size != 0 || j.ExpectedSize != 1000 || j.Status != domain.StatusQueued {
		t.Fatalf("followed job at submission = %+v", j)
	}
	steps := []func(*domain.Job) error{
		func(j *domain.Job) error { return j.Start(engine, at) },
		func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) },
		func(j *domain.Job) error { return j.RecordChunk(engine, chunk(1), at) },
	}
	for _, step := range steps {
		if err := update(t, jobs, j, step); err != nil {
			t.Fatal(err)
		}
	}
	if got := j.ProgressPercent(); got != 10 {
		t.Errorf("progress while uploading = %v, want 10 (100 bytes read of 1000 announced)", got)
	}
	err := update(t, jobs, j, func(j *domain.Job) error { return j.Complete(engine, 2, 0, at) })
	if !errors.Is(err, domain.ErrUploading) {
		t.Fatalf("Complete before the upload ended: %v, want ErrUploading", err)
	}
	blob := domain.Blob{Key: j.BlobKey, Size: 100, SHA256: "ab"}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(blob, nil, at) }); err != nil {
		t.Fatal(err)
	}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.Complete(engine, 2, 0, at) }); err != nil {
		t.Fatal(err)
	}
	j = load(t, jobs, id)
	if j.Status != domain.StatusCompleted || j.Uploading() || j.Size != 100 || j.SHA256 != "ab" || j.Lines != 20 {
		t.Errorf("completed followed job = %+v", j)
	}
	if got, want := history(t, store, id), "JobSubmitted JobStarted LinesParsed ErrorsDetected LinesParsed ErrorsDetected UploadCompleted JobCompleted"; got != want {
		t.Errorf("history = %s, want %s", got, want)
	}
}

// The end of an upload is recorded once: a repeat is nothing, another file
// is an error, and no plan that does not cut the file is taken.
func TestCompleteUploadIsRecordedOnce(t *testing.T) {
	jobs, store, id := following(t)
	j := load(t, jobs, id)
	blob := domain.Blob{Key: j.BlobKey, Size: 100, SHA256: "ab"}
	badPlan := &events.UploadPlan{Engine: "2.0.0", Parts: []events.PartPlan{{Part: 1, Length: 10, FirstLine: 1}}}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(blob, badPlan, at) }); err == nil {
		t.Error("CompleteUpload took a plan of one part")
	}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(domain.Blob{}, nil, at) }); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("CompleteUpload of an empty file: %v, want EINVALID", err)
	}
	for range 2 {
		if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(blob, nil, at) }); err != nil {
			t.Fatal(err)
		}
	}
	other := domain.Blob{Key: j.BlobKey, Size: 101, SHA256: "cd"}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(other, nil, at) }); err == nil {
		t.Error("CompleteUpload of another file succeeded")
	}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.AbandonUpload(errors.New("late"), "", at) }); !errors.Is(err, domain.ErrUploadCompleted) {
		t.Errorf("AbandonUpload after the upload completed: %v, want ErrUploadCompleted", err)
	}
	if got := history(t, store, id); got != "JobSubmitted UploadCompleted" {
		t.Errorf("history = %s, want one UploadCompleted", got)
	}
}

// An upload that does not complete fails its job, with a code of its own;
// the job takes nothing after that, not even the upload's end.
func TestAbandonUploadFailsTheJob(t *testing.T) {
	jobs, store, id := following(t)
	j := load(t, jobs, id)
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }); err != nil {
		t.Fatal(err)
	}
	cause := domain.Errorf(domain.EINVALID, "the upload ended early or is malformed: unexpected EOF")
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.AbandonUpload(cause, "", at) }); err != nil {
		t.Fatal(err)
	}
	j = load(t, jobs, id)
	if j.Status != domain.StatusFailed || j.FailureCode != domain.CodeUploadIncomplete ||
		j.FailureReason != "the upload did not complete: the upload ended early or is malformed: unexpected EOF" || j.Uploading() {
		t.Errorf("abandoned job = %s %q %q", j.Status, j.FailureCode, j.FailureReason)
	}
	blob := domain.Blob{Key: j.BlobKey, Size: 100, SHA256: "ab"}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(blob, nil, at) }); !errors.Is(err, domain.ErrJobFinished) {
		t.Errorf("CompleteUpload of an abandoned job: %v, want ErrJobFinished", err)
	}
	recs, _ := store.ReadStream(ctx, events.JobStream(id), 0, 10)
	if last := recs[len(recs)-1]; last.Type != events.TypeJobFailed || last.Metadata.Actor != "alice" {
		t.Errorf("last event = %s by %q, want JobFailed by the uploader", last.Type, last.Metadata.Actor)
	}
}

// A followed job is not cut into parts while its size is unknown, and an
// upload still arriving tells no size, hash or plan.
func TestAFollowedJobIsNotPlannedWhileItArrives(t *testing.T) {
	jobs, _, id := following(t)
	j := load(t, jobs, id)
	parts := []events.PartPlan{{Part: 1, Length: 50, FirstLine: 1}, {Part: 2, Offset: 50, Length: 50, FirstLine: 5}}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.Plan(engine, parts, at) }); err == nil {
		t.Error("a job whose file is still arriving was planned in parts")
	}
	_, err := domain.Submit(uuid.New(), domain.Upload{Owner: "alice", FileName: "a.log",
		Blob: domain.Blob{Key: "k", Size: 10}, Following: true}, at)
	if err == nil {
		t.Error("Submit took a size for an upload still arriving")
	}
}

// The aggregate counts a followed file's bytes once, when its upload ends.
func TestTotalsCountAFollowedUploadOnce(t *testing.T) {
	var totals domain.Totals
	totals.Apply("", &events.JobSubmitted{Following: true, ExpectedSize: 1000})
	totals.Apply(domain.StatusQueued, &events.UploadCompleted{Size: 990})
	if totals.UploadedBytes != 990 || totals.JobsTotal != 1 || totals.Jobs[domain.StatusQueued] != 1 {
		t.Errorf("totals = %+v, want 990 bytes of one queued job", totals)
	}
}

// A worker may fail a followed job for what its file holds while the file
// arrives: the upload's end is still recorded, and the job stays failed.
// Once the end is recorded, giving the upload up is refused as completed,
// whatever the job became since.
func TestTheEndOfAnUploadOutlivesTheJobsOtherFailures(t *testing.T) {
	jobs, store, id := following(t)
	j := load(t, jobs, id)
	cause := domain.Errorf(domain.EUNSUPPORTED, "the file is binary")
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.Fail(engine, cause, false, at) }); err != nil {
		t.Fatal(err)
	}
	blob := domain.Blob{Key: j.BlobKey, Size: 100, SHA256: "ab"}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.CompleteUpload(blob, nil, at) }); err != nil {
		t.Fatalf("CompleteUpload of a job failed for its content: %v", err)
	}
	err := update(t, jobs, j, func(j *domain.Job) error { return j.AbandonUpload(errors.New("late"), "", at) })
	if !errors.Is(err, domain.ErrUploadCompleted) {
		t.Errorf("AbandonUpload after the end was recorded: %v, want ErrUploadCompleted", err)
	}
	j = load(t, jobs, id)
	if j.Status != domain.StatusFailed || j.FailureCode != domain.EUNSUPPORTED || j.Size != 100 || !j.UploadRecorded() {
		t.Errorf("job = %s %q, %d bytes, recorded %v; want failed for its content, 100 bytes", j.Status, j.FailureCode, j.Size, j.UploadRecorded())
	}
	if got := history(t, store, id); got != "JobSubmitted JobFailed UploadCompleted" {
		t.Errorf("history = %s", got)
	}
}

// A followed job completes only once its chunks have read its whole file.
func TestAFollowedJobCompletesOnlyWhenReadToItsEnd(t *testing.T) {
	jobs, _, id := following(t)
	j := load(t, jobs, id)
	blob := domain.Blob{Key: j.BlobKey, Size: 100, SHA256: "ab"}
	for _, step := range []func(*domain.Job) error{
		func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }, // 50 bytes read
		func(j *domain.Job) error { return j.CompleteUpload(blob, nil, at) },
	} {
		if err := update(t, jobs, j, step); err != nil {
			t.Fatal(err)
		}
	}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.Complete(engine, 1, 0, at) }); err == nil || domain.Permanent(err) {
		t.Errorf("Complete of a job read to byte 50 of 100: %v, want an error a retry can mend", err)
	}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(1), at) }); err != nil {
		t.Fatal(err)
	}
	if err := update(t, jobs, j, func(j *domain.Job) error { return j.Complete(engine, 2, 0, at) }); err != nil {
		t.Errorf("Complete of a job read to its end: %v", err)
	}
}
