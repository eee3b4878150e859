package http

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// multipartSlack is what a multipart body may carry beyond the file itself:
// boundaries, part headers and small fields.
const multipartSlack = 1 << 20

// uploadResponse is the 202 body of an accepted upload.
type uploadResponse struct {
	JobID     uuid.UUID        `json:"job_id"`
	Status    domain.JobStatus `json:"status"`
	FileName  string           `json:"file_name"`
	Size      int64            `json:"size"`
	SHA256    string           `json:"sha256"`
	StatsURL  string           `json:"stats_url"`
	EventsURL string           `json:"events_url"`
}

// handleUploadLogs streams the multipart part "file" (or a raw body named by
// ?filename=) to the blob store, records JobSubmitted and answers 202. The
// file is never held in memory.
func (s *Server) handleUploadLogs(w http.ResponseWriter, r *http.Request) {
	job, err := s.acceptUpload(w, r)
	if err != nil {
		s.Metrics.upload(domain.ErrorCode(err), 0)
		s.uploadError(w, r, err)
		return
	}
	s.Metrics.accepted(job)
	statsURL := "/api/stats/" + job.ID.String()
	w.Header().Set("Location", statsURL)
	writeJSON(w, http.StatusAccepted, uploadResponse{JobID: job.ID, Status: job.Status,
		FileName: job.FileName, Size: job.Size, SHA256: job.SHA256, StatsURL: statsURL,
		EventsURL: "/api/jobs/" + job.ID.String() + "/events"})
}

// acceptUpload stores the request's file and records its job.
func (s *Server) acceptUpload(w http.ResponseWriter, r *http.Request) (*domain.Job, error) {
	if r.ContentLength > s.MaxUploadBytes+multipartSlack {
		return nil, tooLarge(s.MaxUploadBytes)
	}
	r.Body = http.MaxBytesReader(w, s.paced(w, r), s.MaxUploadBytes+multipartSlack)
	file, err := s.openUpload(r)
	if err == nil {
		err = domain.CheckFileName(file.name)
	}
	if err != nil {
		return nil, err
	}
	id, at := uuid.New(), time.Now()
	key := domain.BlobKey(id, at)
	fw := s.startFollow(r, file, id, key, at)
	blob, plan, err := s.storeUpload(r, key, file, domain.SettingsOf(s.ChunkLines, at), fw)
	if fw.following() {
		return fw.finish(blob, plan, err)
	}
	if err != nil {
		return nil, err
	}
	job, err := s.finishUpload(r, id, file, blob, plan, at)
	if err != nil {
		s.discardBlob(r, blob.Key)
		return nil, err
	}
	return job, nil
}

// uploadBuffer is the size of the reads of an upload's body, raw or a
// form (upload_form.go). The server reads 4 KiB at a time otherwise, one
// system call each: a file of 100 MB would cost 25,000 reads.
const uploadBuffer = 1 << 20

// upload is the file of an upload request, not yet read.
type upload struct {
	name        string
	contentType string
	body        io.Reader
	// parts reads the multipart parts after the file's; nil for a raw
	// body.
	parts *formReader
}

// uploadError answers a failed upload. A body that stalled is not read
// further: its connection closes.
func (s *Server) uploadError(w http.ResponseWriter, r *http.Request, err error) {
	if domain.ErrorCode(err) == domain.ETIMEOUT {
		w.Header().Set("Connection", "close")
	}
	s.error(w, r, err)
}

// finishUpload reads what follows the file, refusing a second file, and
// records the job.
func (s *Server) finishUpload(r *http.Request, id uuid.UUID, f *upload, blob domain.Blob, plan *events.UploadPlan,
	at time.Time) (*domain.Job, error) {
	if err := s.refuseMoreFiles(f); err != nil {
		return nil, err
	}
	return s.submit(r, id, f, domain.Upload{Blob: blob, Plan: plan}, at)
}

// refuseMoreFiles reads the parts after the file: one upload is one file,
// and a second "file" part would otherwise be dropped without a word.
func (s *Server) refuseMoreFiles(f *upload) error {
	if f.parts == nil {
		return nil
	}
	for {
		part, err := f.parts.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return bodyError(err, s.MaxUploadBytes)
		case part.FormName() == "file":
			return domain.Errorf(domain.EINVALID, `the upload holds more than one "file" part; send one file per request`)
		}
	}
}

