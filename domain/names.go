package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rules on the names users give: a job's owner (the JWT subject of its
// uploader) and its file name. Both are stored in events forever, shown by
// the API and printed by the command line, so they must never carry a
// character that could forge a line or reorder what a terminal shows.

// MaxOwnerBytes bounds an owner: Supabase's subjects are UUIDs (36 bytes),
// an email address fits, and a 100 KB subject is refused.
const MaxOwnerBytes = 255

// CheckOwner returns EINVALID unless owner is a valid owner: 1 to
// MaxOwnerBytes bytes of UTF-8 with no control or line-breaking character.
func CheckOwner(owner string) error {
	switch {
	case owner == "":
		return Errorf(EINVALID, "the owner (the token's subject) is empty")
	case len(owner) > MaxOwnerBytes:
		return Errorf(EINVALID, "the owner (the token's subject) is %d bytes long; at most %d are allowed",
			len(owner), MaxOwnerBytes)
	case !utf8.ValidString(owner) || strings.IndexFunc(owner, unprintable) >= 0:
		return Errorf(EINVALID, "the owner (the token's subject) holds a control character or invalid UTF-8")
	}
	return nil
}

// CheckFileName returns EINVALID for a file name that holds a control or
// line-breaking character, such as a CR or LF that would let a name forge
// a line of output. A name that is merely long, empty or not UTF-8 is
// cleaned by CleanFileName instead.
func CheckFileName(name string) error {
	if strings.IndexFunc(name, unprintable) >= 0 {
		return Errorf(EINVALID, "the file name %q holds a control character; rename the file", name)
	}
	return nil
}

// unprintable reports a character a name must not hold: a control
// character (C0, DEL, C1), a line or paragraph separator, or a bidi
// override or isolate, which reorders what follows it on screen.
func unprintable(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
