package analysis

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseJoinsOneEvent checks that Parse gives one template to the lines
// of one event whose variables the masker and the miner saw differently,
// and keeps apart events that differ in a constant.
func TestParseJoinsOneEvent(t *testing.T) {
	tests := []joinCase{
		{"a state after status",
			[]string{
				"2024-01-02 10:00:00 status installed libc-bin:amd64 2.36-9",
				"2024-01-02 10:00:01 status unpacked sl:amd64 5.02-1+b1",
				"2024-01-02 10:00:02 status half-configured man-db:amd64 2.11.2-2",
			},
			[]string{"status <*> <*>:<*> <*>", "status <*> <*>:<*> <*>", "status <*> <*>:<*> <*>"}},
		{"keys name their fields",
			[]string{
				"2024-01-02 10:00:00 setDiffTotalSteps=4",
				"2024-01-02 10:00:01 setTodayTotalSteps=5",
				"2024-01-02 10:00:02 sync rx=4 done",
				"2024-01-02 10:00:03 sync tx=5 done",
			},
			[]string{"setDiffTotalSteps=<*>", "setTodayTotalSteps=<*>", "sync rx=<*> done", "sync tx=<*> done"}},
		{"a trailing colon on the first word",
			[]string{
				"2024-01-02 10:00:00 retrying: connection to 10.0.0.1 refused",
				"2024-01-02 10:00:01 retrying connection to 10.0.0.2 refused",
			},
			[]string{"retrying: connection to <*> refused", "retrying: connection to <*> refused"}},
		{"a label of dots is not a name in a slot",
			[]string{
				"2024-01-02 10:00:00 interrupt caused by dcbf.........0",
				"2024-01-02 10:00:01 interrupt caused by icbi.........0",
			},
			[]string{"interrupt caused by dcbf.........<*>", "interrupt caused by icbi.........<*>"}},
	}
	tests = append(tests, processPrefixCase())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := parseString(t, joinLines(tt.lines...))
			var got []string
			for _, r := range rows {
				got = append(got, r.EventTemplate)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("templates (-want +got):\n%s", diff)
			}
		})
	}
}

type joinCase struct {
	name  string
	lines []string
	want  []string // the template of each line
}

// processPrefixCase writes syslog lines whose program names hold blanks
// in one line out of six, too many for the header to take them.
func processPrefixCase() joinCase {
	c := joinCase{name: "a process prefix the header did not take"}
	procs := []string{"kernel[0]", "WindowServer[184]", "sharingd[3029]", "QQ[1001]", "mds[61]", "Google Chrome Helper[5634]"}
	kinds := []struct{ format, template string }{
		{"ARPT: 620.%d: wl0: setup_keepalive: Remote IP: 17.249.12.%d", "<*> <*>[<*>]: ARPT: <*>: wl0: setup_keepalive: Remote IP: <*>"},
		{"CGXDisplayDidWakeNotification [%d]: posting kCGSDisplayDidWake %d", "<*> <*>[<*>]: CGXDisplayDidWakeNotification [<*>]: posting kCGSDisplayDidWake <*>"},
		{"AppleCamIn::systemWakeCall - messageType = 0x%x after %d ms", "<*> <*>[<*>]: AppleCamIn::systemWakeCall - messageType = <*> after <*> ms"},
	}
	for i := range 90 {
		k := kinds[i%len(kinds)]
		c.lines = append(c.lines, fmt.Sprintf("Jul  1 09:%02d:%02d host-%d %s: "+k.format, i/60, i%60, i%7, procs[i/len(kinds)%len(procs)], i*37, i))
		c.want = append(c.want, k.template)
	}
	return c
}
