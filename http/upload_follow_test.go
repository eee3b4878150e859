package http_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	lphttp "github.com/logproc/logproc/http"
)

// TestOnlyAFastLargeUploadIsFollowed uploads the same file to servers that
// follow uploads from their first MiB at any rate, at a rate no upload
// reaches, and not at all, and a file under a MiB: only the first gets its
// job as it begins, and its UploadCompleted then records what JobSubmitted
// records of the others, plan in parts included.
func TestOnlyAFastLargeUploadIsFollowed(t *testing.T) {
	const partBytes = 64 << 10
	e := newEnv(t, "")
	engine := worker.NewEngine(nil)
	var buf bytes.Buffer
	for i := 0; buf.Len() < 3<<20; i++ {
		fmt.Fprintf(&buf, "2026-11-27 10:%02d:%02d INFO [main] Request %d served\n", i/60%60, i%60, i)
	}
	large := buf.Bytes()
	want, err := engine.Plan(context.Background(), bytes.NewReader(large), int64(len(large)), partBytes,
		domain.SettingsOf(0, time.Now()))
	if err != nil || len(want) < 2 {
		t.Fatalf("the engine's plan: %d parts, %v", len(want), err)
	}
	alice := e.token("alice", "")
	for _, c := range []struct {
		name            string
		follow, minRate int64
		file            []byte
		followed        bool
	}{
		{"fast", 1 << 20, 1, large, true},
		{"slow", 1 << 20, 1 << 50, large, false},
		{"not followed", 0, 1, large, false},
		{"small", 1 << 20, 1, large[:1<<19], false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.restart(func(s *lphttp.Server) {
				s.Planner, s.PartBytes, s.FollowBytes, s.FollowMinRate = engine, partBytes, c.follow, c.minRate
				s.MaxUploadBytes = 8 << 20
			})
			status, body := e.do("POST", "/api/upload-logs?filename=app.log", alice, bytes.NewReader(c.file), "text/plain")
			if status != http.StatusAccepted || body["size"] != float64(len(c.file)) {
				t.Fatalf("upload = %d %v", status, body)
			}
			job, err := domain.NewJobs(e.store).Load(context.Background(), uuid.MustParse(body["job_id"].(string)))
			if err != nil {
				t.Fatal(err)
			}
			if job.Following != c.followed || job.Uploading() || job.Size != int64(len(c.file)) || job.SHA256 != body["sha256"] {
				t.Errorf("job: following %v, uploading %v, %d bytes, sha256 %s; want following %v, %d bytes, sha256 %v",
					job.Following, job.Uploading(), job.Size, job.SHA256, c.followed, len(c.file), body["sha256"])
			}
			if len(c.file) == len(large) && (job.UploadPlan == nil || !cmp.Equal(job.UploadPlan.Parts, want)) {
				t.Errorf("plan of the stored file = %+v, want the engine's %d parts", job.UploadPlan, len(want))
			}
		})
	}
}

// workerStore stands for a worker beside the upload: before the upload's
// end is appended, and after, it runs a command of the worker's on the job
// in the store; after the end is stored it may lose the append's answer
// and fail the next read, so that the handler cannot tell whether the end
// was stored until it tries to give the upload up.
type workerStore struct {
	events.Store
	before, after func(*domain.Job) error
	loseAnswer    bool
	mu            sync.Mutex
	lost          bool
}

func (s *workerStore) AppendToStream(ctx context.Context, stream string, expected int64, evs ...events.Event) (int64, error) {
	if len(evs) != 1 || evs[0].Type != events.TypeUploadCompleted {
		return s.Store.AppendToStream(ctx, stream, expected, evs...)
	}
	s.work(ctx, stream, &s.before)
	v, err := s.Store.AppendToStream(ctx, stream, expected, evs...)
	if err != nil {
		return v, err
	}
	s.work(ctx, stream, &s.after)
	if !s.loseAnswer {
		return v, nil
	}
	s.mu.Lock()
	s.lost = true
	s.mu.Unlock()
	return 0, fmt.Errorf("%w: the connection dropped after the commit", events.ErrUnavailable)
}

