package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
)

// The web pages in a real browser: Debian's Chromium, driven over the
// DevTools protocol, against the whole app (PostgreSQL, Redis, worker).

// chromiumPath is the browser the tests drive; CHROMIUM overrides it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("browser tests skipped: no Chromium at %s (install it with `apt-get install -y chromium`, or set CHROMIUM)", path)
	}
	return path
}

// newBrowser starts headless Chromium with a fresh profile and returns a
// tab's context. The flags keep it off the network it has no business with.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// artifactDir is where the browser tests save screenshots: $ARTIFACTS_DIR,
// or a directory under the system's temp directory. Nothing there is
// committed.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "logproc-browser-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hangGuard bounds one browser step; it only guards against a hang.
const hangGuard = 90 * time.Second

// browse runs browser steps in order.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, hangGuard)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// read runs one browser action and returns its value.
func read[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, hangGuard)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// gatedAnalyzer holds every analysis until the gate is opened, so a test
// sees a job before it runs, whatever the machine's speed.
type gatedAnalyzer struct {
	worker.Analyzer
	gate chan struct{}
}

func (g gatedAnalyzer) Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Analyzer.Analyze(ctx, r, s, emit)
}

// hostileLines are log lines that would run script if a page trusted them.
var hostileLines = []string{
	`ERROR [web] bad input <script>window.__pwned=1</script> from user`,
	`ERROR [web] field "onmouseover="window.__pwned=2" x=" rejected`,
	`ERROR [web] link javascript:window.__pwned=3 blocked <img src=x onerror=window.__pwned=4>`,
}

// browserLog is a 2,000-line log over about an hour and a half: every
// level the chart stacks, a stack trace, and the hostile lines.
func browserLog() []byte {
	var b strings.Builder
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := 0; b.Len() == 0 || strings.Count(b.String(), "\n") < 2000; i++ {
		ts := at.Add(time.Duration(i*3) * time.Second).Format("2006-01-02 15:04:05,000")
		switch {
		case i%97 == 5:
			fmt.Fprintf(&b, "%s %s\n", ts, hostileLines[(i/97)%len(hostileLines)])
		case i%50 == 7:
			fmt.Fprintf(&b, "%s ERROR [api] Request %d failed\njava.lang.IllegalStateException: connection reset\n\tat com.acme.Api.handle(Api.java:88)\n", ts, i)
		case i%20 == 3:
			fmt.Fprintf(&b, "%s ERROR [db] Connection to 10.0.0.%d refused\n", ts, i%9)
		case i%9 == 2:
			fmt.Fprintf(&b, "%s WARN [pool] Slow query took %d ms\n", ts, 500+i%900)
		case i%7 == 1:
			fmt.Fprintf(&b, "%s DEBUG [cache] hit ratio 0.%02d\n", ts, i%100)
		default:
			fmt.Fprintf(&b, "%s INFO [http] Handled request %d from 192.168.1.%d in %d ms\n", ts, i, i%50, i%90)
		}
	}
	return []byte(b.String())
}

