package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
)

// benchLines is how many lines the pipeline benchmark's files have
// (LOGPROC_BENCH_LINES, 1,000,000 by default).
func benchLines(b *testing.B) int {
	if v := os.Getenv("LOGPROC_BENCH_LINES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("LOGPROC_BENCH_LINES=%q", v)
		}
		return n
	}
	return 1_000_000
}

// hdfsLike writes n lines shaped like HDFS DataNode logs: a date, a time, a
// thread id, a level, a component and a dozen message kinds with block
// ids, IPs, ports and sizes.
func hdfsLike(w io.Writer, n int, rng *rand.Rand) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	at := time.Date(2008, 11, 9, 20, 35, 18, 0, time.UTC)
	ip := func() string { return fmt.Sprintf("10.251.%d.%d", rng.IntN(256), rng.IntN(256)) }
	for i := range n {
		at = at.Add(time.Duration(rng.IntN(400)) * time.Millisecond)
		blk := rng.Int64()
		level, comp, msg := "INFO", "dfs.DataNode$PacketResponder", ""
		switch k := i % 13; {
		case k < 4:
			msg = fmt.Sprintf("PacketResponder %d for block blk_%d terminating", rng.IntN(3), blk)
		case k < 6:
			comp = "dfs.DataNode$DataXceiver"
			msg = fmt.Sprintf("Receiving block blk_%d src: /%s:%d dest: /%s:50010", blk, ip(), 30000+rng.IntN(30000), ip())
		case k < 8:
			comp = "dfs.FSNamesystem"
			msg = fmt.Sprintf("BLOCK* NameSystem.addStoredBlock: blockMap updated: %s:50010 is added to blk_%d size %d", ip(), blk, rng.IntN(1<<26))
		case k < 10:
			msg = fmt.Sprintf("Received block blk_%d of size %d from /%s", blk, rng.IntN(1<<26), ip())
		case k == 10:
			comp = "dfs.FSNamesystem"
			msg = fmt.Sprintf("BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_%d_%04d_m_%06d_0/part-%05d. blk_%d",
				200811092030+rng.IntN(9), rng.IntN(10), rng.IntN(2000), rng.IntN(2000), blk)
		case k == 11:
			level, comp = "WARN", "dfs.DataNode$DataXceiver"
			msg = fmt.Sprintf("%s:50010:Got exception while serving blk_%d to /%s:", ip(), blk, ip())
		default:
			comp = "dfs.DataNode"
			msg = fmt.Sprintf("%s:50010 Served block blk_%d to /%s", ip(), blk, ip())
		}
		fmt.Fprintf(bw, "%s %d %s %s: %s\n", at.Format("060102 150405"), 1+rng.IntN(5000), level, comp, msg)
	}
}

// openstackLike writes n lines shaped like OpenStack Nova logs: a file
// name, a timestamp with milliseconds, a pid, a level, a module, a request
// context in brackets and long messages with UUIDs, URLs and timings.
func openstackLike(w io.Writer, n int, rng *rand.Rand) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	at := time.Date(2017, 5, 16, 0, 0, 0, 0, time.UTC)
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<16), rng.IntN(1<<16), rng.Int64()&(1<<48-1))
	}
	for i := range n {
		at = at.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
		file, level, mod, msg := "nova-api.log.1.2017-05-16_13:53:08", "INFO", "nova.osapi_compute.wsgi.server", ""
		switch k := i % 9; {
		case k < 5:
			msg = fmt.Sprintf(`10.11.10.1 "GET /v2/%s/servers/detail HTTP/1.1" status: %d len: %d time: 0.%07d`,
				strings.ReplaceAll(uuid(), "-", ""), []int{200, 200, 200, 404}[rng.IntN(4)], 1800+rng.IntN(900), rng.IntN(10_000_000))
		case k < 7:
			file, mod = "nova-compute.log.1.2017-05-16_13:55:31", "nova.compute.manager"
			msg = fmt.Sprintf("[instance: %s] VM %s (Lifecycle Event)", uuid(), []string{"Started", "Stopped", "Paused", "Resumed"}[rng.IntN(4)])
		case k == 7:
			file, mod = "nova-compute.log.1.2017-05-16_13:55:31", "nova.virt.libvirt.imagecache"
			msg = fmt.Sprintf("image %s at (/var/lib/nova/instances/_base/%x): checking", uuid(), rng.Uint64())
		default:
			level, file, mod = "WARNING", "nova-compute.log.1.2017-05-16_13:55:31", "nova.compute.manager"
			msg = fmt.Sprintf("[instance: %s] Instance shutdown by itself. Calling the stop API. Current vm_state: active, current task_state: None, original DB power_state: 1, current VM power_state: 4", uuid())
		}
		fmt.Fprintf(bw, "%s %s %d %s %s [req-%s %x %x - - -] %s\n", file, at.Format("2006-01-02 15:04:05.000"),
			2900+rng.IntN(100), level, mod, uuid(), rng.Uint64(), rng.Uint64(), msg)
	}
}

