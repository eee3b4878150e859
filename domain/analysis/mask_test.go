package analysis

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PacketResponder 1 for block blk_-1608999687919862906 terminating", "PacketResponder <*> for block <*> terminating"},
		{"Receiving block blk_1 src: /10.250.19.102:54106 dest: /10.250.19.102:50010", "Receiving block <*> src: <*> dest: <*>"},
		{"connection from 10.0.0.1 (host-1.example.com) at Fri Jun 17 20:55:07 2005", "connection from <*> (<*>) at <*>"},
		{"session opened for user root by (uid=0)", "session opened for user root by (uid=<*>)"},
		{"generating core.2275", "generating core.<*>"},
		{"onExtend:1514038530000 14 0 4", "onExtend:<*> <*>"},
		{"ciod: LOGIN chdir(/home/x/y) failed", "ciod: LOGIN chdir(<*>) failed"},
		{"request 550e8400-e29b-41d4-a716-446655440000 done in 12.5ms", "request <*> done in <*>"},
		{"MAC 00:1B:44:11:3A:B7 seen, via fe80::1ff:fe23:4567:890a", "MAC <*> seen, via <*>"},
		{"isScreenOn true", "isScreenOn <*>"},
		{"Loaded C:\\Windows\\System32\\kernel32.dll from ./lib", "Loaded <*> from <*>"},
		{"Active base files: /a/1 /a/2 /a/3", "Active base files: <*>"},
		{"status=failed code=E42 empty= list=[]", "status=<*> code=<*> empty= list=[]"},
		{"connection from 1.2.3.4 ()", "connection from <*> (<*>)"},
		{"mapred.job.id is deprecated. Instead, use mapreduce.job.id", "mapred.job.id is deprecated. Instead, use mapreduce.job.id"},
		{"bad \xff\xfe bytes", "bad <*> bytes"},
		{"statement: SELECT 1 WHERE a <> b", "statement: SELECT <*> WHERE a <> b"},
	}
	for _, tt := range tests {
		var m masker
		m.mask([]byte(tt.in))
		if got := string(m.out); got != tt.want {
			t.Errorf("mask(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskRecordsIPs(t *testing.T) {
	var m masker
	msg := []byte("from 10.1.2.3:8080 to [fe80::1] via 999.1.1.1 and v1.2.3.4")
	m.mask(msg)
	var got []string
	for _, s := range m.ips {
		got = append(got, string(msg[s.start:s.end]))
	}
	if len(got) != 2 || got[0] != "10.1.2.3" || got[1] != "fe80::1" {
		t.Fatalf("ips %q, want 10.1.2.3 and fe80::1", got)
	}
}

func TestKeywordSet(t *testing.T) {
	k := newKeywordSet([]string{"error", "Exception", "timeout", "failed", "refused", "denied", "timed out"})
	tests := []struct {
		in   string
		want uint64
	}{
		{"all good", 0},
		{"ERROR: NullPointerException", 1 | 2},
		{"connection Refused after timeout", 4 | 16},
		{"request timed out; access DENIED", 32 | 64},
		{"errorfailed", 0},
		{"erro", 0},
		// Whole words only: inside a hyphenated or snake_case token, or a
		// longer word, a keyword is not the word.
		{"status unpacked liberror-perl:all 0.17029-2", 0},
		{"libgpg-error-dev:amd64 error_count=0 errors=0 terror", 0},
		{"(error) [Failed] timeout.", 1 | 8 | 4},
		// camelCase parts are words.
		{"java.io.IOException: errorCode=5", 1 | 2},
		{"ERRORCode SOMEERROR", 1},
		// A dot going on into a name continues the word; one before it or
		// ending a sentence does not.
		{"/var/log/error.log ABORT.7.gz failed.txt", 0},
		{"java.lang.Exception: boom. Error.", 1 | 2},
	}
	for _, tt := range tests {
		if got := k.find([]byte(tt.in)); got != tt.want {
			t.Errorf("find(%q) = %b, want %b", tt.in, got, tt.want)
		}
	}
}

// tokenEnd, which reads four bytes a step, ends tokens where a byte-by-byte
// reading does and gives the same classes, and nextTokenStart finds the
// next token where skipBlanks does; so do the punctuation tables the
// comparisons they replaced.
func TestTokenEndAsByteLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("aZ09-_./\\=:,;()[]{}<>\"' \t\xc3\xa9\x00")
	for range 300_000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for pos := 0; pos <= len(b); pos++ {
			end, cls := tokenEnd(b, pos)
			wantEnd, wantCls := pos, byteClassSet(0)
			for wantEnd < len(b) && b[wantEnd] != ' ' && b[wantEnd] != '\t' {
				wantCls |= byteClasses[b[wantEnd]]
				wantEnd++
			}
			if end != wantEnd || cls != wantCls {
				t.Fatalf("tokenEnd(%q, %d) = %d, %b; want %d, %b", b, pos, end, cls, wantEnd, wantCls)
			}
			if wantEnd < len(b) {
				if next, want := nextTokenStart(b, wantEnd), skipBlanks(b, wantEnd); next != want {
					t.Fatalf("nextTokenStart(%q, %d) = %d, want %d", b, wantEnd, next, want)
				}
			}
		}
	}
	for c := range 256 {
		b := byte(c)
		open := b == '(' || b == '[' || b == '{' || b == '"' || b == '\'' || b == '<' || b == ':'
		var closing bool
		switch b {
		case ')', ']', '}', '"', '\'', ',', ';', '.', ':', '>':
			closing = true
		}
		if isOpenPunct(b) != open || isClosePunct(b) != closing {
			t.Errorf("byte %q: open %v, close %v; want %v, %v", b, isOpenPunct(b), isClosePunct(b), open, closing)
		}
		class := isLetter(b) || isDigit(b) || b == '.' || b == '_' || b == '$'
		if isClassByte(b) != class {
			t.Errorf("byte %q: isClassByte %v, want %v", b, isClassByte(b), class)
		}
	}
}

