package storage

import (
	"context"
	"errors"
	"fmt"

	storage_go "github.com/supabase-community/storage-go"

	"github.com/logproc/logproc/domain"
)

// The store makes its calls two ways. Deleting, whose answer storage-go
// decodes and whose failures need no telling apart (the caller can only
// retry, and the server answers 200 where one might expect a failure), goes
// through storage-go's client; listings decode into its FileObject.
// Uploading, downloading, listing and probing the bucket are sent with
// net/http (supabase.go), because storage-go v0.8.1 cannot make them as they
// must be made: it drops the statusCode and code by which the server
// reports a failure (with HTTP 400), so an expired key, a missing bucket, a
// missing object, a busy server and a size limit would look alike; it sends
// an upload without its Content-Length, which is the only way the server
// checks a bucket's size limit; its listing cannot search; and it reads a
// download whole into memory.

// goClient returns a storage-go client for one call: the library keeps
// request headers on the client, so clients are never shared.
func (s *Supabase) goClient() *storage_go.Client {
	return storage_go.NewClient(s.api, s.key, map[string]string{"apikey": s.key})
}

// goDo sends a request storage-go built, bounded by ctx, and decodes the
// answer into v.
func (s *Supabase) goDo(ctx context.Context, method, url string, body, v any) error {
	c := s.goClient()
	req, err := c.NewRequest(method, url, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	_, err = c.Do(req.WithContext(ctx), v)
	var refused *storage_go.StorageError
	switch {
	case errors.As(err, &refused):
		return domain.Wrap(fmt.Errorf("%s %s: supabase storage refused: %w", method, url, err),
			domain.EUNAVAILABLE, "blob storage refused the request")
	case err != nil:
		return transportError(ctx, err)
	}
	return nil
}