// work runs a command on the job of stream once, as a worker would.
func (s *workerStore) work(ctx context.Context, stream string, once *func(*domain.Job) error) {
	command := *once
	if command == nil {
		return
	}
	*once = nil
	id, _ := events.ParseJobStream(stream)
	jobs := domain.NewJobs(s.Store)
	j, err := jobs.Load(ctx, id)
	if err == nil {
		err = jobs.Update(ctx, j, command)
	}
	if err != nil {
		panic(fmt.Sprintf("the worker's command failed: %v", err))
	}
}

func (s *workerStore) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]events.Record, error) {
	s.mu.Lock()
	lost := s.lost
	s.lost = false
	s.mu.Unlock()
	if lost {
		return nil, fmt.Errorf("%w: still down", events.ErrUnavailable)
	}
	return s.Store.ReadStream(ctx, stream, after, limit)
}

// A followed upload is answered by its job whatever the worker did beside
// it: the end of the upload is recorded once, the file kept, and the job
// not failed for the upload, when the append's answer was lost (the end
// stored all the same), when the worker completed the job meanwhile, and
// when it failed the job for what the file holds before the end arrived.
func TestAFollowedUploadIsAnsweredByItsJob(t *testing.T) {
	attempt := domain.Attempt{Number: 1, Worker: "w:1", Engine: "test"}
	finish := func(j *domain.Job) error { // the whole file in one chunk
		if err := j.Start(attempt, time.Now()); err != nil {
			return err
		}
		lines := events.LinesParsed{FirstLine: 1, LastLine: 50_000, BytesRead: j.Size,
			Counts: events.Counts{Lines: 50_000, Entries: 50_000, Bytes: j.Size, Levels: map[string]int64{"INFO": 50_000}}}
		if err := j.RecordChunk(attempt, domain.Chunk{Lines: lines}, time.Now()); err != nil {
			return err
		}
		return j.Complete(attempt, 1, 0, time.Now())
	}
	binary := func(j *domain.Job) error {
		return j.Fail(attempt, domain.Errorf(domain.EUNSUPPORTED, "the file holds binary data"), false, time.Now())
	}
	e := newEnv(t, "")
	base := e.store
	file := bytes.Repeat([]byte("2026-11-27 10:00:00 INFO [main] Request served\n"), 50_000)
	for _, c := range []struct {
		name   string
		store  func(events.Store) *workerStore
		status domain.JobStatus
	}{
		{"answer lost", func(s events.Store) *workerStore { return &workerStore{Store: s, loseAnswer: true} }, domain.StatusQueued},
		{"answer lost, job completed meanwhile", func(s events.Store) *workerStore {
			return &workerStore{Store: s, loseAnswer: true, after: finish}
		}, domain.StatusCompleted},
		{"job failed for its file first", func(s events.Store) *workerStore {
			return &workerStore{Store: s, before: binary}
		}, domain.StatusFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.restart(func(s *lphttp.Server) {
				s.Events = c.store(base)
				s.FollowBytes, s.FollowMinRate, s.MaxUploadBytes = 1<<20, 1, 8<<20
			})
			status, body := e.do("POST", "/api/upload-logs?filename=app.log", e.token("alice", ""), bytes.NewReader(file), "text/plain")
			if status != http.StatusAccepted {
				t.Fatalf("upload = %d %v, want 202", status, body)
			}
			job, err := domain.NewJobs(e.store).Load(context.Background(), uuid.MustParse(body["job_id"].(string)))
			if err != nil {
				t.Fatal(err)
			}
			if !job.Following || !job.UploadRecorded() || job.Status != c.status || job.Size != int64(len(file)) ||
				job.FailureCode == domain.CodeUploadIncomplete {
				t.Errorf("job: following %v, recorded %v, %s %q, %d bytes; want the upload recorded, %s, %d bytes",
					job.Following, job.UploadRecorded(), job.Status, job.FailureCode, job.Size, c.status, len(file))
			}
			if _, err := e.blobs.Open(context.Background(), job.BlobKey); err != nil {
				t.Errorf("the accepted upload's file: %v", err)
			}
		})
	}
}
