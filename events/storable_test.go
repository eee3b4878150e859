package events

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
)

func TestNewReplacesNULInEveryString(t *testing.T) {
	g := ErrorGroup{ID: "g\x00", Template: "a \x00 b", Sample: `literal \u0000 and \\u0000 and ` + "\x00"}
	e, err := New(uuid.New(), &ErrorsDetected{Groups: []ErrorGroup{g}}, Metadata{Actor: "al\x00ice"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(e)
	if err != nil {
		t.Fatalf("decode %s: %v", e.Data, err)
	}
	got := p.(*ErrorsDetected).Groups[0]
	want := ErrorGroup{ID: "g\uFFFD", Template: "a \uFFFD b", Sample: `literal \u0000 and \\u0000 and ` + "\uFFFD"}
	if got != want {
		t.Errorf("decoded group = %+v, want %+v", got, want)
	}
	if e.Metadata.Actor != "al\uFFFDice" {
		t.Errorf("actor = %q", e.Metadata.Actor)
	}
}

func TestStorableJSONKeepsOtherEscapes(t *testing.T) {
	for _, s := range []string{"", `\`, `\\`, "tab\tnew\nline", "\x01\x1f", "é ☃ \U0001F600", `\\u0000`} {
		data, _ := json.Marshal(map[string]string{s: s})
		if got := storableJSON(data); string(got) != string(data) {
			t.Errorf("storableJSON(%s) = %s, want it unchanged", data, got)
		}
	}
}