// benchFile writes a generated file of n lines once per benchmark run.
func benchFile(b *testing.B, name string, n int, gen func(io.Writer, int, *rand.Rand)) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	gen(f, n, rand.New(rand.NewPCG(1, 2)))
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// analyzeFile times `logproc analyze` on the file, the command built as it
// is deployed and run on one core (pinned by taskset, where it is
// installed, to the last CPU this process may use, and with GOMAXPROCS=1):
// the single-core analysis time the pipeline's times are measured against.
// The time includes the command's start, a few ms; the command sets no
// collector's floor (GC_MIN_HEAP is the server's), which on its own heap
// makes no difference (GOGC=1600 took the same CPU). The engine run inside
// this process instead shares it with the app's goroutines and its heap,
// and took 0.31 s to the command's 0.30 s on the million-line HDFS-like file.
func analyzeFile(b *testing.B, path string) time.Duration {
	b.Helper()
	bin, err := logprocBinary()
	if err != nil {
		b.Fatal(err)
	}
	args := []string{bin, "analyze", path}
	if taskset, err := exec.LookPath("taskset"); err == nil {
		if cpu, ok := lastAllowedCPU(); ok {
			args = append([]string{taskset, "-c", strconv.Itoa(cpu)}, args...)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %v\n%.2000s", args, err, out)
	}
	return time.Since(start)
}

// analyzeInProcess times the engine over the file in this process, as
// `logproc analyze` runs it.
func analyzeInProcess(b *testing.B, path string) time.Duration {
	b.Helper()
	start := time.Now()
	if err := analyzePath(path); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// analyzePath is analyzeFile for any goroutine: it returns the failure.
func analyzePath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = analysis.Analyze(context.Background(), f, analysis.DefaultOptions(), func(*analysis.Chunk) error { return nil })
	return err
}

// uploadFile streams the file as a multipart upload and returns the job id.
func (a *testApp) uploadFile(token, path string) string {
	a.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err == nil {
			var fw io.Writer
			if fw, err = mw.CreateFormFile("file", filepath.Base(path)); err == nil {
				_, err = io.Copy(fw, f)
			}
			f.Close()
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return a.postUpload(token, "", mw.FormDataContentType(), pr)
}

// uploadRaw sends the file as the request's body (`?filename=`), as a
// client that does not build a form does, and returns the job id.
func (a *testApp) uploadRaw(token, path string) string {
	a.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer f.Close()
	return a.postUpload(token, "?filename="+url.QueryEscape(filepath.Base(path)), "text/plain", f)
}

// followToEnd reads the job's progress stream until its done event.
func (a *testApp) followToEnd(id, token string) string {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.url+"/api/jobs/"+id+"/progress", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var last string
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			last = data
		}
	}
	return last
}

