package analysis

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func javaTrace(ts, exception string, id int) string {
	return joinLines(
		ts+" ERROR [main] com.acme.Service: request "+fmt.Sprint(id)+" failed",
		exception+": order "+fmt.Sprint(id)+" is locked",
		"\tat com.acme.orders.OrderService.lock(OrderService.java:"+fmt.Sprint(100+id)+")",
		"\tat com.acme.orders.OrderService.process(OrderService.java:88)",
		"\tat com.acme.api.OrderController.post(OrderController.java:51)",
		"Caused by: java.io.IOException: disk full",
		"\tat java.io.FileOutputStream.write(FileOutputStream.java:326)",
		"\t... 12 more")
}

func pythonTrace(ts, exception string, id int) string {
	return joinLines(
		ts+" ERROR worker: job "+fmt.Sprint(id)+" crashed",
		"Traceback (most recent call last):",
		`  File "/app/worker.py", line 88, in run`,
		"    self.handle(job)",
		`  File "/app/jobs.py", line `+fmt.Sprint(100+id)+`, in handle`,
		"    raise "+exception+"(job.id)",
		exception+": bad job "+fmt.Sprint(id))
}

func goTrace(ts, function string, id int) string {
	return joinLines(
		ts+" ERROR server: handler "+fmt.Sprint(id)+" crashed",
		"panic: runtime error: index out of range ["+fmt.Sprint(id)+"] with length 3",
		"",
		"goroutine "+fmt.Sprint(id+1)+" [running]:",
		"main."+function+"(...)",
		"\t/app/main.go:"+fmt.Sprint(10+id),
		"main.main()",
		"\t/app/main.go:7 +0x1d")
}

// groupsByException returns the error groups' exception types and counts.
func groupsByException(sum *Summary) map[string]int64 {
	out := make(map[string]int64)
	for _, g := range sum.ErrorGroups {
		out[g.Exception] += g.Count
	}
	return out
}

func TestStackTracesGroupByException(t *testing.T) {
	tests := []struct {
		name  string
		trace func(ts, exception string, id int) string
		excs  []string
	}{
		{"java", javaTrace, []string{"java.lang.IllegalStateException", "java.util.ConcurrentModificationException"}},
		{"python", pythonTrace, []string{"ValueError", "KeyError"}},
		{"go", goTrace, []string{"lookup", "store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			for i := range 20 {
				ts := fmt.Sprintf("2024-03-01 10:%02d:00,000", i)
				b.WriteString(tt.trace(ts, tt.excs[i%2], i))
				b.WriteString(ts + " INFO main: still running\n")
			}
			_, sum := analyzeString(t, b.String(), Options{})
			if sum.Entries != 40 || sum.StackTraces != 20 {
				t.Fatalf("entries %d stack traces %d, want 40 and 20", sum.Entries, sum.StackTraces)
			}
			if len(sum.ErrorGroups) != 2 || sum.ErrorGroups[0].Count != 10 || sum.ErrorGroups[1].Count != 10 {
				t.Fatalf("groups %+v, want two of ten", sum.ErrorGroups)
			}
			if tt.name == "go" {
				return // both are panics; their frames tell them apart
			}
			got := groupsByException(sum)
			if want := map[string]int64{tt.excs[0]: 10, tt.excs[1]: 10}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("groups by exception %v, want %v", got, want)
			}
		})
	}
}

func TestStackTracesWithoutHeader(t *testing.T) {
	text := joinLines(
		"Starting worker",
		"Traceback (most recent call last):",
		`  File "/app/worker.py", line 88, in run`,
		"    self.handle(job)",
		"ValueError: bad job 1",
		"Traceback (most recent call last):",
		`  File "/app/worker.py", line 88, in run`,
		"    self.handle(job)",
		"ValueError: bad job 2",
		"Exception in thread \"main\" java.lang.NullPointerException: name",
		"\tat com.acme.Main.main(Main.java:3)",
		"Worker stopped")
	_, sum := analyzeString(t, text, Options{})
	// The first traceback folds into the line before it, as
	// logging.exception writes them; the second has nothing to fold into.
	if sum.Lines != 12 || sum.Entries != 4 {
		t.Fatalf("lines %d entries %d, want 12 and 4", sum.Lines, sum.Entries)
	}
	got := groupsByException(sum)
	if got["ValueError"] != 2 || got["java.lang.NullPointerException"] != 1 {
		t.Fatalf("groups by exception %v", got)
	}
}

func TestStackSignature(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		exception string
		frames    []string
	}{
		{"java", []string{"java.lang.IllegalStateException: x", "\tat a.B.c(B.java:1)", "\tat a.B.d(B.java:2)",
			"\tat a.C.e(C.java:3)", "\tat a.C.f(C.java:4)"}, "java.lang.IllegalStateException", []string{"a.B.c", "a.B.d", "a.C.e"}},
		{"dotnet", []string{"System.InvalidOperationException: x", "   at App.Worker.Run() in /src/Worker.cs:line 12"},
			"System.InvalidOperationException", []string{"App.Worker.Run"}},
		{"python", []string{"Traceback (most recent call last):", `  File "a.py", line 1, in main`, "    f()",
			`  File "b.py", line 2, in f`, "    g()", `  File "c.py", line 3, in g`, "    h()",
			`  File "d.py", line 4, in h`, "    raise KeyError(1)", "KeyError: 1"}, "KeyError", []string{"d.py:h", "c.py:g", "b.py:f"}},
		{"go", []string{"panic: runtime error: index out of range [3] with length 3", "",
			"goroutine 1 [running]:", "main.lookup(...)", "\t/app/main.go:12", "main.main()", "\t/app/main.go:7 +0x1d"},
			"panic", []string{"main.lookup", "main.main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s stackSig
			s.reset()
			for _, l := range tt.lines {
				s.feed([]byte(l))
			}
			var frames []string
			for _, f := range s.frameList() {
				frames = append(frames, string(f))
			}
			_, exc := s.signature()
			if exc != tt.exception || fmt.Sprint(frames) != fmt.Sprint(tt.frames) {
				t.Fatalf("exception %q frames %q, want %q %q", exc, frames, tt.exception, tt.frames)
			}
		})
	}
}

func TestStackSignatureIgnoresLineNumbersAndMessages(t *testing.T) {
	sig := func(text string) string {
		var s stackSig
		s.reset()
		for _, l := range strings.Split(text, "\n") {
			s.feed([]byte(l))
		}
		id, _ := s.signature()
		return id
	}
	a := sig(javaTrace("2024-01-01 00:00:00", "java.lang.IllegalStateException", 1))
	b := sig(javaTrace("2024-01-01 00:00:09", "java.lang.IllegalStateException", 7))
	c := sig(javaTrace("2024-01-01 00:00:09", "java.lang.IllegalArgumentException", 7))
	ids := []string{a, b, c}
	sort.Strings(ids)
	if a != b || a == c {
		t.Fatalf("signatures %q %q %q: want the first two equal, the third different", a, b, c)
	}
}
