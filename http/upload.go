package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
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
	if r.ContentLength > s.MaxUploadBytes+multipartSlack {
		s.error(w, r, tooLarge(s.MaxUploadBytes))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUploadBytes+multipartSlack)
	file, err := s.openUpload(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	job := uuid.New()
	blob, err := s.storeUpload(r, job, file)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.submit(r, job, file, blob); err != nil {
		s.discardBlob(r, blob.Key)
		s.error(w, r, err)
		return
	}
	statsURL := "/api/stats/" + job.String()
	w.Header().Set("Location", statsURL)
	writeJSON(w, http.StatusAccepted, uploadResponse{JobID: job, Status: domain.StatusQueued,
		FileName: file.name, Size: blob.Size, SHA256: blob.SHA256, StatsURL: statsURL,
		EventsURL: "/api/jobs/" + job.String() + "/events"})
}

// upload is the file of an upload request, not yet read.
type upload struct {
	name        string
	contentType string
	body        io.Reader
}

// openUpload finds the file in the request: the multipart part "file", or
// the raw body when the request is not multipart.
func (s *Server) openUpload(r *http.Request) (*upload, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(mediaType, "multipart/") {
		return rawUpload(r)
	}
	mr, err := r.MultipartReader()
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
			return &upload{name: cleanFileName(part.FileName()), contentType: part.Header.Get("Content-Type"), body: part}, nil
		}
	}
}

func rawUpload(r *http.Request) (*upload, error) {
	name := cleanFileName(r.URL.Query().Get("filename"))
	if r.URL.Query().Get("filename") == "" {
		return nil, domain.Errorf(domain.EINVALID,
			`send the log as multipart/form-data with a part "file", or as a raw body with ?filename=NAME`)
	}
	return &upload{name: name, contentType: r.Header.Get("Content-Type"), body: r.Body}, nil
}

// cleanFileName keeps the base name of what a client calls its file.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "." || name == "/" || name == "" {
		return "upload.log"
	}
	if len(name) > 255 {
		name = name[:255]
	}
	return strings.ToValidUTF8(name, "_")
}

// storeUpload streams the file to the blob store under a new key. It refuses
// an empty or binary file and one over the size limit, leaving nothing
// behind.
func (s *Server) storeUpload(r *http.Request, job uuid.UUID, f *upload) (domain.Blob, error) {
	ctx := r.Context()
	src := &uploadReader{r: f.body, max: s.MaxUploadBytes}
	if err := src.sniff(); err != nil {
		return domain.Blob{}, err
	}
	key := fmt.Sprintf("jobs/%s/%s", time.Now().UTC().Format("2006/01/02"), job)
	blob, err := s.Blobs.Put(ctx, key, src, f.contentType)
	if src.err != nil {
		return domain.Blob{}, bodyError(src.err, s.MaxUploadBytes)
	}
	if err != nil {
		return domain.Blob{}, fmt.Errorf("store upload: %w", err)
	}
	if blob.Size == 0 {
		s.discardBlob(r, key)
		return domain.Blob{}, domain.Errorf(domain.EINVALID, "the file is empty")
	}
	return blob, nil
}

// submit records the job's first event. The request id becomes the job's
// correlation id.
func (s *Server) submit(r *http.Request, job uuid.UUID, f *upload, blob domain.Blob) error {
	caller := callerOf(r)
	reqID := requestIDFrom(r.Context())
	e, err := events.New(uuid.New(), &events.JobSubmitted{
		JobID: job, Owner: caller.Subject, FileName: f.name, Size: blob.Size, SHA256: blob.SHA256,
		BlobKey: blob.Key, ContentType: f.contentType, SubmittedAt: time.Now().UTC(),
		Options: events.JobOptions{ChunkLines: domain.DefaultChunkLines},
	}, events.Metadata{CorrelationID: reqID, CausationID: reqID, Actor: caller.Subject})
	if err != nil {
		return err
	}
	// The append outlives a client that goes away: once the file is
	// stored, a commit that races a disconnect must not leave a job whose
	// blob the handler then deletes.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), appendTimeout)
	defer cancel()
	if _, err := s.Events.AppendToStream(ctx, events.JobStream(job), 0, e); err != nil {
		return domain.Wrap(err, domain.EUNAVAILABLE, "the job could not be recorded; try again")
	}
	return nil
}

// appendTimeout bounds the recording of an upload's JobSubmitted.
const appendTimeout = 15 * time.Second

// discardBlob deletes a stored upload that will not become a job, and logs
// a failure: the file would be left behind.
func (s *Server) discardBlob(r *http.Request, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), appendTimeout)
	defer cancel()
	if err := s.Blobs.Delete(ctx, key); err != nil {
		s.Log.Error("could not delete the file of a refused upload; it is left behind",
			"request_id", requestIDFrom(r.Context()), "key", key, "err", err)
	}
}

// bodyError says what went wrong reading the request body.
func bodyError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, domain.ErrTooLarge) {
		return tooLarge(max)
	}
	return domain.Wrap(err, domain.EINVALID, "the upload ended early or is malformed: "+err.Error())
}

func tooLarge(max int64) error {
	return domain.Errorf(domain.ETOOLARGE, "the file exceeds the upload limit of %d bytes (MAX_UPLOAD_BYTES)", max)
}
