package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
	storage_go "github.com/supabase-community/storage-go"

	"github.com/logproc/logproc/domain"
)

const (
	// discardTimeout bounds the clean-up request after a failed Put, which
	// runs even when the Put's context has ended.
	discardTimeout = 10 * time.Second
	// responseHeaderTimeout bounds the wait for an answer once a request,
	// body included, is sent: the server commits an upload in that time.
	responseHeaderTimeout = time.Minute
	// errorBodyLimit is how much of a failed response is read.
	errorBodyLimit = 16 << 10
)

// SupabaseConfig says where a Supabase store keeps its blobs.
type SupabaseConfig struct {
	// URL is the project URL, https://<project>.supabase.co; a trailing
	// /storage/v1 is accepted too. The Storage API is under /storage/v1.
	URL string
	// ServiceKey is the project's service-role key.
	ServiceKey string
	// Bucket is the Storage bucket.
	Bucket string
	// StageDir is a local directory whose ".tmp" holds uploads while they
	// are staged (the local store's directory serves).
	StageDir string
	// Log receives what a caller cannot act on: deletes that deleted
	// nothing, stale staged files cleared. Nil discards it.
	Log *slog.Logger
	// Transport sends the requests; nil uses a clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
}

// Supabase is a BlobStore in a Supabase Storage bucket, spoken to over the
// Storage REST API with the project's service key: through storage-go where
// it can make the call, and with net/http where it cannot (see
// supabase_client.go). It is safe for concurrent use. A Put first stages
// the file on local disk, hashing it, so that it is sent with its
// Content-Length: only then does the server check it against the bucket's
// size limit.
type Supabase struct {
	api, key, bucket string
	client           *http.Client
	root             *os.Root
	temp             tempArea
	log              *slog.Logger
	// keyExpires is the service key's exp, zero when unknown.
	keyExpires time.Time
	// sizeLimit is the bucket's file_size_limit as Probe last read it, 0
	// when there is none or it is not known yet.
	sizeLimit atomic.Int64
	// pageSize is how many entries a list request asks for.
	pageSize int
}