// Plain words skip addToken, and numbers and ids maskWord; the masker's
// state after a message is what the general path (addToken and maskWord
// for every token) leaves, on random messages built from fragments that
// reach the word lists, the joins and the shape tests.
func TestMaskFastPathsAsGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	frags := []string{"block", "Receiving", "src:", "dest:", "user", "root", "KB", "5", "12.5", "ms",
		"true", "Null", "Jun", "17", "20:55:07", "2005", "Fri", "UTC", "at", "host", "db1.example.com",
		"blk_-1608999687919862906", "/10.250.19.102:54106", "10.0.0.1", "uid=0", "(uid=0)", "[a", "b]",
		"{x", "y}", "'guest'", "\"GET", "/a/b\"", "a,", "b,", "c", "ERROR", "error", "timeout", "failed",
		"x-y_z", "-", "_", "state", "down", "up", "disk1", "disk2", "1,", "2,", "3", "tag=\"Some", "Lock\"",
		"Window(title=a", "b)", "<none>", "<>", "0x1F", "aa:bb:cc:dd:ee:ff", "né", "\xff",
		"aa-bb-cc-dd-ee-ff", "eth0", "IPv4", "ssh2", "54fadb412c4e40cd", "req-4d641796", "007", "1-2",
		"10.251.239.63:50010", "/10.0.0.1:", "/1.2.3.4", "/12:34", "1.2.3:4", "00:11:22:33:44:55", "1.2.3.4:5:6",
		"/10.0.0.1/x", "/10.0.0.1/2", "/1.2.3.4:5/6.7.8.9:10", "1::2", "10.0.0.256:80", "/", "/9", "9:", ":9",
		"BLOCK*", "NameSystem.addStoredBlock:", "a.b.com:", "db1.example.com:", "x.:", "a\x00", "a*b", "a.b:c:",
		"foo.bar", "(a*", "a*)", "java.lang.true:", "Jun.x:", "x.Mon:", "a.Jun:", "_x.y:", "-a.b:", "a.b.c.d:",
		"a{b", "a[", "a<b>", "a!", "user.name:", "ms.x:", "x.true:", "1.2.3.4", "0.5", "1..2", "1.2.3",
		"255.255.255.255", "1.2.3.4.5", "300.1.1.1", "0.1.2.3", "1.6135054"}
	kw := newKeywordSet(DefaultKeywords)
	reused := masker{kw: kw} // buffers kept from message to message, as in a pass
	for n := range 300_000 {
		var b []byte
		for i := range 1 + rng.IntN(12) {
			if i > 0 || rng.IntN(20) == 0 {
				b = append(b, " \t"[rng.IntN(8)/7])
			}
			if rng.IntN(20) == 0 {
				b = append(b, ' ') // a run of blanks
			}
			b = append(b, frags[rng.IntN(len(frags))]...)
		}
		fast, general := masker{kw: kw}, masker{kw: kw, general: true}
		if n%2 == 1 {
			fast = reused
		}
		fast.mask(b)
		reused = fast
		general.mask(b)
		fast.hashTokens()
		general.hashTokens()
		if string(fast.out) != string(general.out) || !slices.Equal(fast.toks, general.toks) ||
			!slices.Equal(fast.ips, general.ips) || fast.anyVar != general.anyVar || fast.anyDay != general.anyDay ||
			fast.varKW != general.varKW || fast.anyTrack != general.anyTrack || fast.anyExp != general.anyExp ||
			string(fast.exps) != string(general.exps) || !slices.Equal(fast.expList, general.expList) ||
			fast.sequenceHash() != general.sequenceHash() {
			t.Fatalf("%q: fast path %q %+v, addToken %q %+v", b, fast.out, fast.toks, general.out, general.toks)
		}
	}
}

// find's skips (a byte no keyword holds, then the pair table) never jump
// over a keyword: the same words found as by the plain scan at every
// offset, on random text for several sets.
func TestKeywordSkipAsPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	sets := [][]string{DefaultKeywords, {"err", "E42", "out-of-memory", "oom_kill", "x1"}, {"ab", "abc"}, {"Zz9.", "q"}}
	alphabet := []byte("abcdeEfiIlmnoOprRstTux0129-_. :/=zZq")
	for _, words := range sets {
		k := newKeywordSet(words)
		for range 100_000 {
			b := make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			if rng.IntN(2) == 0 && len(b) > 0 {
				w := words[rng.IntN(len(words))]
				at := rng.IntN(len(b))
				b = append(b[:at], append([]byte(w), b[at:]...)...)
			}
			if got, want := k.find(b), k.findNaive(b); got != want {
				t.Fatalf("keywords %q, text %q: find %b, the plain scan %b", words, b, got, want)
			}
		}
	}
}

// isHexGroups, which looks at the first separator before the rest, agrees
// with the loop alone on random groups of hex digits and separators.
func TestHexGroupsAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	alphabet := []byte("0af9AFgx:-_.")
	for range 300_000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
			if i%3 == 2 && rng.IntN(4) > 0 {
				b[i] = ":-"[rng.IntN(2)]
			}
		}
		want := len(b) >= 11 && (len(b)+1)%3 == 0
		for i, c := range b {
			if want && i%3 == 2 {
				want = c == ':' || c == '-'
			} else if want {
				want = hexValue(c) >= 0
			}
		}
		if isHexGroups(b) != want {
			t.Fatalf("isHexGroups(%q) = %v, want %v", b, !want, want)
		}
	}
}
