package analysis

import "testing"

// mine returns the template index of each message.
func mine(msgs ...string) ([]int32, *miner) {
	m := newMiner(100)
	var mk masker
	out := make([]int32, len(msgs))
	for i, s := range msgs {
		mk.mask([]byte(s))
		out[i] = m.add(&mk).cluster
	}
	return out, m
}

func TestMinerGroups(t *testing.T) {
	tests := []struct {
		name     string
		msgs     []string
		same     bool
		template string
	}{
		{"numbers", []string{"took 12 ms", "took 7 ms"}, true, "took <*> ms"},
		{"entity noun", []string{"session closed for user cyrus", "session closed for user news"}, true, "session closed for user <*>"},
		{"sizes with units", []string{"size 16.0 B, free 2 KB", "size 3.1 KB, free 2 KB"}, true, "size <*>, free <*>"},
		{"time units that vary", []string{"took 16 ms, then 2 s", "took 3 s, then 2 s"}, true, "took <*>, then <*> s"},
		{"variable against partial variable", []string{"package: KB2928120~31bf, state", "package: Hyper-V~31bf, state"}, true, "package: <*>, state"},
		{"one word differs", []string{"[instance: 1f2] VM Paused (Lifecycle Event)", "[instance: 3a4] VM Resumed (Lifecycle Event)"}, false, ""},
		{"different lengths", []string{"Block stored as bytes", "Block stored as bytes in memory"}, false, ""},
		{"first token differs", []string{"setDiffTotalSteps=4", "setTodayTotalSteps=5"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, m := mine(tt.msgs...)
			if same := ids[0] == ids[1]; same != tt.same {
				t.Fatalf("same template = %v, want %v", same, tt.same)
			}
			if tt.same {
				if got := m.clusters[ids[0]].template(); got != tt.template {
					t.Errorf("template %q, want %q", got, tt.template)
				}
			}
		})
	}
}

func TestMinerIDsAreStable(t *testing.T) {
	a, ma := mine("user bob logged in from 10.0.0.1", "user eve logged in from 10.0.0.2")
	b, mb := mine("disk full", "user bob logged in from 10.9.9.9")
	idA, idB := ma.clusters[a[0]].id, mb.clusters[b[1]].id
	if idA != idB || ma.clusters[a[1]].id != idA {
		t.Fatalf("ids %q and %q, want one id for one template in any file", idA, idB)
	}
}

func TestMinerCapsTemplates(t *testing.T) {
	m := newMiner(3)
	var mk masker
	for _, s := range []string{"alpha one", "beta two", "gamma three", "delta four", "epsilon five"} {
		mk.mask([]byte(s))
		m.add(&mk)
	}
	if len(m.clusters) != 4 || m.clusters[3].id != "Eoverflow" || m.clusters[3].count != 2 {
		t.Fatalf("%d clusters, last %+v: want 3 templates and an overflow of 2", len(m.clusters), m.clusters[len(m.clusters)-1])
	}
}

func TestMinerSiblings(t *testing.T) {
	proxied := func(prog string) string {
		return prog + " - proxy.example.com:5070 open through proxy proxy.example.com:5070 HTTPS"
	}
	var msgs []string
	for _, p := range []string{"chrome.exe", "Dropbox.exe", "svchost.exe", "firefox.exe", "outlook.exe", "slack.exe", "chrome.exe"} {
		msgs = append(msgs, proxied(p))
	}
	states := []string{"Paused", "Resumed", "Started", "Stopped"}
	for _, s := range states {
		msgs = append(msgs, "[instance: 1a2b] VM "+s+" (Lifecycle Event)")
	}
	ids, m := mine(msgs...)
	if ids[4] != ids[5] || ids[4] != ids[0] || ids[6] != ids[0] {
		t.Errorf("programs: templates %v, want the fifth and later to join the first", ids[:7])
	}
	if got := m.clusters[ids[0]].template(); got != "<*> - <*> open through proxy <*> HTTPS" {
		t.Errorf("merged template %q", got)
	}
	if final := m.siblings.final(ids[1]); final != ids[0] {
		t.Errorf("sibling %d ends in %d, want %d", ids[1], final, ids[0])
	}
	seen := map[int32]bool{}
	for _, id := range ids[7:] {
		seen[id] = true
	}
	if len(seen) != len(states) {
		t.Errorf("VM states share templates %v: four values must stay apart", ids[7:])
	}
}