// openUpload finds the file in the request: the multipart part "file", or
// the raw body when the request is not multipart.
func (s *Server) openUpload(r *http.Request) (*upload, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(mediaType, "multipart/") {
		return rawUpload(r)
	}
	mr, err := formReaderOf(r)
	if err != nil {
		return nil, domain.Wrap(err, domain.EINVALID, "malformed multipart body: "+err.Error())
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, domain.Errorf(domain.EINVALID, `missing multipart part "file": send the log as -F file=@app.log`)
		}
		if err != nil {
			return nil, bodyError(err, s.MaxUploadBytes)
		}
		if part.FormName() == "file" {
			return &upload{name: part.FileName(), contentType: part.Header.Get("Content-Type"), body: part, parts: mr}, nil
		}
	}
}

func rawUpload(r *http.Request) (*upload, error) {
	name := r.URL.Query().Get("filename")
	if name == "" {
		return nil, domain.Errorf(domain.EINVALID,
			`send the log as multipart/form-data with a part "file", or as a raw body with ?filename=NAME`)
	}
	return &upload{name: name, contentType: r.Header.Get("Content-Type"), body: bufio.NewReaderSize(r.Body, uploadBuffer)}, nil
}

// storeUpload streams the file to the blob store under key, planning a
// large one in parts as it goes (upload_plan.go). It refuses a binary file
// and one over the size limit, leaving nothing behind.
func (s *Server) storeUpload(r *http.Request, key string, f *upload, settings domain.AnalysisSettings,
	fw *uploadFollower) (domain.Blob, *events.UploadPlan, error) {
	ctx := r.Context()
	src := &uploadReader{r: f.body, max: s.MaxUploadBytes}
	if err := src.sniff(); err != nil {
		return domain.Blob{}, nil, err
	}
	var body io.Reader = src
	planner := s.startPlan(ctx, r.ContentLength, settings)
	if planner != nil {
		body = io.TeeReader(src, planner)
	}
	blob, err := s.put(ctx, fw, key, body, f.contentType)
	plan := planner.finish(ctx, blob, err == nil && src.err == nil)
	if src.err != nil {
		return domain.Blob{}, nil, bodyError(src.err, s.MaxUploadBytes)
	}
	if err != nil {
		return domain.Blob{}, nil, fmt.Errorf("store upload: %w", err)
	}
	return blob, plan, nil
}

// submit makes the file of the request a job and records it: u says what
// is known of the file (stored whole, or still arriving), and the request
// the rest. The request id becomes the job's correlation id.
func (s *Server) submit(r *http.Request, id uuid.UUID, f *upload, u domain.Upload, at time.Time) (*domain.Job, error) {
	u.Owner, u.FileName, u.ContentType = callerOf(r).Subject, f.name, f.contentType
	u.RequestID, u.ChunkLines = requestIDFrom(r.Context()), s.ChunkLines
	job, err := domain.Submit(id, u, at)
	if err != nil {
		return nil, err
	}
	if err := s.saveJob(r, job); err != nil {
		return nil, err
	}
	return job, nil
}

// saveJob records a job an upload submitted. The append outlives a client
// that goes away: once the file is stored, a commit that races a disconnect
// must not leave a job whose blob the handler then deletes.
func (s *Server) saveJob(r *http.Request, job *domain.Job) error {
	ctx, cancel := detached(r)
	defer cancel()
	if err := domain.NewJobs(s.Events).Save(ctx, job); err != nil {
		return domain.Wrap(err, domain.EUNAVAILABLE, "the job could not be recorded; try again")
	}
	return nil
}

// appendTimeout bounds the recording of an upload's JobSubmitted.
const appendTimeout = 15 * time.Second

// detached returns the context of what an upload records or deletes once
// its body is read: it outlives a client that goes away, for at most
// appendTimeout.
func detached(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), appendTimeout)
}

// discardBlob deletes a stored upload that will not become a job, and logs
// a failure: the file would be left behind.
func (s *Server) discardBlob(r *http.Request, key string) {
	ctx, cancel := detached(r)
	defer cancel()
	if err := s.Blobs.Delete(ctx, key); err != nil {
		s.Log.Error("could not delete the file of a refused upload; it is left behind",
			"request_id", requestIDFrom(r.Context()), "key", key, "err", err)
	}
}

// bodyError says what went wrong reading the request body.
func bodyError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || errors.Is(err, domain.ErrTooLarge):
		return tooLarge(max)
	case domain.ErrorCode(err) == domain.ETIMEOUT:
		return err
	}
	return domain.Wrap(err, domain.EINVALID, "the upload ended early or is malformed: "+err.Error())
}

func tooLarge(max int64) error {
	return domain.Errorf(domain.ETOOLARGE, "the file exceeds the upload limit of %d bytes (MAX_UPLOAD_BYTES)", max)
}
