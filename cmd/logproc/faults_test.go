package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/logproc/logproc/projections"
)

// The fault tests kill, freeze and restart real processes and real
// services (their own: see faults_services_test.go) and check that every
// accepted job ends with exact numbers and that `jobs verify` stays clean.
// They log how long each recovery took, from the fault to the job's
// completion, as "RECOVERY <fault>: <seconds>"; nothing asserts a time. The
// README's reliability figures come from `make reliability`.

// faultLog is a log of n lines with known counts: an ERROR every 50th line,
// a WARN every 7th of the others, INFO otherwise.
func faultLog(n int) ([]byte, map[string]int64) {
	var b strings.Builder
	levels := map[string]int64{}
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i := range n {
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond).Format("2006-01-02 15:04:05,000")
		switch {
		case i%50 == 0:
			levels["ERROR"]++
			fmt.Fprintf(&b, "%s ERROR [db] query %d failed on 10.0.%d.%d\n", at, i, i%7, i%200)
		case i%7 == 0:
			levels["WARN"]++
			fmt.Fprintf(&b, "%s WARN [pool] slow lookup took %d ms\n", at, i%900)
		default:
			levels["INFO"]++
			fmt.Fprintf(&b, "%s INFO [http] served request %d in %d ms\n", at, i, i%13)
		}
	}
	return []byte(b.String()), levels
}

// recovery logs how long a recovery took, for the README's figures.
func recovery(t *testing.T, fault string, took time.Duration) {
	t.Logf("RECOVERY %s: %.1f s", fault, took.Seconds())
}

// completed polls a job through api until the read model holds it
// completed, failing the test on any answer but 200 (an accepted job is
// never 404), and returns it with the time it was first seen so.
func completed(t *testing.T, api *proc, id, token string) (jobStats, time.Time) {
	t.Helper()
	jobs, at := allCompleted(t, api, token, id)
	return jobs[0], at[0]
}

// allCompleted is completed for several jobs polled side by side.
func allCompleted(t *testing.T, api *proc, token string, ids ...string) ([]jobStats, []time.Time) {
	t.Helper()
	jobs, at := make([]jobStats, len(ids)), make([]time.Time, len(ids))
	deadline := time.Now().Add(5 * time.Minute)
	for left := len(ids); left > 0; time.Sleep(100 * time.Millisecond) {
		for i, id := range ids {
			if !at[i].IsZero() {
				continue
			}
			status, err := api.getJSON("/api/stats/"+id, token, &jobs[i])
			switch {
			case status == http.StatusOK && jobs[i].Status == "completed" && jobs[i].Projected:
				at[i], left = time.Now(), left-1
			case status == http.StatusOK && jobs[i].Status == "failed":
				t.Fatalf("job %s failed: %s", id, jobs[i].FailureReason)
			case status == http.StatusNotFound:
				t.Fatalf("accepted job %s answered 404", id)
			case time.Now().After(deadline):
				t.Fatalf("job %s did not complete: last %d %+v %v", id, status, jobs[i], err)
			}
		}
	}
	return jobs, at
}

// exact fails the test unless the job holds the numbers of its log.
func exact(t *testing.T, js jobStats, lines int, levels map[string]int64) {
	t.Helper()
	if js.Lines != int64(lines) || fmt.Sprint(js.Levels) != fmt.Sprint(levels) || js.Errors != levels["ERROR"] {
		t.Errorf("job: %d lines, levels %v, %d errors; want %d, %v, %d", js.Lines, js.Levels, js.Errors,
			lines, levels, levels["ERROR"])
	}
}

// accepted uploads a log through api, retrying while the API cannot take it
// (a dependency is down), and returns the job's id.
func accepted(t *testing.T, api *proc, token string, content []byte) string {
	t.Helper()
	var id string
	waitFor(t, "an upload to be accepted", 2*time.Minute, func() bool {
		var status int
		id, status = api.upload(token, "app.log", content)
		return status == http.StatusAccepted
	})
	return id
}

// workerOf returns the worker process that started the job's first
// attempt, once it has.
func workerOf(t *testing.T, api *proc, id, token string, workers ...*proc) *proc {
	t.Helper()
	var found *proc
	waitFor(t, "the job to start", time.Minute, func() bool {
		var hist struct {
			Events []struct {
				Type string `json:"type"`
				Data struct {
					Worker string `json:"worker"`
				} `json:"data"`
			} `json:"events"`
		}
		api.getJSON("/api/jobs/"+id+"/events", token, &hist)
		for _, e := range hist.Events {
			for _, w := range workers {
				if e.Type == "JobStarted" && strings.HasSuffix(e.Data.Worker, ":"+strconv.Itoa(w.cmd.Process.Pid)) {
					found = w
				}
			}
		}
		return found != nil
	})
	return found
}

func TestFaultWorkerKilledMidJob(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	api := s.start("serve", "serve")
	workers := []*proc{s.start("worker 1", "work"), s.start("worker 2", "work")}
	tok := s.token("alice", "")
	const lines = 400_000
	content, levels := faultLog(lines)
	for try := 1; ; try++ {
		id := accepted(t, api, tok, content)
		victim := workerOf(t, api, id, tok, workers...)
		// Frozen first, so it cannot finish between the look and the kill.
		victim.signal(syscall.SIGSTOP)
		fault := time.Now()
		var js jobStats
		api.getJSON("/api/stats/"+id, tok, &js)
		if js.Status == "completed" {
			victim.signal(syscall.SIGCONT)
			if try == 5 {
				t.Fatal("five jobs completed before their worker could be killed; use a longer log")
			}
			continue
		}
		victim.kill()
		js, done := completed(t, api, id, tok)
		exact(t, js, lines, levels)
		recovery(t, "kill -9 of a worker mid-job", done.Sub(fault))
		break
	}
	s.verified()
}

