package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/logproc/logproc/domain"
)

// A followed job (domain.Job.Following) reaches its worker while its file
// is still arriving. The worker reads the file as the blob store takes it,
// waiting at its end for more, and cannot complete the job before its
// upload is recorded as complete: the API records that, or fails the job,
// right after the upload ends. Should the API die meanwhile, the worker
// settles the upload itself: the file stops growing, and it gives the
// upload up.

// FollowStall is how long a worker waits for a followed file to grow before
// it gives the upload up: far longer than the API's own limit on a pause
// in an upload (http.DefaultUploadIdleTimeout, 30 s), which fails a
// stalled upload itself; this settles only an upload whose API died.
const FollowStall = 5 * time.Minute

// UploadVerdictWait bounds how long a worker that read a followed file to
// its end waits for the upload's end to be recorded: the API records it as
// soon as the file is stored, and waits at most 15 s for the event store.
const UploadVerdictWait = 30 * time.Second

// verdictPoll bounds the wait between two reads of the job's stream while
// a worker waits for the upload's verdict.
const verdictPoll = 10 * time.Millisecond

// ErrFollowersBusy puts off the task of a job whose upload is arriving
// when its worker already follows as many uploads as it may: a followed
// upload holds its slot for as long as the upload lasts, so the slots a
// worker gives to them are bounded (Handler.SetFollowSlots; none when its
// blob store cannot be read while written), and the others stay free for
// jobs that are ready. The task is retried after
// followersBusyDelay without counting as a failure (IsFailure), by then
// maybe with its file stored whole.
var ErrFollowersBusy = errors.New("this worker follows as many uploads as it may")

// followersBusyDelay is how long a task put off by ErrFollowersBusy waits.
const followersBusyDelay = 2 * time.Second

// followSlot takes one of the worker's slots for followed uploads, and
// returns its release, or ErrFollowersBusy when all are taken or its blob
// store cannot be read while it is written (it has none). A job whose
// file is stored needs none. On the task's last attempt nothing is put
// off: asynq archives a task that ends in an error then, put off or not,
// and the job would be lost with it. That attempt waits for the file to be
// stored instead, for as long as its context lasts, holding its task slot
// meanwhile.
func (r *jobRun) followSlot(ctx context.Context) (release func(), err error) {
	if !r.job.Uploading() {
		return func() {}, nil
	}
	var busy error
	if _, ok := r.blobs.(domain.GrowingBlobStore); !ok {
		busy = fmt.Errorf("job %s: %w: its blob store cannot be read while an upload writes it", r.id, ErrFollowersBusy)
	} else if r.followers == nil {
		return func() {}, nil
	} else {
		select {
		case r.followers <- struct{}{}:
			return func() { <-r.followers }, nil
		default:
			busy = fmt.Errorf("job %s: %w", r.id, ErrFollowersBusy)
		}
	}
	if !lastAttempt(ctx) {
		return nil, busy
	}
	r.log.Info("last attempt of a job whose upload arrives, with no slot to follow it: waiting for its file",
		"job", r.id)
	return func() {}, r.waitForUpload(ctx, time.Time{}, time.Second)
}

// errUploadGone is what the owner of a job is told when its worker gave
// its upload up: the reader's own error, which names blob keys and
// timeouts, goes to the log.
var errUploadGone = domain.Errorf(domain.ETIMEOUT,
	"the server receiving it stopped before it recorded the upload's end; upload the file again")

// errUploadUnsettled says the upload's end was not recorded in time.
var errUploadUnsettled = domain.Errorf(domain.ETIMEOUT, "the API never recorded the end of the upload")

// openWhole opens the job's file, following it while its upload arrives
// (followSlot made sure the store can).
func (r *jobRun) openWhole(ctx context.Context) (io.ReadCloser, error) {
	store, ok := r.blobs.(domain.GrowingBlobStore)
	if !r.job.Uploading() || !ok {
		return r.open(ctx, 0, -1)
	}
	blob, err := store.OpenGrowing(ctx, r.job.BlobKey, cmp.Or(r.FollowStall, FollowStall))
	if err != nil {
		return nil, fmt.Errorf("follow the file of job %s: %w", r.id, err)
	}
	return blob, nil
}

// awaitUpload waits until the job's upload is recorded as complete. It
// returns ErrJobFinished when the upload failed instead, and
// errUploadUnsettled when neither was recorded within UploadVerdictWait.
func (r *jobRun) awaitUpload(ctx context.Context) error {
	return r.waitForUpload(ctx, time.Now().Add(cmp.Or(r.VerdictWait, UploadVerdictWait)), verdictPoll)
}

// waitForUpload reads the job's stream, from 1 ms apart up to poll, until
// its upload has ended: nil when it completed, ErrJobFinished when it
// failed, errUploadUnsettled past give (never when give is zero).
func (r *jobRun) waitForUpload(ctx context.Context, give time.Time, poll time.Duration) error {
	for wait := time.Millisecond; ; wait = min(2*wait, poll) {
		if err := r.patiently(ctx, func() error { return r.jobs.CatchUp(ctx, r.job) }); err != nil {
			return err
		}
		switch {
		case r.job.Status.Terminal():
			return domain.ErrJobFinished
		case !r.job.Uploading():
			return nil
		case !give.IsZero() && time.Now().After(give):
			return errUploadUnsettled
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// settleUpload decides what a failure to read a followed file, or to see
// its upload end, means. A file that is gone or stopped growing is waited
// on: when the API has not recorded the upload's end within
// UploadVerdictWait, it is gone too, and the worker gives the upload up.
// Any other failure is the analysis' own.
func (r *jobRun) settleUpload(ctx context.Context, readErr error) error {
	if !r.job.Following {
		return readErr
	}
	err := readErr
	if code := domain.ErrorCode(readErr); !errors.Is(readErr, errUploadUnsettled) &&
		(code == domain.ENOTFOUND || code == domain.ETIMEOUT) {
		err = r.awaitUpload(ctx)
	}
	switch {
	case err == nil:
		// The upload completed after all: the next attempt reads the file
		// stored whole. The read's error must not fail the job.
		return fmt.Errorf("the followed upload of job %s completed after its read failed (%v); retrying", r.id, readErr)
	case !errors.Is(err, errUploadUnsettled):
		return err
	}
	err = r.update(ctx, func(j *domain.Job) error { return j.AbandonUpload(errUploadGone, "worker "+r.Name, time.Now()) })
	if err != nil {
		return err
	}
	r.log.Warn("gave up a followed upload whose end was never recorded", "job", r.id, "err", readErr)
	r.Metrics.jobFinished(r.job, time.Now())
	return domain.ErrJobFinished
}