// BenchmarkUploadToCompleted times a generated file of a million lines from
// the start of its upload to its done event on the progress stream, with one
// worker process running one task at a time (slots-1) or two (slots-2, the
// default on two cores: a file of two parts runs both at once), uploaded as
// a multipart form or as the raw body (raw), stored whole before its
// analysis or analysed as it arrives (follow, FOLLOW_UPLOAD_BYTES; its
// "upload" phase then overlaps the others), beside the
// `logproc analyze` on the same file, the command pinned to one core;
// it reports both, their ratio, the job's time by phase, and the CPU time
// the job and its upload took in this process (the app and the client) and
// in PostgreSQL and Redis.
//
// With LOGPROC_BENCH_RECYCLE=1 each job's stored file is deleted after its
// run, so that the next upload is written into page cache the kernel
// recycles, as on a server whose memory the page cache has long filled. On
// a virtual machine whose memory was never touched, each new page costs a
// fault in the host: writing 143 MB took 0.33 s of system time there,
// against 0.03 s in recycled pages (README, Benchmarks).
//
//	go test -run '^$' -bench UploadToCompleted -benchtime 3x ./cmd/logproc/
func BenchmarkUploadToCompleted(b *testing.B) {
	heapFloorAsDeployed(b)
	n := benchLines(b)
	recycle := os.Getenv("LOGPROC_BENCH_RECYCLE") == "1"
	for _, c := range []struct {
		name string
		gen  func(io.Writer, int, *rand.Rand)
	}{{"hdfs", hdfsLike}, {"openstack", openstackLike}} {
		path := benchFile(b, c.name+".log", n, c.gen)
		for _, run := range []struct {
			slots       int
			raw, follow bool
		}{{1, false, false}, {2, false, false}, {2, true, false}, {1, false, true}, {1, true, true}} {
			slots, name := run.slots, fmt.Sprintf("%s/slots-%d", c.name, run.slots)
			upload := (*testApp).uploadFile
			if run.raw {
				name, upload = name+"/raw", (*testApp).uploadRaw
			}
			var followBytes int64
			if run.follow {
				name, followBytes = name+"/follow", defaultFollowBytes(b)
			}
			b.Run(name, func(b *testing.B) {
				a := startTestAppParts(b, true, true, func(c *Config) {
					c.WorkerConcurrency, c.ChunkLines, c.FollowBytes = slots, domain.DefaultChunkLines, followBytes
				})
				token := a.token("bench", "")
				var total, engine time.Duration
				var cpu, upCPU cpuMeter
				var followed float64 // jobs whose upload was followed
				phases := map[string]time.Duration{}
				for b.Loop() {
					engine += analyzeFile(b, path)
					start, used := time.Now(), readCPU()
					id := upload(a, token, path)
					uploaded, up := time.Now(), used.since()
					if last := a.followToEnd(id, token); !strings.Contains(last, `"status":"completed"`) {
						b.Fatalf("job %s ended with %s", id, last)
					}
					done, spent := time.Now(), used.since()
					cpu, upCPU = cpu.plus(spent), upCPU.plus(up)
					total += done.Sub(start)
					first, last := a.eventTimes(id, token)
					for name, d := range jobPhases(first, last, start, uploaded, done) {
						phases[name] += d
					}
					if !first["UploadCompleted"].IsZero() {
						followed++
					}
					if recycle {
						a.dropBlobs()
					}
				}
				runs := float64(b.N)
				if run.follow {
					b.ReportMetric(followed/runs, "followed")
				}
				b.ReportMetric(total.Seconds()/runs, "s/job")
				b.ReportMetric(engine.Seconds()/runs, "s/analyze")
				b.ReportMetric(total.Seconds()/engine.Seconds(), "ratio")
				cpu.report(b, "job", runs)
				upCPU.report(b, "upload", runs)
				for name, d := range phases {
					b.ReportMetric(d.Seconds()/runs, "s-"+name)
				}
			})
		}
	}
}

