package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/http/apitest"
)

// sseEvent is one Server-Sent Event as a client reads it.
type sseEvent struct {
	id, name string
	data     map[string]any
}

// stream is an open progress stream.
type stream struct {
	t         *testing.T
	validator *apitest.Validator
	resp      *http.Response
	events    chan sseEvent
	cancel    context.CancelFunc
}

// openProgress opens GET /api/jobs/{id}/progress and reads its events in the
// background.
func (e *env) openProgress(id, token, lastEventID string) (*stream, int) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/jobs/"+id+"/progress", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	validator, err := apitest.New()
	if err != nil {
		e.t.Fatal(err)
	}
	s := &stream{t: e.t, validator: validator, resp: resp, events: make(chan sseEvent, 100), cancel: cancel}
	e.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	if resp.StatusCode != http.StatusOK {
		return s, resp.StatusCode
	}
	go s.read()
	return s, resp.StatusCode
}

// read parses the stream into events; the channel closes when the server
// ends the stream.
func (s *stream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" {
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := []byte(strings.TrimPrefix(line, "data: "))
			if err := s.validator.CheckSchema("Progress", data); err != nil {
				s.t.Errorf("progress event: %v", err)
			}
			json.Unmarshal(data, &ev.data)
		}
	}
}

// next returns the next event, or false when the stream ended. The deadline
// only turns a hang into a failure.
func (s *stream) next() (sseEvent, bool) {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		return ev, ok
	case <-time.After(time.Minute):
		s.t.Fatal("no progress event within a minute")
		return sseEvent{}, false
	}
}

// work runs commands on the job as a worker would, each saved at once.
func (e *env) work(id uuid.UUID, commands ...func(*domain.Job) error) {
	e.t.Helper()
	jobs := domain.NewJobs(e.store)
	job, err := jobs.Load(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range commands {
		if err := jobs.Update(context.Background(), job, c); err != nil {
			e.t.Fatal(err)
		}
	}
}

var attempt = domain.Attempt{Number: 1, Worker: "test", Engine: "2.0.0"}

// twoChunks is a file that chunkOf(0) and chunkOf(1) read whole: ten lines
// of ten bytes each.
var twoChunks = []byte(strings.Repeat("boom 1234\n", 20))

// chunkOf is the n-th chunk of twoChunks.
func chunkOf(n int) domain.Chunk {
	return domain.Chunk{Lines: events.LinesParsed{Chunk: n, FirstLine: int64(n)*10 + 1, LastLine: int64(n)*10 + 10,
		BytesRead: int64(n+1) * 100, Counts: events.Counts{Lines: 10, Entries: 10, Bytes: 100,
			Levels: map[string]int64{"INFO": 9, "ERROR": 1}}},
		Errors: []events.ErrorGroup{{ID: "E1", Template: "boom", Level: "ERROR", Count: 1, Sample: "boom"}}}
}

func TestProgressStreamFollowsAJobToItsEnd(t *testing.T) {
	e := newEnv(t, "")
	alice := e.token("alice", "")
	_, body := e.upload(alice, "a.log", twoChunks)
	id := uuid.MustParse(body["job_id"].(string))
	e.projected(id, 1)
	s, status := e.openProgress(id.String(), alice, "")
	if status != http.StatusOK || s.resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("progress stream = %d %s", status, s.resp.Header.Get("Content-Type"))
	}
	first, _ := s.next()
	if first.name != "progress" || first.id != "1" || first.data["status"] != "queued" {
		t.Fatalf("first event = %+v, want the queued job at version 1", first)
	}
	e.work(id, func(j *domain.Job) error { return j.Start(attempt, time.Now()) })
	e.work(id, func(j *domain.Job) error { return j.RecordChunk(attempt, chunkOf(0), time.Now()) })
	e.work(id, func(j *domain.Job) error { return j.RecordChunk(attempt, chunkOf(1), time.Now()) },
		func(j *domain.Job) error { return j.Complete(attempt, 2, time.Second, time.Now()) })
	last := first
	var names []string
	for {
		ev, ok := s.next()
		if !ok {
			break
		}
		v, _ := strconv.Atoi(ev.id)
		lv, _ := strconv.Atoi(last.id)
		if v <= lv {
			t.Errorf("event version %d after %d", v, lv)
		}
		names, last = append(names, ev.name), ev
	}
	if last.name != "done" || last.id != "7" || last.data["status"] != "completed" || last.data["lines"] != float64(20) ||
		last.data["errors"] != float64(2) || last.data["progress_percent"] != float64(100) {
		t.Errorf("last event = %+v, want done at version 7 with the completed job's counts", last)
	}
	if names[len(names)-1] != "done" || strings.Count(strings.Join(names, " "), "done") != 1 {
		t.Errorf("events = %v, want progress events then one done", names)
	}
	if groups, _ := last.data["top_error_groups"].([]any); len(groups) != 1 {
		t.Errorf("error groups so far = %v", last.data["top_error_groups"])
	}
	_, status = e.openProgress(id.String(), alice, "7")
	if status != http.StatusNoContent {
		t.Errorf("reconnecting after the last event = %d, want 204 (nothing more will come)", status)
	}
}

func TestProgressStreamResumesAfterLastEventID(t *testing.T) {
	e := newEnv(t, "")
	alice := e.token("alice", "")
	_, body := e.upload(alice, "a.log", twoChunks)
	id := uuid.MustParse(body["job_id"].(string))
	e.work(id, func(j *domain.Job) error { return j.Start(attempt, time.Now()) })
	e.projected(id, 2)
	s, _ := e.openProgress(id.String(), alice, "2")
	e.work(id, func(j *domain.Job) error { return j.RecordChunk(attempt, chunkOf(0), time.Now()) })
	ev, _ := s.next()
	if ev.id == "2" || ev.id == "1" || ev.data["lines"] != float64(10) {
		t.Errorf("first event after Last-Event-ID 2 = %+v, want a later version with the chunk", ev)
	}
}

func TestProgressStreamsAreTheOwnersAndBounded(t *testing.T) {
	e := newEnv(t, "")
	e.hub.PerUser = 1
	alice := e.token("alice", "")
	_, body := e.upload(alice, "a.log", []byte("x\n"))
	id := body["job_id"].(string)
	e.projected(uuid.MustParse(id), 1)
	if _, status := e.openProgress(id, e.token("mallory", ""), ""); status != http.StatusNotFound {
		t.Errorf("another user's stream = %d, want 404", status)
	}
	if _, status := e.openProgress(id, e.token("root", "admin"), ""); status != http.StatusOK {
		t.Errorf("an admin's stream = %d, want 200", status)
	}
	if _, status := e.openProgress(id, alice, ""); status != http.StatusOK {
		t.Fatalf("alice's first stream = %d", status)
	}
	s, status := e.openProgress(id, alice, "")
	if status != http.StatusTooManyRequests || s.resp.Header.Get("Retry-After") == "" {
		t.Errorf("alice's second stream = %d (Retry-After %q), want 429 with Retry-After", status,
			s.resp.Header.Get("Retry-After"))
	}
	if _, status := e.openProgress(id, alice, "x"); status != http.StatusBadRequest {
		t.Errorf("Last-Event-ID x = %d, want 400", status)
	}
}
