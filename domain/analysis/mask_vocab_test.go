package analysis

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestVocabAsMap compares the word lists' packed look-up with a map of
// their words, lower-cased, on the words themselves in mixed case and on
// random tokens near them (a byte changed, added or dropped, bytes of any
// value), and what keepWord makes of each token (its flags, and whether
// the message may hold a date) against the lists.
func TestVocabAsMap(t *testing.T) {
	lists := []*vocab{zoneWords, sizeUnits, topLevelDomains, codePrefixes, monthWords, weekdayWords,
		specialWords, wordKinds.filter}
	kinds := map[string]wordKind{}
	for w, k := range wordKinds.kinds {
		kinds[w] = k
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ019-_.:\x00\xc3\xa9\xff")
	var tokens [][]byte
	for _, v := range lists {
		for w := range v.words {
			tokens = append(tokens, []byte(w), bytes.ToUpper([]byte(w)))
		}
	}
	for range 200000 {
		var b []byte
		if rng.IntN(2) == 0 && len(tokens) > 0 {
			b = append(b, tokens[rng.IntN(len(tokens))]...)
			switch rng.IntN(4) {
			case 0:
				if len(b) > 0 {
					b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
				}
			case 1:
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			case 2:
				if len(b) > 0 {
					b = b[:len(b)-1]
				}
			}
		} else {
			for range rng.IntN(15) {
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			}
		}
		tokens = append(tokens, b)
	}
	for _, b := range tokens {
		folded := make([]byte, len(b))
		for i, c := range b {
			folded[i] = foldTable[c]
		}
		for li, v := range lists {
			_, want := v.words[string(folded)]
			if got := v.has(b); got != want {
				t.Fatalf("list %d has(%q) = %v, want %v", li, b, got, want)
			}
		}
		if got, want := wordKinds.kind(b), kinds[string(folded)]; got != want {
			t.Fatalf("kind(%q) = %d, want %d", b, got, want)
		}
		if len(b) == 0 {
			continue
		}
		var m masker
		flags := m.keepWord(b)
		_, month := monthWords.words[string(folded)]
		_, day := weekdayWords.words[string(folded)]
		_, zone := zoneWords.words[string(folded)]
		wantDay := month || day || zone && b[0] >= 'A' && b[0] <= 'Z' && len(b) <= 4
		var wantFlags tokFlag
		switch kinds[string(folded)] {
		case kindValue:
			wantFlags = tfPure | tfHasVar
		case kindUnit:
			wantFlags = tfUnit
		case kindEntity:
			wantFlags = tfEntity
		}
		if m.anyDay != wantDay || flags != wantFlags {
			t.Fatalf("keepWord(%q): anyDay %v flags %d, want %v %d", b, m.anyDay, flags, wantDay, wantFlags)
		}
	}
}

// TestSpecialWordsMarks checks what each word of specialWords carries
// against the lists it was made from.
func TestSpecialWordsMarks(t *testing.T) {
	for _, w := range specialWords.list {
		b := []byte(w.word)
		if w.kind != wordKinds.kind(b) || w.day != (monthWords.has(b) || weekdayWords.has(b)) || w.zone != zoneWords.has(b) {
			t.Errorf("%q: kind %d day %v zone %v", w.word, w.kind, w.day, w.zone)
		}
		up := bytes.ToUpper(b)
		if i := specialWords.index(up); i < 0 || specialWords.list[i].word != w.word {
			t.Errorf("%q not found upper-cased", w.word)
		}
	}
}