// heapFloorAsDeployed gives this process the collector's floor that
// `logproc all` sets (GC_MIN_HEAP, from the environment or its default)
// for the rest of the benchmark: the app runs here, in the benchmark's
// process, and is measured as it runs deployed.
func heapFloorAsDeployed(b *testing.B) {
	cfg, err := ConfigFrom(func(name string) string {
		if name == "GC_MIN_HEAP" {
			return os.Getenv(name)
		}
		return ""
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(setHeapFloor(uint64(cfg.GCMinHeap)))
}

// defaultFollowBytes is FOLLOW_UPLOAD_BYTES's default.
func defaultFollowBytes(b *testing.B) int64 {
	cfg, err := ConfigFrom(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	return cfg.FollowBytes
}

// jobPhases splits a job's time by its events' recording times: the upload
// (until the 202), the wait for a worker (JobSubmitted to the first
// JobStarted; a file in parts records JobStarted with its plan, so this
// holds the planning pass too), the analysis (to the last chunk), the
// finish (to JobCompleted) and the projection (JobCompleted to the done
// event).
func jobPhases(first, last map[string]time.Time, start, uploaded, done time.Time) map[string]time.Duration {
	return map[string]time.Duration{
		"upload":   uploaded.Sub(start),
		"wait":     first["JobStarted"].Sub(first["JobSubmitted"]),
		"analysis": last["LinesParsed"].Sub(first["JobStarted"]),
		"finish":   last["JobCompleted"].Sub(last["LinesParsed"]),
		"project":  done.Sub(last["JobCompleted"]),
	}
}

// largeFile writes the parts benchmarks' generated HDFS-like file of
// LOGPROC_BENCH_PART_LINES lines (4,000,000 by default) and returns it with
// the part size (PART_BYTES: 64 MiB, or LOGPROC_BENCH_PART_BYTES).
func largeFile(b *testing.B) (path string, partBytes int64) {
	n := 4_000_000
	if v := os.Getenv("LOGPROC_BENCH_PART_LINES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("LOGPROC_BENCH_PART_LINES=%q", v)
		}
	}
	partBytes = int64(64 << 20)
	if v := os.Getenv("LOGPROC_BENCH_PART_BYTES"); v != "" {
		var err error
		if partBytes, err = strconv.ParseInt(v, 10, 64); err != nil || partBytes < 1<<16 {
			b.Fatalf("LOGPROC_BENCH_PART_BYTES=%q", v)
		}
	}
	path = filepath.Join(b.TempDir(), "hdfs.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	hdfsLike(f, n, rand.New(rand.NewPCG(1, 2)))
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, partBytes
}

// BenchmarkPartsBesideWhole times the large file from its JobSubmitted to
// its done event, analysed whole by a worker with one task slot and in
// parts by one with two, the two runs of each pair one right after the
// other, so that a host whose speed drifts from minute to minute moves both
// alike. It reports the median of each and the median, least and most of
// the pairs' ratios (parts against whole). On a virtual machine it also
// reports the share of the CPUs the hypervisor took during each kind of run
// (steal-%-whole, steal-%-parts: the medians), and the median ratio of the
// calm pairs, those whose two runs lost less than calmSteal of the CPUs
// (parts-vs-whole-calm, of calm-pairs): parts use both CPUs at once, so a
// host that takes CPU time from its guests slows them more than a whole run.
//
//	go test -run '^$' -bench PartsBesideWhole -benchtime 6x ./cmd/logproc/
func BenchmarkPartsBesideWhole(b *testing.B) {
	heapFloorAsDeployed(b)
	path, partBytes := largeFile(b)
	start := func(slots int, parts int64) (*testApp, string) {
		a := startTestAppParts(b, true, true, func(cfg *Config) {
			cfg.WorkerConcurrency, cfg.PartBytes, cfg.ChunkLines, cfg.FollowBytes = slots, parts, domain.DefaultChunkLines, 0
		})
		return a, a.token("bench", "")
	}
	whole, wholeToken := start(1, 0)
	parted, partedToken := start(2, partBytes)
	var wholeRuns, partRuns, ratios, calm, wholeSteal, partSteal []float64
	for b.Loop() {
		w, ws := whole.runFromSubmitted(wholeToken, path)
		p, ps := parted.runFromSubmitted(partedToken, path)
		wholeRuns, partRuns, ratios = append(wholeRuns, w), append(partRuns, p), append(ratios, p/w)
		wholeSteal, partSteal = append(wholeSteal, 100*ws), append(partSteal, 100*ps)
		if ws < calmSteal && ps < calmSteal {
			calm = append(calm, p/w)
		}
	}
	b.ReportMetric(median(wholeRuns), "s/run-whole")
	b.ReportMetric(median(partRuns), "s/run-parts")
	b.ReportMetric(median(ratios), "parts-vs-whole")
	b.ReportMetric(slices.Min(ratios), "parts-vs-whole-least")
	b.ReportMetric(slices.Max(ratios), "parts-vs-whole-most")
	b.ReportMetric(median(wholeSteal), "steal-%-whole")
	b.ReportMetric(median(partSteal), "steal-%-parts")
	b.ReportMetric(float64(len(calm)), "calm-pairs")
	if len(calm) > 0 {
		b.ReportMetric(median(calm), "parts-vs-whole-calm")
	}
}

// calmSteal is the share of the CPUs below which the hypervisor's taking is
// left out of account: a run that lost less ran on the machine it was given.
const calmSteal = 0.03

// runFromSubmitted uploads the file, follows its job to done, and returns
// the seconds from its JobSubmitted to done, and the share of the CPUs the
// hypervisor took from the end of the upload (which ends once JobSubmitted
// is recorded) to done.
func (a *testApp) runFromSubmitted(token, path string) (seconds, steal float64) {
	id := a.uploadFile(token, path)
	uploaded, stealBefore := time.Now(), stolen()
	if last := a.followToEnd(id, token); !strings.Contains(last, `"status":"completed"`) {
		a.t.Fatalf("job %s ended with %s", id, last)
	}
	done := time.Now()
	steal = (stolen() - stealBefore).Seconds() / (done.Sub(uploaded).Seconds() * float64(runtime.NumCPU()))
	first, _ := a.eventTimes(id, token)
	return done.Sub(first["JobSubmitted"]).Seconds(), steal
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// BenchmarkLargeFileInParts times a generated HDFS-like file of
// LOGPROC_BENCH_PART_LINES lines (4,000,000 by default, about 570 MB) from
// the start of its upload to its done event, analysed whole by one worker
// and in parts of PART_BYTES (64 MiB, or LOGPROC_BENCH_PART_BYTES) by 1, 2
// and 4 workers, each stored whole before its analysis, and analysed whole
// as it arrives (follow, FOLLOW_UPLOAD_BYTES). It reports the
// time from upload start (s/job) and from the job's JobSubmitted (s/run:
// the upload left out), each against the whole run's, the job's time by
// phase, the CPU time the job and its upload took in this process (the app
// and the client) and in PostgreSQL and Redis, and the process's peak
// resident size.
//
//	go test -run '^$' -bench LargeFileInParts -benchtime 3x ./cmd/logproc/
func BenchmarkLargeFileInParts(b *testing.B) {
	heapFloorAsDeployed(b)
	path, partBytes := largeFile(b)
	var wholeJob, wholeRun float64
	for _, c := range []struct {
		name    string
		workers int
		parts   int64
		follow  int64
	}{{"whole", 1, 0, 0}, {"parts-1", 1, partBytes, 0}, {"parts-2", 2, partBytes, 0}, {"parts-4", 4, partBytes, 0},
		{"follow", 2, partBytes, defaultFollowBytes(b)}} {
		b.Run(c.name, func(b *testing.B) {
			a := startTestAppParts(b, true, true, func(cfg *Config) {
				cfg.WorkerConcurrency, cfg.PartBytes, cfg.ChunkLines = c.workers, c.parts, domain.DefaultChunkLines
				cfg.FollowBytes, cfg.MetricsAddr = c.follow, "127.0.0.1:0"
			})
			token := a.token("bench", "")
			var job, run time.Duration
			var cpu, upload cpuMeter
			phases := map[string]time.Duration{}
			runtime.GC()
			resetPeakRSS()
			appendsBefore := a.scrape()
			for b.Loop() {
				start, used := time.Now(), readCPU()
				id := a.uploadFile(token, path)
				uploaded, upCPU := time.Now(), used.since()
				if last := a.followToEnd(id, token); !strings.Contains(last, `"status":"completed"`) {
					b.Fatalf("job %s ended with %s", id, last)
				}
				done, spent := time.Now(), used.since()
				cpu, upload = cpu.plus(spent), upload.plus(upCPU)
				job += done.Sub(start)
				first, last := a.eventTimes(id, token)
				run += done.Sub(first["JobSubmitted"])
				for name, d := range jobPhases(first, last, start, uploaded, done) {
					phases[name] += d
				}
			}
			for name, d := range phases {
				b.ReportMetric(d.Seconds()/float64(b.N), "s-"+name)
			}
			appendsAfter := a.scrape()
			for _, outcome := range []string{"ok", "conflict"} {
				key := `logproc_event_appends_total{outcome="` + outcome + `"}`
				b.ReportMetric((appendsAfter[key]-appendsBefore[key])/float64(b.N), "appends-"+outcome+"/job")
			}
			perJob, perRun := job.Seconds()/float64(b.N), run.Seconds()/float64(b.N)
			cpu.report(b, "job", float64(b.N))
			upload.report(b, "upload", float64(b.N))
			b.ReportMetric(peakRSS(), "peak-rss-MiB")
			b.ReportMetric(perJob, "s/job")
			b.ReportMetric(perRun, "s/run")
			if c.name == "whole" {
				wholeJob, wholeRun = perJob, perRun
			} else if wholeJob > 0 {
				b.ReportMetric(perJob/wholeJob, "job-vs-whole")
				b.ReportMetric(perRun/wholeRun, "run-vs-whole")
			}
		})
	}
}

// eventTimes reads the job's history: when each type of event was first
// and last recorded.
func (a *testApp) eventTimes(id, token string) (first, last map[string]time.Time) {
	a.t.Helper()
	var h struct {
		Events []struct {
			Type       string    `json:"type"`
			RecordedAt time.Time `json:"recorded_at"`
		} `json:"events"`
	}
	a.getJSON("/api/jobs/"+id+"/events?limit=1000", token, &h)
	first, last = map[string]time.Time{}, map[string]time.Time{}
	for _, e := range h.Events {
		if _, ok := first[e.Type]; !ok {
			first[e.Type] = e.RecordedAt
		}
		last[e.Type] = e.RecordedAt
	}
	if first["JobSubmitted"].IsZero() {
		a.t.Fatalf("job %s has no JobSubmitted", id)
	}
	return first, last
}

// BenchmarkUploadBesideEngine times the upload of the million-line HDFS-like
// file (the raw body, no worker running) and the engine on the same file at
// the same time, against the engine alone: the least an upload that the
// analysis followed as it arrived could take on this machine, before any
// chunk is recorded.
//
//	go test -run '^$' -bench UploadBesideEngine -benchtime 4x ./cmd/logproc/
func BenchmarkUploadBesideEngine(b *testing.B) {
	path := benchFile(b, "hdfs.log", benchLines(b), hdfsLike)
	a := startTestAppParts(b, true, false, nil)
	token := a.token("bench", "")
	var alone, both, upload time.Duration
	for b.Loop() {
		alone += analyzeInProcess(b, path)
		start := time.Now()
		analysed := make(chan error)
		go func() { analysed <- analyzePath(path) }()
		a.uploadRaw(token, path)
		upload += time.Since(start)
		if err := <-analysed; err != nil {
			b.Fatal(err)
		}
		both += time.Since(start)
	}
	runs := float64(b.N)
	b.ReportMetric(alone.Seconds()/runs, "s/analyze")
	b.ReportMetric(upload.Seconds()/runs, "s-upload")
	b.ReportMetric(both.Seconds()/runs, "s-both")
	b.ReportMetric(both.Seconds()/alone.Seconds(), "ratio")
}

// dropBlobs deletes every file of the app's local blob store: only for a
// benchmark that runs one job at a time and calls it once the job is done.
func (a *testApp) dropBlobs() {
	a.t.Helper()
	err := filepath.WalkDir(a.app.Config.BlobDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Remove(p)
	})
	if err != nil {
		a.t.Fatal(err)
	}
}