func TestFaultRedisRestartedEmpty(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	api := s.start("serve", "serve")
	s.start("worker", "work")
	tok := s.token("alice", "")
	inspector := asynq.NewInspector(asynq.RedisClientOpt{Addr: s.redis.Addr})
	defer inspector.Close()
	// A paused queue keeps the job's task waiting in Redis, where the
	// restart loses it (and the pause).
	if err := inspector.PauseQueue("faults"); err != nil {
		t.Fatal(err)
	}
	content, levels := faultLog(20_000)
	id := accepted(t, api, tok, content)
	waitFor(t, "the job's task to wait in Redis", time.Minute, func() bool {
		info, err := inspector.GetTaskInfo("faults", id)
		return err == nil && info.State == asynq.TaskStatePending
	})
	fault := time.Now()
	s.redis.Kill()
	s.redis.Restart(t)
	js, done := completed(t, api, id, tok)
	exact(t, js, 20_000, levels)
	recovery(t, "Redis restarted empty", done.Sub(fault))
	s.verified()
}

func TestFaultPostgresRestarts(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	api := s.start("serve", "serve")
	workers := []*proc{s.start("worker", "work")}
	tok := s.token("alice", "")
	const lines = 400_000
	big, bigLevels := faultLog(lines)
	small, smallLevels := faultLog(2_000)
	for _, restart := range []struct {
		mode string
		sig  syscall.Signal
	}{{"fast", syscall.SIGINT}, {"immediate", syscall.SIGQUIT}} {
		inFlight := accepted(t, api, tok, big)
		workerOf(t, api, inFlight, tok, workers...)
		fault := time.Now()
		s.pg.stop(restart.sig)
		s.pg.start()
		id := accepted(t, api, tok, small)
		jobs, done := allCompleted(t, api, tok, inFlight, id)
		exact(t, jobs[0], lines, bigLevels)
		exact(t, jobs[1], 2_000, smallLevels)
		recovery(t, "PostgreSQL restart ("+restart.mode+"), job in flight", done[0].Sub(fault))
		recovery(t, "PostgreSQL restart ("+restart.mode+"), job uploaded after it", done[1].Sub(fault))
	}
	s.verified()
}

// lockHolder returns the process id of the logproc process whose
// connection holds the projection's lock, 0 for none.
func (s *stack) lockHolder(key string) int {
	s.t.Helper()
	conn, err := pgx.Connect(context.Background(), s.pg.url("logproc"))
	if err != nil {
		return 0
	}
	defer conn.Close(context.Background())
	var name string
	err = conn.QueryRow(context.Background(), `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
			AND l.classid = hashtext('logproc.projection')::oid AND l.objid = hashtext($1)::oid`, key).Scan(&name)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimPrefix(name, "logproc pid "))
	return pid
}

// jobStatsLock is the lock key of the job_stats projection: its name and
// version.
var jobStatsLock = fmt.Sprintf("%s/v%d", projections.JobStats{}.Name(), projections.JobStats{}.Version())

func TestFaultProjectionLeaderFrozen(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	leader := s.start("serve 1", "serve")
	waitFor(t, "serve 1 to lead", time.Minute, func() bool { return s.lockHolder(jobStatsLock) == leader.cmd.Process.Pid })
	standby := s.start("serve 2", "serve")
	s.start("worker", "work")
	tok := s.token("alice", "")
	content, levels := faultLog(20_000)

	leader.signal(syscall.SIGSTOP)
	fault := time.Now()
	id := accepted(t, standby, tok, content)
	tookOver := make(chan time.Time, 1)
	go func() {
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if s.lockHolder(jobStatsLock) == standby.cmd.Process.Pid {
				tookOver <- time.Now()
				return
			}
		}
		close(tookOver)
	}()
	js, done := completed(t, standby, id, tok)
	exact(t, js, 20_000, levels)
	takeover, ok := <-tookOver
	if !ok {
		t.Fatal("the standby never took the job_stats lock")
	}
	recovery(t, "SIGSTOP of the projection leader, takeover", takeover.Sub(fault))
	recovery(t, "SIGSTOP of the projection leader, job uploaded after it", done.Sub(fault))

	leader.signal(syscall.SIGCONT)
	waitFor(t, "the woken leader to find its connection gone", time.Minute, func() bool {
		return leader.logged("projection stopped", "projection=job_stats")
	})
	id = accepted(t, leader, tok, content)
	js, _ = completed(t, leader, id, tok)
	exact(t, js, 20_000, levels)
	if holder := s.lockHolder(jobStatsLock); holder != standby.cmd.Process.Pid {
		t.Errorf("the lock is held by process %d after the old leader woke, want the standby's %d", holder, standby.cmd.Process.Pid)
	}
	s.verified()
}

func TestFaultProjectionLeaderKilled(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	leader := s.start("serve 1", "serve")
	waitFor(t, "serve 1 to lead", time.Minute, func() bool { return s.lockHolder(jobStatsLock) == leader.cmd.Process.Pid })
	standby := s.start("serve 2", "serve")
	s.start("worker", "work")
	tok := s.token("alice", "")
	content, levels := faultLog(20_000)
	leader.kill()
	fault := time.Now()
	id := accepted(t, standby, tok, content)
	js, done := completed(t, standby, id, tok)
	exact(t, js, 20_000, levels)
	recovery(t, "kill -9 of the projection leader, job uploaded after it", done.Sub(fault))
	s.verified()
}