// NewSupabase returns a store in the bucket of the project cfg names. It
// makes no request: Probe checks the URL, key and bucket. It returns
// EINVALID for a malformed URL, an empty key or bucket, and a service key
// that is a JWT past its expiry.
func NewSupabase(cfg SupabaseConfig) (*Supabase, error) {
	api, err := storageAPI(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.ServiceKey == "" {
		return nil, domain.Errorf(domain.EINVALID, "supabase storage: service key required")
	}
	if cfg.Bucket == "" || strings.Contains(cfg.Bucket, "/") {
		return nil, domain.Errorf(domain.EINVALID, "supabase storage: invalid bucket name %q", cfg.Bucket)
	}
	s := &Supabase{api: api, key: cfg.ServiceKey, bucket: cfg.Bucket, log: cfg.Log, keyExpires: jwtExpiry(cfg.ServiceKey), pageSize: listPageSize}
	if !s.keyExpires.IsZero() && time.Now().After(s.keyExpires) {
		return nil, domain.Errorf(domain.EINVALID, "supabase storage: the service key expired at %s", s.keyExpires.UTC().Format(time.RFC3339))
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.client = newHTTPClient(cfg.Transport)
	root, removed, err := openRoot(cfg.StageDir)
	if err != nil {
		return nil, fmt.Errorf("supabase storage: staging directory: %w", err)
	}
	if removed > 0 {
		s.log.Info("deleted stale staged uploads", "dir", cfg.StageDir, "count", removed)
	}
	s.root, s.temp = root, tempArea{root: root}
	return s, nil
}

func newHTTPClient(rt http.RoundTripper) *http.Client {
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = responseHeaderTimeout
		rt = t
	}
	return &http.Client{
		Transport: rt,
		// A redirect means a wrong URL, not a place to send a body again.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// jwtExpiry reads the exp of a key that is a JWT, without verifying it:
// only the server can; this only says when it will stop accepting it.
func jwtExpiry(key string) time.Time {
	tok, err := jwt.ParseInsecure([]byte(key))
	if err != nil {
		return time.Time{} // not a JWT (an opaque sb_secret_ key): unknown
	}
	return tok.Expiration()
}

func storageAPI(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", domain.Errorf(domain.EINVALID, "supabase storage: base URL %q is not an http(s) URL", baseURL)
	}
	return strings.TrimSuffix(u.String(), "/storage/v1") + "/storage/v1", nil
}

// Close releases the staging directory.
func (s *Supabase) Close() error {
	return s.root.Close()
}

// Put stages r on local disk while hashing it, then sends it with its
// Content-Length and x-upsert false. It returns EINVALID for an invalid key,
// ECONFLICT when the key exists as the upload starts (racing uploads of one
// key may all succeed, the last one's bytes winning: keys are unique per job,
// so that never happens here), ETOOLARGE when r fails with
// *http.MaxBytesError or ErrTooLarge or the file passes the bucket's size
// limit, EFULL when the staging disk is full, and EUNAVAILABLE when Supabase
// cannot be reached, fails, or refuses the service key or bucket. When ctx
// ends, Put stops and returns ctx's error. After a failed request, Put
// deletes the key (best effort) in case the server kept something.
func (s *Supabase) Put(ctx context.Context, key string, r io.Reader, contentType string) (domain.Blob, error) {
	if err := ValidateKey(key); err != nil {
		return domain.Blob{}, err
	}
	f, name, err := s.temp.create()
	if err != nil {
		return domain.Blob{}, fmt.Errorf("put blob %s: stage: %w", key, err)
	}
	defer func() { _ = s.root.Remove(name) }()
	defer f.Close()
	blob, err := stage(ctx, key, f, r)
	if err != nil {
		return domain.Blob{}, err
	}
	if limit := s.sizeLimit.Load(); limit > 0 && blob.Size > limit {
		return domain.Blob{}, s.tooLarge(blob.Size, nil)
	}
	err = s.upload(ctx, key, f, blob.Size, contentType)
	if domain.ErrorCode(err) == domain.ETOOLARGE {
		err = s.tooLarge(blob.Size, err)
	}
	if err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
		s.discard(ctx, key)
	}
	if err != nil {
		return domain.Blob{}, err
	}
	return blob, nil
}

// stage copies r into f through the hashing, context-watching reader.
func stage(ctx context.Context, key string, f *os.File, r io.Reader) (domain.Blob, error) {
	u := newUpload(ctx, r)
	defer u.close()
	if _, err := io.Copy(f, u); err != nil {
		if srcErr := u.failure(key); srcErr != nil {
			return domain.Blob{}, srcErr
		}
		return domain.Blob{}, fmt.Errorf("put blob %s: stage: %w", key, diskError("write", err))
	}
	return u.blob(key)
}

// tooLarge says which limit a file of size bytes passed: the bucket's when
// Probe read one the file is over, else the server's own.
func (s *Supabase) tooLarge(size int64, cause error) error {
	if limit := s.sizeLimit.Load(); limit > 0 && size > limit {
		return domain.Wrap(cause, domain.ETOOLARGE,
			fmt.Sprintf("the file (%d bytes) exceeds the storage bucket's size limit of %d bytes", size, limit))
	}
	return domain.Wrap(cause, domain.ETOOLARGE, fmt.Sprintf("the file (%d bytes) exceeds the storage server's size limit", size))
}

// upload sends the staged file f of size bytes to key.
func (s *Supabase) upload(ctx context.Context, key string, f *os.File, size int64, contentType string) error {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	body := func() (io.ReadCloser, error) {
		if size == 0 {
			return http.NoBody, nil // a non-nil empty body would be sent chunked
		}
		return io.NopCloser(io.NewSectionReader(f, 0, size)), nil
	}
	req, err := s.newRequest(ctx, http.MethodPost, s.objectURL("", key), nil)
	if err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	req.Body, _ = body()
	req.GetBody, req.ContentLength = body, size
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("x-upsert", "false")
	resp, err := s.do(req)
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
	req, err := s.newRequest(ctx, http.MethodGet, s.objectURL("authenticated", key), nil)
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	resp, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	return resp.Body, nil
}

// OpenRange implements domain.BlobStore with an HTTP Range request, which
// the Storage API serves with 206.
func (s *Supabase) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if length <= 0 {
		return io.NopCloser(strings.NewReader("")), nil
	}
	req, err := s.newRequest(ctx, http.MethodGet, s.objectURL("authenticated", key), nil)
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("open blob %s at %d: %w", key, offset, transportError(ctx, err))
	}
	switch {
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable: // at or past the end
		_ = drainClose(resp)
		return io.NopCloser(strings.NewReader("")), nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		f := readFailure(resp)
		_ = drainClose(resp)
		return nil, fmt.Errorf("open blob %s at %d: %w", key, offset, s.failureError(req, f))
	}
	if resp.StatusCode != http.StatusPartialContent {
		// A server that ignores the range sends the whole object.
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return nil, domain.Wrap(err, domain.EUNAVAILABLE, "blob storage sent less than the file")
		}
	}
	return limitedFile{Reader: io.LimitReader(resp.Body, length), Closer: resp.Body}, nil
}

// Delete removes the object; a missing key is not an error. It returns
// EINVALID for an invalid key and EUNAVAILABLE as Put does. The server
// answers a delete with the list of what it deleted, and with an empty one,
// not an error, for a missing key but also for a missing bucket or a key
// not allowed to delete: that is logged, for an operator to check.
func (s *Supabase) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	var deleted []storage_go.FileUploadResponse
	err := s.goDo(ctx, http.MethodDelete, s.objectURL("", ""), map[string][]string{"prefixes": {key}}, &deleted)
	if err != nil {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	if len(deleted) == 0 {
		s.log.InfoContext(ctx, "supabase storage deleted nothing: the object was already gone, or the bucket is missing or the key may not delete",
			"bucket", s.bucket, "key", key)
	}
	return nil
}

// newRequest builds a request to the Storage API with the service key as
// the bearer token and as the apikey the gateway wants, and body as JSON
// when it is not nil.
func (s *Supabase) newRequest(ctx context.Context, method, url string, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("apikey", s.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
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

// do sends req and returns the response if it is a success (2xx);
// otherwise it reads the failure from the response, closes it and returns
// it as an error (see failureOf).
func (s *Supabase) do(req *http.Request) (*http.Response, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, transportError(req.Context(), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	f := readFailure(resp)
	_ = drainClose(resp) // the failure at hand says more than a failed close
	return nil, s.failureError(req, f)
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

// transportError maps a request that got no response. A request stopped by
// its context keeps the context's error so callers can tell a cancellation;
// anything else (refused, reset) is EUNAVAILABLE.
func transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("supabase storage: %w", err)
	}
	return domain.Wrap(err, domain.EUNAVAILABLE, "blob storage is unreachable")
}
