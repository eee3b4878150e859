package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/logproc/logproc/domain"
)

// UI is a web interface served by the API's router (package http/web).
type UI interface {
	// Routes adds the interface's pages to r.
	Routes(r chi.Router)
}

// Authenticate checks a bearer token with the very middleware that guards
// the API's routes and returns the caller it names and when it expires. The
// web interface signs browsers in with it, so it accepts exactly the tokens
// the API accepts, whichever way the API verifies them. A refused token is
// EUNAUTHORIZED with the API's message, or EUNAVAILABLE when the token
// cannot be checked now (the key set cannot be fetched).
func (s *Server) Authenticate(ctx context.Context, token string) (Claims, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/signin", nil)
	if err != nil {
		return Claims{}, time.Time{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	var caller Claims
	var passed bool
	rec := &capturedResponse{header: http.Header{}}
	s.Auth.Verify(s.Auth.Require(s)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		caller, passed = callerOf(r), true
	}))).ServeHTTP(rec, req)
	if !passed {
		return Claims{}, time.Time{}, rec.refusal()
	}
	// The token passed verification above; it is parsed again only to read
	// its expiry, which Claims does not carry.
	parsed, err := jwt.ParseString(token, jwt.WithVerify(false), jwt.WithValidate(false))
	if err != nil {
		return Claims{}, time.Time{}, domain.Wrap(err, domain.EUNAUTHORIZED, "invalid token")
	}
	return caller, parsed.Expiration(), nil
}

// capturedResponse keeps what a handler wrote.
type capturedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capturedResponse) Header() http.Header         { return c.header }
func (c *capturedResponse) Write(p []byte) (int, error) { return c.body.Write(p) }
func (c *capturedResponse) WriteHeader(status int)      { c.status = status }

// refusal turns the middleware's error response into an error with its code
// and message.
func (c *capturedResponse) refusal() error {
	var body errorBody
	if json.Unmarshal(c.body.Bytes(), &body) != nil || body.Error.Message == "" {
		body.Error.Message = "invalid token"
	}
	code := domain.EUNAUTHORIZED
	if c.status == http.StatusServiceUnavailable {
		code = domain.EUNAVAILABLE
	}
	return domain.Errorf(code, "%s", body.Error.Message)
}
