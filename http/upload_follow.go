package http

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// A large upload that arrives fast is followed: its job is submitted once
// its first FollowBytes are stored, and its worker reads the file while the
// rest arrives, so the analysis ends about when the upload does instead of
// starting then. The store must let a blob be read while it is written
// (domain.GrowingBlobStore: local disk does, Supabase Storage does not),
// and the upload must keep up FollowMinRate, or a worker would hold a task
// slot mostly to wait for it. The upload then ends its job's upload with
// UploadCompleted, or fails the job when it fails: unlike an upload stored
// whole first, a followed upload that fails midway leaves a failed job.

// FollowMinRate is how fast the first FollowBytes of an upload must arrive
// for its analysis to follow it: a quarter to a half of what the engine
// read on one core on the machines measured (135-334 MB/s), so a worker
// following it works at least a quarter of the time.
const FollowMinRate = 64 << 20

// uploadFollower follows one upload: it reads the file as the blob store takes
// it, and submits the job once FollowBytes arrived fast enough.
type uploadFollower struct {
	s     *Server
	r     *http.Request
	store domain.GrowingBlobStore
	src   io.Reader
	file  *upload
	id    uuid.UUID
	key   string
	at    time.Time
	n     int64
	// job is the job once submitted; declined says the upload was too slow
	// to follow, so it is stored whole first.
	job      *domain.Job
	declined bool
}

// startFollow returns the uploadFollower of an upload, or nil when none can
// follow it: no FollowBytes, or a store that cannot be read while written.
func (s *Server) startFollow(r *http.Request, f *upload, id uuid.UUID, key string, at time.Time) *uploadFollower {
	store, ok := s.Blobs.(domain.GrowingBlobStore)
	if !ok || s.FollowBytes <= 0 || r.ContentLength >= 0 && r.ContentLength < s.FollowBytes {
		return nil
	}
	return &uploadFollower{s: s, r: r, store: store, file: f, id: id, key: key, at: at}
}

// put stores the upload's body, through the follower when there is one.
func (s *Server) put(ctx context.Context, fw *uploadFollower, key string, body io.Reader, contentType string) (domain.Blob, error) {
	if fw == nil {
		return s.Blobs.Put(ctx, key, body, contentType)
	}
	fw.src = body
	return fw.store.PutGrowing(ctx, key, fw, contentType)
}

// Read implements io.Reader: the upload's body, as the blob store reads it.
// The store has begun the blob when it reads, so a job submitted here can
// be read at once. A job that cannot be recorded fails the upload.
func (fw *uploadFollower) Read(p []byte) (int, error) {
	n, err := fw.src.Read(p)
	fw.n += int64(n)
	if fw.job != nil || fw.declined || fw.n < fw.s.FollowBytes {
		return n, err
	}
	if took := time.Since(fw.at); float64(fw.n) < float64(cmp.Or(fw.s.FollowMinRate, FollowMinRate))*took.Seconds() {
		fw.declined = true
		return n, err
	}
	if subErr := fw.submit(); subErr != nil {
		return n, subErr
	}
	return n, err
}

// submit records the job of the upload, still arriving.
func (fw *uploadFollower) submit() error {
	job, err := fw.s.submit(fw.r, fw.id, fw.file,
		domain.Upload{Blob: domain.Blob{Key: fw.key}, Following: true, ExpectedSize: fw.r.ContentLength}, fw.at)
	if err != nil {
		return err
	}
	fw.job = job
	return nil
}

// following reports whether the upload's job is submitted.
func (fw *uploadFollower) following() bool { return fw != nil && fw.job != nil }

// finish ends the upload of a followed job: it records UploadCompleted once
// the file is stored whole as blob with the plan found, or, when the upload
// failed (failure), fails the job and deletes what was stored.
func (fw *uploadFollower) finish(blob domain.Blob, plan *events.UploadPlan, failure error) (*domain.Job, error) {
	if failure == nil {
		failure = fw.s.refuseMoreFiles(fw.file)
	}
	if failure == nil {
		failure = fw.complete(blob, plan)
	}
	if failure == nil {
		return fw.job, nil
	}
	if errors.Is(fw.abandon(failure), domain.ErrUploadCompleted) {
		// The end of the upload was stored after all, though its append
		// failed as far as this handler could tell: the job stands.
		return fw.job, nil
	}
	if blob.Key != "" {
		fw.s.discardBlob(fw.r, blob.Key)
	}
	return nil, failure
}

// complete records UploadCompleted. A failure to record it whose append
// may have landed all the same is settled by reading the job again.
func (fw *uploadFollower) complete(blob domain.Blob, plan *events.UploadPlan) error {
	ctx, cancel := detached(fw.r)
	defer cancel()
	jobs := domain.NewJobs(fw.s.Events)
	err := jobs.Update(ctx, fw.job, func(j *domain.Job) error { return j.CompleteUpload(blob, plan, time.Now()) })
	if err == nil {
		return nil
	}
	// The update may have used up ctx: the reload gets a context of its own.
	ctx, cancel = detached(fw.r)
	defer cancel()
	if j, loadErr := jobs.Load(ctx, fw.id); loadErr == nil && j.UploadRecorded() {
		fw.job = j // stored after all, and maybe completed or failed since
		return nil
	}
	if errors.Is(err, domain.ErrJobFinished) {
		return domain.Errorf(domain.EUNAVAILABLE, "the upload was given up on before it was recorded as complete; try again")
	}
	return domain.Wrap(err, domain.EUNAVAILABLE, "the upload could not be recorded as complete; try again")
}

// abandon fails the job of an upload that will not complete, and returns
// what recording it met: ErrUploadCompleted says the upload's end is
// recorded (fw.job then holds it). Any other failure to record it is
// logged: the worker gives the upload up itself once the file stops
// growing.
func (fw *uploadFollower) abandon(cause error) error {
	ctx, cancel := detached(fw.r)
	defer cancel()
	err := domain.NewJobs(fw.s.Events).Update(ctx, fw.job, func(j *domain.Job) error {
		return j.AbandonUpload(cause, "", time.Now())
	})
	if err != nil && !errors.Is(err, domain.ErrJobFinished) && !errors.Is(err, domain.ErrUploadCompleted) {
		fw.s.Log.Error("could not record that a followed upload failed; its worker will give it up",
			"request_id", requestIDFrom(fw.r.Context()), "job", fw.id, "err", err)
	}
	return err
}
