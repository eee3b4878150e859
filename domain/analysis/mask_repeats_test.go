package analysis

import "testing"

// Lines of one event that differ in how many items they list share a
// template, with the items as one variable.
func TestRepeatedItemsShareATemplate(t *testing.T) {
	tests := []struct {
		name     string
		msgs     []string
		template string
	}{
		{"values with a word that varies", []string{
			"status: disk1 up disk2 up disk3 down", "status: disk1 up disk2 down", "status: disk1 up disk2 up disk3 up disk4 up"},
			"status: <*>"},
		{"values with the same word", []string{"took 5 ms, 6 ms, 7 ms in all", "took 5 ms, 6 ms in all"}, "took <*> in all"},
		{"values and commas", []string{"got 1, 2, 3 items", "got 4, 5 items", "got 6 items"}, "got <*> items"},
		{"values in brackets", []string{"members [1 2 3] joined", "members [4 5] joined", "members [6] joined"}, "members [<*>] joined"},
		{"values in parentheses", []string{"got (1, 2, 3) items", "got (4, 5) items"}, "got (<*>) items"},
		{"words and commas", []string{"queues a, b, c, d ready", "queues x, y, z ready"}, "queues <*> ready"},
		{"words in parentheses", []string{"got (a, b, c) items", "got (d, e) items"}, "got (<*>) items"},
		{"items in the middle", []string{"Node card status: ALERT 0, ALERT 1, ALERT 2 is active", "Node card status: ALERT 0, ALERT 3 is active"},
			"Node card status: <*> is active"},
		{"list in brackets", []string{"request [id-7,alpha,2] accepted", "request [x-1,gamma,77] accepted"}, "request [<*>] accepted"},
		{"call with a path", []string{"focus Window(title=a/b.C) gained", "focus Window(title=x/y.Z) gained"}, "focus Window(title=<*>) gained"},
		{"structure with fields", []string{"config {a=1, b=2} loaded", "config {a=3, b=4, c=5} loaded"}, "config {<*>} loaded"},
		{"structure without field names", []string{"config {alice 30 true} loaded", "config {bob 41} loaded", "config {a=1, b=2} loaded"},
			"config {<*>} loaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, m := mine(tt.msgs...)
			for i, id := range ids {
				if id != ids[0] {
					t.Fatalf("message %d in template %q, message 0 in %q", i, m.clusters[id].template(), m.clusters[ids[0]].template())
				}
			}
			if got := m.clusters[ids[0]].template(); got != tt.template {
				t.Errorf("template %q, want %q", got, tt.template)
			}
		})
	}
}

// A template whose messages always list the same items shows them; the
// messages the miner has seen before are collapsed alike.
func TestRepeatedItemsShownWhenFixed(t *testing.T) {
	ids, m := mine("took 5 ms, 6 ms in all", "took 7 ms, 8 ms in all", "took 9 ms, 1 ms in all",
		"status: disk1 up disk2 down", "status: sda1 up sdb1 down", "status: md0 up md1 down")
	if ids[1] != ids[0] || ids[2] != ids[0] || ids[4] != ids[3] || ids[5] != ids[3] {
		t.Fatalf("templates %v, want two", ids)
	}
	for _, tc := range []struct {
		id   int32
		want string
	}{{ids[0], "took <*> ms, <*> ms in all"}, {ids[3], "status: <*> up <*> down"}} {
		if got := m.clusters[tc.id].template(); got != tc.want {
			t.Errorf("template %q, want %q", got, tc.want)
		}
	}
}

// Events that differ in their words stay apart, however long they are.
func TestRepeatedItemsKeepEventsApart(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"fields named by words", "read pid 12 uid 0 done", "read fd 3 len 7 done"},
		{"numbers that count", "copied 3 files 2 dirs", "copied 4 links 1 sockets"},
		{"numbers and verbs", "query id = 5 took 7 us", "query id = 5 waited 7 us"},
		{"a word before the names", "node n1 up n2 down", "node n1 joined n2 left"},
		{"plain words", "members a b c d", "members a b"},
		{"words in a sentence", "Block stored as bytes", "Block stored as bytes in memory"},
		{"two words and a comma", "Connection refused, retrying now", "Connection timeout, aborting now"},
		{"words in brackets", "got [a b c] items", "got [d e] items"},
		{"keys with colons", "sent src: 10.0.0.1 dest: 10.0.0.2", "sent from: 10.0.0.1 to: 10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, m := mine(tt.a, tt.b)
			if ids[0] == ids[1] {
				t.Errorf("one template %q for %q and %q", m.clusters[ids[0]].template(), tt.a, tt.b)
			}
		})
	}
}

// Through Parse, header and all: one event id for every length.
func TestParseRepeatedItems(t *testing.T) {
	var lines []string
	runs := []string{"disk1 up", "disk1 up disk2 down", "disk1 up disk2 up disk3 down", "disk4 down disk5 up"}
	for i := range 12 {
		lines = append(lines, "2024-01-01 10:00:0"+string(rune('0'+i%10))+" INFO storage: array status: "+runs[i%len(runs)]+" checked")
	}
	rows := parseString(t, joinLines(lines...))
	ids := map[string]string{}
	for _, r := range rows {
		ids[r.EventID] = r.EventTemplate
	}
	// a single item is no run: "disk1 up" keeps its own template
	if len(ids) != 2 {
		t.Fatalf("templates %v, want two: one item, and runs of two or more", ids)
	}
	want := "array status: <*> checked"
	if got := rows[1].EventTemplate; got != want || rows[2].EventID != rows[1].EventID || rows[3].EventID != rows[1].EventID {
		t.Errorf("rows 2-4: %q %q %q, want one template %q", rows[1].EventTemplate, rows[2].EventTemplate, rows[3].EventTemplate, want)
	}
}

// A keyword among the items counts, though the items become one variable.
func TestRepeatedItemsKeepKeywords(t *testing.T) {
	text := joinLines(
		"2024-01-01 10:00:00 INFO array status: disk1 up disk2 failed checked",
		"2024-01-01 10:00:01 INFO array status: disk1 up disk2 up disk3 up checked",
		"2024-01-01 10:00:02 INFO array status: disk1 failed disk2 up checked")
	chunks, _ := analyzeString(t, text, Options{Keywords: []string{"failed"}})
	if got := chunks[0].Keywords["failed"]; got != 2 {
		t.Errorf("keyword failed counted %d times, want 2 (%v)", got, chunks[0].Keywords)
	}
}
