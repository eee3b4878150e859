package analysis

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
)

// TestInstructionProbe runs Analyze once over PROBE_LINES generated lines,
// to be measured from outside; it is skipped otherwise. Instruction counts
// do not depend on the machine's load, unlike timings:
//
//	go test -c -o /tmp/an.test ./domain/analysis
//	PROBE_LINES=100000 valgrind --tool=callgrind /tmp/an.test -test.run InstructionProbe
//
// PROBE_KIND=hdfs or PROBE_KIND=openstack probes the HDFS-like or the
// OpenStack-like file instead of the log4j-style one; PROBE_GENERATE_ONLY=1
// measures the generator alone, to subtract it.
func TestInstructionProbe(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PROBE_LINES"))
	if n == 0 {
		t.Skip("set PROBE_LINES to run the probe")
	}
	var data []byte
	switch os.Getenv("PROBE_KIND") {
	case "hdfs":
		data = hdfsLog(n, 1)
	case "openstack":
		data = openStackLog(n, 1)
	default:
		data = generatedLog(n, 1)
	}
	if os.Getenv("PROBE_GENERATE_ONLY") != "" {
		return
	}
	if _, err := Analyze(context.Background(), bytes.NewReader(data), Options{}, func(*Chunk) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
