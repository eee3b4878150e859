package storage

import (
	"strings"

	"github.com/logproc/logproc/domain"
)

// Limits on keys, well inside what file systems and Supabase accept.
const (
	maxKeyLen     = 1024
	maxSegmentLen = 255
)

// ValidateKey returns an EINVALID error unless key is a relative,
// slash-separated path such as "jobs/2026/11/27/<uuid>": segments of ASCII
// letters, digits, '.', '_' and '-', none empty and none starting with '.'
// (which rules out "." and ".." and keeps names starting with '.' free for
// the stores' own use). Such keys need no escaping in a file name or a URL.
func ValidateKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return domain.Errorf(domain.EINVALID, "blob key must be 1 to %d bytes long", maxKeyLen)
	}
	for _, segment := range strings.Split(key, "/") {
		if !validSegment(segment) {
			return domain.Errorf(domain.EINVALID,
				"invalid blob key %q: want segments of letters, digits, '.', '_' and '-' separated by '/', none empty or starting with '.'", key)
		}
	}
	return nil
}

func validSegment(s string) bool {
	if s == "" || len(s) > maxSegmentLen || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !validKeyByte(s[i]) {
			return false
		}
	}
	return true
}

func validKeyByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	default:
		return c == '.' || c == '_' || c == '-'
	}
}
