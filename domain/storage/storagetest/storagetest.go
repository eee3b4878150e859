// Package storagetest is the conformance suite every domain.BlobStore of
// Log Processor passes: one set of tests, run by each implementation's own
// test with a factory for fresh stores, in the style of hallgren/eventsourcing's
// testsuite:
//
//	func TestLocal(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) domain.BlobStore { ... })
//	}
//
// It covers the round trip, size and sha256, missing keys, idempotent
// deletes, key validation, failed Puts leaving nothing behind (a failing
// reader, a size limit, a cancelled context), conflicts, concurrent Puts
// (of one key too, where stores may differ, see domain.BlobStore), listing
// by prefix and the streaming of a 64 MiB object with a bound on memory.
// Run it with -race. The tests that list use prefixes of their own, so the
// suite can run against a shared bucket.
package storagetest

import (
	"testing"

	"github.com/logproc/logproc/domain"
)

// Factory returns an empty store for one test, which the test may use on its
// own; it releases the store with t.Cleanup.
type Factory func(t *testing.T) domain.BlobStore

type conformanceTest struct {
	name string
	run  func(t *testing.T, store domain.BlobStore)
	// alone marks a test that measures the process's memory, so nothing
	// may run beside it.
	alone bool
}

var conformanceTests = []conformanceTest{
	{name: "PutThenOpen", run: testPutThenOpen},
	{name: "PutEmpty", run: testPutEmpty},
	{name: "OpenMissing", run: testOpenMissing},
	{name: "OpenRange", run: testOpenRange},
	{name: "DeleteIsIdempotent", run: testDeleteIsIdempotent},
	{name: "PutAfterDelete", run: testPutAfterDelete},
	{name: "InvalidKeys", run: testInvalidKeys},
	{name: "SecondPutConflicts", run: testSecondPutConflicts},
	{name: "ReaderErrorLeavesNothing", run: testReaderErrorLeavesNothing},
	{name: "SizeLimitIsTooLarge", run: testSizeLimitIsTooLarge},
	{name: "CancelledPutLeavesNothing", run: testCancelledPutLeavesNothing},
	{name: "ConcurrentPuts", run: testConcurrentPuts},
	{name: "ConcurrentPutsOfOneKey", run: testConcurrentPutsOfOneKey},
	{name: "List", run: testList},
	{name: "ListStopsEarly", run: testListStopsEarly},
	{name: "ListHonoursContext", run: testListHonoursContext},
	{name: "LargeObjectStreams", run: testLargeObjectStreams, alone: true},
}

// Run runs the conformance suite against stores made by newStore. Tests
// other than the memory measurement run in parallel.
func Run(t *testing.T, newStore Factory) {
	t.Helper()
	for _, tc := range conformanceTests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.alone {
				t.Parallel() // paused until Run returns, so after the alone ones
			}
			tc.run(t, newStore(t))
		})
	}
}
