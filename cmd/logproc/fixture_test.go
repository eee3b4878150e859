package main

import (
	"bytes"
	"fmt"
	"testing"
)

// repeatedFixture is fixtureLog n times over: 100n entries on 109n lines,
// more than one chunk from n = 459 on.
func repeatedFixture(n int) []byte {
	return bytes.Repeat(fixtureLog(), n)
}

// checkFixtureJob checks a job of repeatedFixture(n) against what a clean
// run gives: every line, level and error counted once.
func checkFixtureJob(t *testing.T, name string, js jobStats, n int64) {
	t.Helper()
	if js.Status != "completed" || js.ProgressPercent != 100 {
		t.Fatalf("%s: job = %+v, want completed at 100%%", name, js)
	}
	wantLevels := map[string]int64{"INFO": 80 * n, "WARN": 10 * n, "ERROR": 10 * n}
	if fmt.Sprint(js.Levels) != fmt.Sprint(wantLevels) || js.Entries != 100*n || js.Lines != 109*n {
		t.Errorf("%s: levels %v, entries %d, lines %d; want %v, %d, %d",
			name, js.Levels, js.Entries, js.Lines, wantLevels, 100*n, 109*n)
	}
	if js.Errors != 10*n || js.ErrorGroups != 2 || len(js.TopErrorGroups) != 2 ||
		js.TopErrorGroups[0].Count != 7*n || js.TopErrorGroups[1].Count != 3*n ||
		js.TopErrorGroups[1].Exception != "java.lang.IllegalStateException" {
		t.Errorf("%s: errors %d in %d groups, want %d in 2 (%d refused, %d IllegalStateException): %+v",
			name, js.Errors, js.ErrorGroups, 10*n, 7*n, 3*n, js.TopErrorGroups)
	}
}

// checkFixtureAggregate checks the aggregate of jobs of repeatedFixture
// whose n add up to n.
func checkFixtureAggregate(t *testing.T, agg aggregate, jobs, n int64) {
	t.Helper()
	wantLevels := map[string]int64{"INFO": 80 * n, "WARN": 10 * n, "ERROR": 10 * n}
	if agg.JobsTotal != jobs || agg.Jobs["completed"] != jobs || agg.Lines != 109*n ||
		fmt.Sprint(agg.Levels) != fmt.Sprint(wantLevels) || agg.Errors != 10*n || agg.ErrorRate != 0.1 ||
		len(agg.Top) != 2 || agg.Top[0].Count != 7*n || agg.Top[0].Jobs != jobs {
		t.Errorf("aggregate = %+v; want %d jobs completed, %d lines, levels %v, %d errors (%d in the top group, in every job)",
			agg, jobs, 109*n, wantLevels, 10*n, 7*n)
	}
}
