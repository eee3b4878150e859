package projections

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// jobCursor is where a page of jobs ends: the last job's submission time and
// id, newest first.
type jobCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// farFuture starts the first page.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func encodeCursor(c jobCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (jobCursor, error) {
	if s == "" {
		return jobCursor{At: farFuture, ID: uuid.Max}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c jobCursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, domain.Errorf(domain.EINVALID, "cursor %q is not one this API returned", s)
	}
	return c, nil
}
