package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/jwtauth/v5"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/logproc/logproc/domain"
)

// RoleAdmin is the role claim that lets a caller read everyone's stats.
const RoleAdmin = "admin"

// Auth verifies HS256 JWTs signed with a shared secret, the scheme of a
// Supabase project's JWT secret. The algorithm is pinned, so "alg: none" and
// algorithm confusion are refused; exp and sub are required, and aud is
// checked when an audience is configured.
type Auth struct {
	ja       *jwtauth.JWTAuth
	audience string
	validate []jwt.ValidateOption
}

// Leeway is the clock skew tolerated on exp, nbf and iat.
const Leeway = 30 * time.Second

// NewAuth returns an Auth for the secret, checking aud when audience is set.
func NewAuth(secret []byte, audience string) (*Auth, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("JWT_SECRET must be at least 32 bytes, got %d", len(secret))
	}
	opts := []jwt.ValidateOption{
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("sub"),
		jwt.WithAcceptableSkew(Leeway),
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	return &Auth{ja: jwtauth.New("HS256", secret, nil, opts...), audience: audience, validate: opts}, nil
}

// Claims are what a token says of its caller.
type Claims struct {
	Subject string
	Role    string
}

// Mint signs a token for subject with an optional role, valid for ttl.
func (a *Auth) Mint(c Claims, ttl time.Duration) (string, error) {
	now := time.Now()
	claims := map[string]any{"sub": c.Subject, "iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if c.Role != "" {
		claims["role"] = c.Role
	}
	if a.audience != "" {
		claims["aud"] = a.audience
	}
	_, token, err := a.ja.Encode(claims)
	return token, err
}

// Verify reads and checks the bearer token of a request; Require turns the
// outcome into a caller or a 401.
func (a *Auth) Verify(next http.Handler) http.Handler {
	return jwtauth.Verify(a.ja, jwtauth.TokenFromHeader)(next)
}

// Require answers 401 with a JSON error unless Verify found a valid token
// with a subject, and puts the caller's claims in the request context.
func (a *Auth) Require(s *Server) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, claims, err := jwtauth.FromContext(r.Context())
			if err == nil && (token == nil || token.Subject() == "") {
				err = errors.New("token has no subject")
			}
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="logproc"`)
				s.error(w, r, domain.Wrap(err, domain.EUNAUTHORIZED, a.unauthorizedMessage(token, err)))
				return
			}
			role, _ := claims["role"].(string)
			ctx := context.WithValue(r.Context(), claimsKey{}, Claims{Subject: token.Subject(), Role: role})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// unauthorizedMessage says why a token was refused without echoing it.
// jwtauth folds claim failures into ErrUnauthorized; validating the parsed
// token again recovers which claim failed.
func (a *Auth) unauthorizedMessage(token jwt.Token, err error) string {
	if errors.Is(err, jwtauth.ErrUnauthorized) && token != nil {
		if verr := jwt.Validate(token, a.validate...); verr != nil {
			err = verr
		}
	}
	switch {
	case errors.Is(err, jwtauth.ErrNoTokenFound):
		return "missing bearer token: send Authorization: Bearer <JWT>"
	case errors.Is(err, jwtauth.ErrExpired):
		return "token has expired"
	case errors.Is(err, jwtauth.ErrNBFInvalid), errors.Is(err, jwtauth.ErrIATInvalid):
		return "token is not valid yet"
	}
	return "invalid token: " + err.Error()
}

type claimsKey struct{}

// callerOf returns the verified caller of a request that passed Require.
func callerOf(r *http.Request) Claims {
	c, _ := r.Context().Value(claimsKey{}).(Claims)
	return c
}

// IsAdmin reports whether the caller may see everyone's jobs.
func (c Claims) IsAdmin() bool { return c.Role == RoleAdmin }
