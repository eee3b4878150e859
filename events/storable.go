package events

import (
	"bytes"
	"strings"
)

// PostgreSQL refuses one character wherever an event keeps text: jsonb
// refuses the escape \u0000 (SQLSTATE 22P05) and text refuses the NUL byte.
// A log may hold NUL anywhere, and what the analysis finds in it (samples,
// templates, components, keywords) reaches events as strings, so New
// replaces it, in data and metadata alike, by U+FFFD, the character that
// already stands for bytes that are not UTF-8. Nothing else needs care:
// encoding/json writes invalid UTF-8 as U+FFFD and never escapes a lone
// surrogate.

// nulEscape is how encoding/json writes U+0000 in a string.
var nulEscape = []byte(`\u0000`)

// replacement is U+FFFD as a JSON escape, as long as nulEscape.
var replacement = []byte(`\ufffd`)

// storableJSON returns JSON written by encoding/json with every U+0000 in
// its strings (and object keys) replaced by U+FFFD. Outside strings JSON has
// no backslash, and inside one a backslash always starts an escape, so
// walking escape by escape never mistakes an escaped backslash followed by
// "u0000" for an escaped NUL.
func storableJSON(data []byte) []byte {
	if !bytes.Contains(data, nulEscape) {
		return data
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		switch {
		case data[i] != '\\' || i+1 == len(data):
			out = append(out, data[i])
		case bytes.HasPrefix(data[i:], nulEscape):
			out = append(out, replacement...)
			i += len(nulEscape) - 1
		default:
			out = append(out, data[i], data[i+1])
			i++
		}
	}
	return out
}

// storableText replaces NUL bytes by U+FFFD.
func storableText(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// storable returns the metadata with NUL bytes replaced in every field.
func (m Metadata) storable() Metadata {
	m.CorrelationID, m.CausationID = storableText(m.CorrelationID), storableText(m.CausationID)
	m.Actor, m.AnalyzerVersion = storableText(m.Actor), storableText(m.AnalyzerVersion)
	return m
}