// With only one or two constant tokens around it, a position becomes a
// variable once manySiblings values occur there; a position with nothing
// constant around never does.
func TestMinerSiblingsShortContext(t *testing.T) {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
		"juliet", "kilo", "lima", "mike", "november"}
	var msgs []string
	for _, w := range words {
		msgs = append(msgs, "cache "+w+" warmed")
	}
	ids, m := mine(msgs...)
	apart := map[int32]bool{}
	for _, id := range ids[:manySiblings-1] {
		apart[id] = true
	}
	if len(apart) != manySiblings-1 {
		t.Errorf("%d templates for the first %d words, want them apart", len(apart), manySiblings-1)
	}
	rep := ids[manySiblings-1]
	if got := m.clusters[rep].template(); got != "cache <*> warmed" || ids[len(ids)-1] != rep {
		t.Errorf("template %q, later ids %v", got, ids[manySiblings-1:])
	}
	if final := m.siblings.final(ids[0]); final != rep || m.templateCount() != 1 {
		t.Errorf("first sibling ends in %d (want %d); %d templates", final, rep, m.templateCount())
	}

	msgs = msgs[:0]
	for _, w := range words {
		msgs = append(msgs, w+"Changed 12")
	}
	ids, m = mine(msgs...)
	if m.templateCount() != len(words) || ids[0] == ids[len(ids)-1] {
		t.Errorf("%d templates, want %d: nothing constant besides the word", m.templateCount(), len(words))
	}
}

// When the new variable lands beside another, the merged template is the
// shorter one the masker gives when it takes the value for a variable.
func TestMinerSiblingsCollapse(t *testing.T) {
	var msgs []string
	for _, p := range []string{"tar", "gzip", "sed", "grep", "less", "nano", "vim", "curl", "wget", "make", "patch", "file", "diff"} {
		msgs = append(msgs, "status unpacked "+p+" 1.2-3")
	}
	msgs = append(msgs, "status unpacked libz1 1.2-3", "status unpacked rsync 3.2-1")
	ids, m := mine(msgs...)
	short := ids[len(ids)-2]
	if got := m.clusters[short].template(); got != "status unpacked <*>" {
		t.Fatalf("template %q", got)
	}
	for i, id := range ids {
		if m.siblings.final(id) != short {
			t.Errorf("message %d ends in %q", i, m.clusters[m.siblings.final(id)].template())
		}
	}
}

// Dotted names in a slot (file names, class names) are values once a few
// of them vary there, even in a short context.
func TestMinerDottedNamesInASlot(t *testing.T) {
	for _, names := range [][]string{
		{"a.json", "b.log", "c.yaml", "d.json", "e.xml", "f.ini"},
		{"com.example.Foo", "com.example.Bar", "org.acme.Baz", "com.example.Qux", "net.x.Y", "a.b.C"},
	} {
		var msgs []string
		for _, n := range names {
			msgs = append(msgs, "loaded "+n+" ok")
		}
		ids, m := mine(msgs...)
		last := m.siblings.final(ids[len(ids)-1])
		if got := m.clusters[last].template(); got != "loaded <*> ok" {
			t.Errorf("%v: template %q, want \"loaded <*> ok\"", names, got)
		}
		for i, id := range ids {
			if m.siblings.final(id) != last {
				t.Errorf("%s ends in %q", names[i], m.clusters[m.siblings.final(id)].template())
			}
		}
	}
}
