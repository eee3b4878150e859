package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// bucketInfo is what Probe reads of GET /bucket/{id}.
type bucketInfo struct {
	ID string `json:"id"`
	// FileSizeLimit is null when the bucket has none (the server's own
	// limit applies).
	FileSizeLimit *int64 `json:"file_size_limit"`
}

// Probe reads the bucket with the service key: one cheap authenticated
// request that fails as every later one would when the URL reaches no
// Storage API, the bucket is missing or the key is refused (all three with
// ErrMisconfigured in the chain), or Supabase is down. It also learns the
// bucket's file size limit, which Put then checks before sending and names
// when a file is too large.
func (s *Supabase) Probe(ctx context.Context) error {
	req, err := s.newRequest(ctx, http.MethodGet, s.api+"/bucket/"+url.PathEscape(s.bucket), nil)
	if err != nil {
		return fmt.Errorf("probe bucket %s: %w", s.bucket, err)
	}
	resp, err := s.do(req)
	if err != nil {
		return fmt.Errorf("probe bucket %s: %w", s.bucket, err)
	}
	defer drainClose(resp)
	var b bucketInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, errorBodyLimit)).Decode(&b); err != nil {
		return misconfigured(fmt.Errorf("GET %s answered 200 with no bucket in it (%w): SUPABASE_URL must be the project URL, "+
			"https://<project>.supabase.co", req.URL.Redacted(), err), "no Storage API at the configured URL")
	}
	var limit int64
	if b.FileSizeLimit != nil && *b.FileSizeLimit > 0 {
		limit = *b.FileSizeLimit
	}
	s.sizeLimit.Store(limit)
	return nil
}
