package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	storage_go "github.com/supabase-community/storage-go"

	"github.com/logproc/logproc/domain"
)

// discardTimeout bounds the clean-up request after a failed Put, which runs
// even when the Put's context has ended.
const discardTimeout = 10 * time.Second

// Supabase is a BlobStore in a Supabase Storage bucket, spoken to through
// github.com/supabase-community/storage-go v0.8.1 on the Storage REST API
// (/storage/v1) with the project's service key. It is safe for concurrent
// use.
//
// Every request is built by a storage-go client's NewRequest and sent by its
// Do, working around that library's traps:
//   - Its client keeps headers set by one call for later calls, and
//     concurrent calls race on them. Each request gets a fresh client made
//     by NewClient with that request's headers (Content-Type, x-upsert, the
//     apikey the API gateway wants); the map given to NewClient replaces
//     storage-go's defaults, so no header is sent twice.
//   - UploadFile and DownloadFile take no context, and DownloadFile reads
//     the whole object into memory. Put and Open use NewRequest + Do with the
//     call's context instead: Put gives the request the caller's reader as an
//     unsized body (sent chunked, as the connection drains) and Open returns
//     the unread response body.
//   - Its StorageError keeps only the body's "message", not the HTTP status
//     nor the body's "statusCode" in which Supabase reports the real status
//     of most failures (sending HTTP 400). Do returns the response with the
//     error, so the store maps failures from the HTTP status and the message
//     (see responseError).
//
// storage-go sends through http.DefaultTransport whatever client it is
// given, which is why NewSupabase takes no HTTP client of its own.
type Supabase struct {
	api    string // e.g. https://<project>.supabase.co/storage/v1
	key    string
	bucket string
}

// NewSupabase returns a store in the given bucket of the Supabase project at
// baseURL (https://<project>.supabase.co; a trailing /storage/v1 is
// accepted too), authenticated with the project's service key. Requests go
// through storage-go, which sends with http.DefaultTransport; each call's
// context bounds it. No request is made here: a wrong key or bucket shows on
// first use as EUNAVAILABLE with a message that says so.
func NewSupabase(baseURL, serviceKey, bucket string) (*Supabase, error) {
	api, err := storageAPI(baseURL)
	if err != nil {
		return nil, err
	}
	if serviceKey == "" {
		return nil, domain.Errorf(domain.EINVALID, "supabase storage: service key required")
	}
	if bucket == "" || strings.Contains(bucket, "/") {
		return nil, domain.Errorf(domain.EINVALID, "supabase storage: invalid bucket name %q", bucket)
	}
	return &Supabase{api: api, key: serviceKey, bucket: bucket}, nil
}

func storageAPI(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", domain.Errorf(domain.EINVALID, "supabase storage: base URL %q is not an http(s) URL", baseURL)
	}
	return strings.TrimSuffix(u.String(), "/storage/v1") + "/storage/v1", nil
}

// Put streams r to the bucket as the body of one request while hashing it,
// with x-upsert false, so a second Put of a key fails with ECONFLICT (keys
// are unique job ids: a clash is a bug, not a replacement). An empty
// contentType is sent as application/octet-stream. Put returns EINVALID for
// an invalid key, ETOOLARGE when r fails with *http.MaxBytesError or
// ErrTooLarge or the bucket's size limit is hit, and EUNAVAILABLE when
// Supabase cannot be reached, fails, or refuses the service key or bucket.
// When ctx ends, the request is aborted and Put returns ctx's error. After
// any failure but a conflict, Put deletes the key (best effort) in case the
// server kept something; keys being unique, whatever is there is this Put's.
func (s *Supabase) Put(ctx context.Context, key string, r io.Reader, contentType string) (domain.Blob, error) {
	if err := ValidateKey(key); err != nil {
		return domain.Blob{}, err
	}
	u := newUpload(ctx, r)
	err := s.upload(ctx, key, u, contentType)
	// How the source ended explains a failed request better than the
	// request's own error (a broken pipe, a cancelled context).
	if srcErr := u.failure(key); srcErr != nil {
		err = srcErr
	}
	blob := domain.Blob{}
	if err == nil {
		blob, err = u.blob(key)
	}
	if err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
		s.discard(ctx, key)
	}
	return blob, err
}