func TestBrowserUploadWatchAndReplay(t *testing.T) {
	ctx := newBrowser(t)
	gate := make(chan struct{})
	a := startTestApp(t, nil, func(app *App) { app.Analyzer = gatedAnalyzer{app.Analyzer, gate} })
	var opened bool
	defer func() {
		if !opened {
			close(gate)
		}
	}()
	alice := a.token("alice", "")
	logFile := filepath.Join(t.TempDir(), "hostile-app.log")
	if err := os.WriteFile(logFile, browserLog(), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := artifactDir(t)

	browse(t, ctx, "sign in by pasting the token",
		chromedp.Navigate(a.url+"/jobs"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SetValue(chromedp.ID("token"), alice),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("upload")),
	)
	browse(t, ctx, "upload through the file input",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{logFile}),
		chromedp.Click(chromedp.CSS(`#upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("job-live")),
	)
	jobURL := read(t, ctx, "job page address", chromedp.Location())
	id := jobURL[strings.LastIndex(jobURL, "/")+1:]

	// The job is held before it runs; the page must follow it to the end
	// without a reload, which would lose the marker set now.
	// Read in one step in the page: the progress stream replaces the
	// field, so a node found first may be gone when its text is asked for.
	before := read(t, ctx, "status before the run",
		chromedp.Evaluate[string](`document.querySelector("[data-field=status] .status").textContent.trim()`))
	read(t, ctx, "mark the document", chromedp.Evaluate[bool](`window.__sameDocument = true`))
	if before == "completed" || before == "failed" {
		t.Fatalf("job finished before the analysis was let through: %q", before)
	}
	// The list, in a second tab, must follow the job too.
	list, closeList := chromedp.NewContext(ctx)
	defer closeList()
	if err := chromedp.Do(list); err != nil { // opens the tab for list's lifetime
		t.Fatal(err)
	}
	browse(t, list, "the list with the job waiting",
		chromedp.Navigate(a.url+"/jobs"),
		chromedp.WaitVisible(chromedp.CSS(`table.jobs a[href="/jobs/`+id+`"]`)),
	)
	read(t, list, "mark the list", chromedp.Evaluate[bool](`window.__sameDocument = true`))
	close(gate)
	opened = true
	browse(t, ctx, "watch the job complete",
		chromedp.WaitVisible(chromedp.CSS(`[data-field=status] .st-completed`)),
		chromedp.WaitVisible(chromedp.CSS(`td[data-level=ERROR]`)),
	)
	browse(t, list, "watch the list", chromedp.WaitVisible(chromedp.CSS(`table.jobs .st-completed`)))
	for _, tab := range []context.Context{ctx, list} {
		if !read(t, tab, "same document", chromedp.Evaluate[bool](`window.__sameDocument === true`)) {
			t.Fatal("a page reloaded to show the job complete")
		}
	}
	streamed := read(t, ctx, "requests of the page", chromedp.Evaluate[[]string](`performance.getEntriesByType('resource')
		.map(e => new URL(e.name).pathname).filter(p => p.startsWith('/ui/api/'))`))
	if !slices.Contains(streamed, "/ui/api/jobs/"+id+"/progress") {
		t.Errorf("the job page did not follow the progress stream; it asked %v", streamed)
	}
	api := a.waitFinished(id, alice)
	checkShownCounts(t, ctx, api)
	checkInert(t, ctx)
	save(t, dir, "job-page.png", read(t, ctx, "screenshot the job page", chromedp.FullScreenshot(100)))

	checkReplay(t, ctx, a.url+"/jobs/"+id+"/history")
	save(t, dir, "history.png", read(t, ctx, "screenshot the history", chromedp.FullScreenshot(100)))

	browse(t, ctx, "overview", chromedp.Navigate(a.url+"/overview"), chromedp.WaitVisible(chromedp.ID("h-top")))
	save(t, dir, "overview.png", read(t, ctx, "screenshot the overview", chromedp.FullScreenshot(100)))
	t.Logf("screenshots in %s", dir)
}

// checkShownCounts compares what the job page shows with the API's answer.
func checkShownCounts(t *testing.T, ctx context.Context, api jobStats) {
	t.Helper()
	shown := read(t, ctx, "read the counts", chromedp.Evaluate[map[string]string](`(() => {
		const m = {};
		document.querySelectorAll('td[data-level]').forEach(td => { m[td.dataset.level] = td.textContent; });
		m.lines = document.querySelector('[data-field=lines]').textContent;
		return m;
	})()`))
	want := map[string]int64{"lines": api.Lines}
	for l, n := range api.Levels {
		want[l] = n
	}
	if len(shown) != len(want) {
		t.Errorf("page shows %v, API says %v", shown, want)
	}
	for k, n := range want {
		got, err := strconv.ParseInt(strings.ReplaceAll(shown[k], ",", ""), 10, 64)
		if err != nil || got != n {
			t.Errorf("%s: page shows %q, API says %d", k, shown[k], n)
		}
	}
}

// inertCheck is what the job page holds of the hostile lines.
type inertCheck struct {
	Pwned    bool     `json:"pwned"`
	Samples  []string `json:"samples"`
	Handlers int      `json:"handlers"`
	JSLinks  int      `json:"jsLinks"`
	Scripts  int      `json:"scripts"`
}

// checkInert checks that the hostile lines are shown as text and ran nothing.
func checkInert(t *testing.T, ctx context.Context) {
	t.Helper()
	res := read(t, ctx, "inspect the samples", chromedp.Evaluate[inertCheck](`({
		pwned: window.__pwned !== undefined,
		samples: Array.from(document.querySelectorAll('pre.sample')).map(p => p.textContent),
		handlers: document.querySelectorAll('[onmouseover],[onerror],[onload]').length,
		jsLinks: document.querySelectorAll('a[href^="javascript:"]').length,
		scripts: document.querySelectorAll('script').length,
	})`))
	if res.Pwned || res.Handlers != 0 || res.JSLinks != 0 || res.Scripts != 1 {
		t.Errorf("hostile content became live: %+v", res)
	}
	for _, line := range hostileLines {
		found := false
		for _, s := range res.Samples {
			found = found || strings.HasSuffix(s, line)
		}
		if !found {
			t.Errorf("no sample shows %q as text; samples: %q", line, res.Samples)
		}
	}
}

// checkReplay moves the history's slider to the first version and one step
// on, and checks the state folded at each.
func checkReplay(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	status := chromedp.Text(chromedp.CSS(`td[data-field=Status]`))
	browse(t, ctx, "open the history", chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("v")))
	final := read(t, ctx, "final version", chromedp.AttributeValue(chromedp.CSS("table.state"), "data-at")).Value
	finalStatus := read(t, ctx, "final status", status)
	browse(t, ctx, "slider to the first version",
		chromedp.Focus(chromedp.ID("v")),
		chromedp.KeyEvent(kb.Home),
		chromedp.WaitVisible(chromedp.CSS(`table.state[data-at="1"]`)),
	)
	firstStatus := read(t, ctx, "status at version 1", status)
	loc := read(t, ctx, "address", chromedp.Location())
	if final == "1" || finalStatus != "completed" || firstStatus != "queued" {
		t.Errorf("slider: final version %s is %s, version 1 is %s", final, finalStatus, firstStatus)
	}
	if !strings.Contains(loc, "v=1") {
		t.Errorf("the address does not follow the slider: %s", loc)
	}
	browse(t, ctx, "slider one step right",
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(chromedp.CSS(`table.state[data-at="2"]`)),
	)
	if read(t, ctx, "status at version 2", status) == "" {
		t.Error("no status at version 2")
	}
}

func save(t *testing.T, dir, name string, png []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
