package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logproc/logproc/domain"
)

// ErrMisconfigured is in the chain of every error that says the store's
// settings are wrong rather than the service unwell: a URL that reaches no
// Storage API, a missing bucket, a refused service key. A process should
// not start with one.
var ErrMisconfigured = errors.New("blob storage is misconfigured")

// failure is a failed response of the Storage API as the server meant it.
// The storage server answers most failures with HTTP 400 and the real
// status in the body: {"statusCode":"404","code":"NoSuchKey",
// "error":"NoSuchKey","message":"Object not found"}. The gateway in front,
// and proxies, answer with real HTTP statuses and bodies of their own.
type failure struct {
	httpStatus int
	status     int    // the body's statusCode when it is a failure, else httpStatus
	code       string // the body's code, else its error (older servers)
	message    string
	location   string // of a redirect
}

// readFailure reads a failed response's body.
func readFailure(resp *http.Response) failure {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	f := failure{httpStatus: resp.StatusCode, status: resp.StatusCode, location: resp.Header.Get("Location")}
	var b struct {
		StatusCode json.RawMessage `json:"statusCode"`
		Code       string          `json:"code"`
		Error      string          `json:"error"`
		Message    string          `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil {
		f.message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		return f
	}
	f.code, f.message = b.Code, b.Message
	if f.code == "" {
		f.code = b.Error
	}
	// "404" or 404; a body that calls a failure a success is not believed.
	if n, err := strconv.Atoi(strings.Trim(string(b.StatusCode), `"`)); err == nil && n >= 400 {
		f.status = n
	}
	return f
}

// Codes of the storage server, and the names older servers sent as "error".
var (
	codesMissingObject = []string{"NoSuchKey", "not_found"}
	codesMissingBucket = []string{"NoSuchBucket", "Bucket not found"}
	codesConflict      = []string{"KeyAlreadyExists", "ResourceAlreadyExists", "Duplicate"}
	codesTooLarge      = []string{"EntityTooLarge", "Payload too large"}
	codesKeyRefused    = []string{"InvalidJWT", "AccessDenied", "InvalidSignature", "SignatureDoesNotMatch", "Unauthorized"}
	codesBusy          = []string{"SlowDown", "DatabaseTimeout", "LockTimeout", "InternalError"}
)

// failureError maps a failure of req to a domain error by the body's status
// and code, never by the wording of its message. The cause keeps all of it
// for the logs; the message is for the API's clients.
func (s *Supabase) failureError(req *http.Request, f failure) error {
	cause := fmt.Errorf("%s %s: supabase storage answered HTTP %d (status %d, code %q): %q",
		req.Method, req.URL.Redacted(), f.httpStatus, f.status, f.code, f.message)
	is := func(codes []string) bool { return slices.Contains(codes, f.code) }
	switch {
	case is(codesMissingObject):
		return domain.Wrap(cause, domain.ENOTFOUND, "blob not found")
	case is(codesMissingBucket):
		return misconfigured(fmt.Errorf("bucket %q does not exist (SUPABASE_BUCKET), or the key cannot see it "+
			"(an anon key given as SUPABASE_SERVICE_KEY?): %w", s.bucket, cause), "the bucket does not exist (or the key cannot see it)")
	case f.status == http.StatusNotFound:
		return misconfigured(fmt.Errorf("%w: no Storage API answers at %s: SUPABASE_URL must be the project URL, "+
			"https://<project>.supabase.co, or a gateway that serves the Storage API under /storage/v1", cause, s.api),
			"no Storage API at the configured URL")
	case f.status == http.StatusConflict || is(codesConflict):
		return domain.Wrap(cause, domain.ECONFLICT, "blob already exists")
	case f.status == http.StatusRequestEntityTooLarge || is(codesTooLarge):
		return domain.Wrap(cause, domain.ETOOLARGE, "the file exceeds the storage size limit")
	case f.status == http.StatusUnauthorized || f.status == http.StatusForbidden || is(codesKeyRefused):
		return misconfigured(cause, s.keyRefused())
	case f.status == http.StatusTooManyRequests || f.status >= 500 || is(codesBusy):
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage is unavailable")
	case f.httpStatus >= 300 && f.httpStatus < 400:
		return misconfigured(fmt.Errorf("%w: a redirect (to %q): check SUPABASE_URL", cause, f.location), "the configured URL redirects")
	}
	if f.status >= 400 && f.status < 500 {
		// Any other refusal would be refused again: a job meeting it
		// fails at once (domain.Permanent).
		cause = fmt.Errorf("%w: %w", domain.ErrRefused, cause)
	}
	return domain.Wrap(cause, domain.EINTERNAL, "blob storage refused the request")
}

// keyRefused says why the server refused the service key, as far as the
// key itself tells: a JWT past its exp has expired.
func (s *Supabase) keyRefused() string {
	if !s.keyExpires.IsZero() && time.Now().After(s.keyExpires) {
		return "the service key was refused (expired)"
	}
	return "the service key was refused"
}

// misconfigured is EUNAVAILABLE for a client, who may try again once an
// operator has fixed the settings, and ErrMisconfigured for the process.
func misconfigured(cause error, what string) error {
	return domain.Wrap(fmt.Errorf("%w: %w", ErrMisconfigured, cause), domain.EUNAVAILABLE, "blob storage is misconfigured: "+what)
}