// upload sends body to the key, as storage-go's UploadFile would but with a
// context and without its shared headers. The body's length is unknown, so
// net/http sends it chunked, reading it in small pieces as the connection
// drains.
func (s *Supabase) upload(ctx context.Context, key string, body io.Reader, contentType string) error {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	client := s.newClient(map[string]string{"Content-Type": contentType, "x-upsert": "false"})
	req, err := client.NewRequest(http.MethodPost, s.objectURL("", key))
	if err != nil {
		return fmt.Errorf("put blob %s: build request: %w", key, err)
	}
	req.Body = io.NopCloser(body)
	req.ContentLength = -1 // unknown: chunked, never buffered
	req.GetBody = nil      // the body cannot be replayed on a redirect
	resp, err := send(ctx, client, req)
	if err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return drainClose(resp)
}

// discard deletes what a failed Put may have left. It runs on a context of
// its own, as the Put's may be the reason the Put failed.
func (s *Supabase) discard(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	// Best effort: the caller needs the Put's error, not this one.
	_ = s.Delete(ctx, key)
}

// Open streams the object: the reader is the response body, read as the
// caller reads and bounded by ctx. It returns EINVALID for an invalid key,
// ENOTFOUND when nothing is stored under key and EUNAVAILABLE as Put does.
func (s *Supabase) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	// Any type will do for the object (storage-go asks for JSON).
	client := s.newClient(map[string]string{"Accept": "*/*"})
	req, err := client.NewRequest(http.MethodGet, s.objectURL("authenticated", key))
	if err != nil {
		return nil, fmt.Errorf("open blob %s: build request: %w", key, err)
	}
	resp, err := send(ctx, client, req)
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	return resp.Body, nil
}

// Delete removes the object; a missing key is not an error. It returns
// EINVALID for an invalid key and EUNAVAILABLE as Put does. It sends what
// storage-go's RemoveFile sends, through NewRequest + Do, for the context and
// the HTTP status.
func (s *Supabase) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	client := s.newClient(nil)
	req, err := client.NewRequest(http.MethodDelete, s.objectURL("", ""), map[string][]string{"prefixes": {key}})
	if err != nil {
		return fmt.Errorf("delete blob %s: build request: %w", key, err)
	}
	resp, err := send(ctx, client, req)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return drainClose(resp)
}

// newClient returns a storage-go client for one request, never shared:
// storage-go keeps a client's headers in one map that its calls change and
// its transport reads. header adds to, or replaces, storage-go's own
// (Accept and Content-Type application/json, X-Client-Info, Authorization
// with the service key as a bearer token). The API gateway in front of
// Supabase Storage also wants the key as apikey.
func (s *Supabase) newClient(header map[string]string) *storage_go.Client {
	h := map[string]string{"apikey": s.key}
	maps.Copy(h, header)
	return storage_go.NewClient(s.api, s.key, h)
}

// objectURL returns <api>/object[/kind]/<bucket>[/key]. ValidateKey admits
// only characters that need no escaping.
func (s *Supabase) objectURL(kind, key string) string {
	u := s.api + "/object"
	if kind != "" {
		u += "/" + kind
	}
	u += "/" + url.PathEscape(s.bucket)
	if key != "" {
		u += "/" + key
	}
	return u
}

// send sends req, bounded by ctx, with client's Do and returns the response
// if it is a success (2xx); otherwise it closes the response and returns it
// as an error. Do hands back the response even when it fails, having read
// the body into a StorageError; a 3xx is no error to Do, but is one here.
func send(ctx context.Context, client *storage_go.Client, req *http.Request) (*http.Response, error) {
	resp, err := client.Do(req.WithContext(ctx), nil)
	if resp == nil {
		if err == nil {
			err = errors.New("no response")
		}
		return nil, transportError(ctx, err)
	}
	if err == nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	var message string
	var storageErr *storage_go.StorageError
	switch {
	case errors.As(err, &storageErr):
		message = storageErr.Message
	case err != nil:
		message = err.Error()
	}
	fail := responseError(resp.StatusCode, message)
	_ = drainClose(resp) // the error at hand says more than a failed close
	return nil, fail
}

// drainClose reads a little of what is left of the body, so the connection
// can be reused, and closes it.
func drainClose(resp *http.Response) error {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if err := resp.Body.Close(); err != nil {
		return fmt.Errorf("close response: %w", err)
	}
	return nil
}
