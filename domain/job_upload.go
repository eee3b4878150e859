package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/logproc/logproc/events"
)

// A job whose analysis follows its upload (Upload.Following) is submitted
// when the upload begins, not once its file is stored: its worker reads the
// file while it grows, so the analysis ends about when the upload does
// instead of starting then. Its upload ends with CompleteUpload, which
// records what JobSubmitted records of any other file, or AbandonUpload,
// which fails the job. The job cannot complete before its upload has.

// ErrUploading is returned by Complete while the job's upload is still
// arriving: the analysis has read what is stored so far, and must wait for
// the upload to be recorded as complete.
var ErrUploading = errors.New("the job's upload has not completed yet")

// ErrUploadCompleted is returned by AbandonUpload for a job whose upload
// was recorded as complete: an upload that could not tell whether its
// UploadCompleted was stored learns that it was.
var ErrUploadCompleted = errors.New("the job's upload has completed")

// CodeUploadIncomplete is the failure code of a job whose upload did not
// complete.
const CodeUploadIncomplete = "upload_incomplete"

// Uploading reports whether the job's file is still arriving: the job
// follows its upload, whose end is not recorded, and has not failed. Its
// Size, SHA256 and UploadPlan are known once it is not.
func (j *Job) Uploading() bool { return !j.UploadRecorded() && !j.Status.Terminal() }

// UploadRecorded reports whether the end of the job's upload is recorded:
// always for a job submitted with its file stored, and for a following job
// once its UploadCompleted is folded (a stored file is never empty). It
// says so whatever the job's status: a worker may complete the job, or fail
// it for what the file holds, as soon as the end is recorded.
func (j *Job) UploadRecorded() bool { return !j.Following || j.Size > 0 }

// CompleteUpload records that the file of a following job is stored whole,
// as blob, with the parts the upload planned (or nil). A job the worker
// failed meanwhile, for what its file holds, still records it: the file
// arrived, and the upload's answer is the failed job, as for any file. It
// returns ErrJobFinished for a job whose upload was given up on, and an
// error for a job whose upload completed with another file.
func (j *Job) CompleteUpload(blob Blob, plan *events.UploadPlan, at time.Time) error {
	switch {
	case !j.Following:
		return fmt.Errorf("job %s was submitted with its file stored", j.ID)
	case j.UploadRecorded() && (j.Size != blob.Size || j.SHA256 != blob.SHA256):
		return fmt.Errorf("job %s: its upload completed with another file", j.ID)
	case j.UploadRecorded():
		return nil
	case j.FailureCode == CodeUploadIncomplete:
		return ErrJobFinished
	case blob.Size <= 0:
		return Errorf(EINVALID, "the file is empty")
	case plan != nil:
		if err := CheckPlan(plan.Parts, blob.Size); err != nil {
			return err
		}
	}
	return j.record(events.DeterministicID(j.stream(), events.TypeUploadCompleted),
		&events.UploadCompleted{Size: blob.Size, SHA256: blob.SHA256, Plan: plan, At: at.UTC()}, j.uploadMetadata(), at)
}

// AbandonUpload records that the upload of a following job will not
// complete, for cause: the job fails, and the reason says what became of
// the upload. The analysis of what had arrived counts as a failed job's
// does. It returns ErrUploadCompleted for a job whose upload's end is
// recorded, whatever became of the job since, and ErrJobFinished for a
// finished job.
func (j *Job) AbandonUpload(cause error, actor string, at time.Time) error {
	switch {
	case j.UploadRecorded():
		return fmt.Errorf("job %s: %w", j.ID, ErrUploadCompleted)
	case j.Status.Terminal():
		return ErrJobFinished
	}
	md := j.uploadMetadata()
	md.Actor = firstNonEmpty(actor, md.Actor)
	return j.record(events.DeterministicID(j.stream(), events.TypeJobFailed), &events.JobFailed{
		Reason: "the upload did not complete: " + ErrorMessage(cause), Code: CodeUploadIncomplete, At: at.UTC(),
	}, md, at)
}

// uploadMetadata is the metadata of what the upload decides: its request
// caused it, on behalf of the job's owner.
func (j *Job) uploadMetadata() events.Metadata {
	return events.Metadata{CorrelationID: j.CorrelationID, CausationID: j.SubmittedEventID.String(), Actor: j.Owner}
}
