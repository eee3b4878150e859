package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/jwtauth/v5"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/logproc/logproc/domain"
)

// RoleAdmin is the role claim that lets a caller read everyone's stats.
const RoleAdmin = "admin"

// MinSecretBytes is the shortest HS256 secret accepted: the key should be
// at least as long as the hash.
const MinSecretBytes = 32

// Auth verifies JWTs signed with a shared HS256 secret (a Supabase
// project's legacy JWT secret), with the asymmetric keys of a JWKS (ES256,
// RS256: Supabase's signing keys), or both during a migration. A token's
// header picks the verifier: HS256 goes to the secret, anything else to the
// JWKS key its kid names, and the algorithm is pinned by the verifier (the
// secret's HS256, or the key's own), so "alg: none" and algorithm confusion
// are refused. exp and sub are required, and aud is checked when an
// audience is configured.
type Auth struct {
	hs       *jwtauth.JWTAuth // nil without a secret
	jwks     *keySource       // nil without a JWKS
	audience string
	validate []jwt.ValidateOption
}

// Leeway is the clock skew tolerated on exp, nbf and iat.
const Leeway = 30 * time.Second

// AuthConfig says how tokens are verified; at least one of Secret and
// JWKSURL is needed.
type AuthConfig struct {
	// Secret verifies (and mints) HS256 tokens.
	Secret []byte
	// JWKSURL is a JWK set of public keys, fetched at start, refreshed in
	// the background, and at most once a minute when a token names a kid
	// it does not have.
	JWKSURL string
	// Audience, when set, is the required aud claim.
	Audience string
	// Client fetches the JWKS; nil uses one with a 10 s timeout.
	Client *http.Client
	// Log receives the JWKS's fetch failures; nil discards them.
	Log *slog.Logger

	now func() time.Time // tests move the JWKS's clock
}

// NewAuth returns an Auth for an HS256 secret, checking aud when audience
// is set.
func NewAuth(secret []byte, audience string) (*Auth, error) {
	return NewAuthWith(context.Background(), AuthConfig{Secret: secret, Audience: audience})
}

// NewAuthWith returns an Auth as cfg says. With a JWKS it fetches the set
// once, within ctx: a JWKS that does not answer is logged, not fatal
// (HS256 tokens still work, and its keys are fetched again when a token
// needs them). The background refresh stops when ctx ends.
func NewAuthWith(ctx context.Context, cfg AuthConfig) (*Auth, error) {
	if len(cfg.Secret) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("JWT_SECRET or JWT_JWKS_URL must be set to verify tokens")
	}
	if n := len(cfg.Secret); n > 0 && n < MinSecretBytes {
		return nil, fmt.Errorf("JWT_SECRET must be at least %d bytes, got %d", MinSecretBytes, n)
	}
	a := &Auth{audience: cfg.Audience, validate: []jwt.ValidateOption{
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("sub"),
		jwt.WithAcceptableSkew(Leeway),
	}}
	if cfg.Audience != "" {
		a.validate = append(a.validate, jwt.WithAudience(cfg.Audience))
	}
	if len(cfg.Secret) > 0 {
		a.hs = jwtauth.New("HS256", cfg.Secret, nil, a.validate...)
	}
	if cfg.JWKSURL != "" {
		src, err := newKeySource(ctx, cfg)
		if err != nil {
			return nil, err
		}
		a.jwks = src
	}
	return a, nil
}

// Claims are what a token says of its caller.
type Claims struct {
	Subject string
	Role    string
}

// Mint signs an HS256 token with the secret for subject with an optional
// role, valid for ttl.
func (a *Auth) Mint(c Claims, ttl time.Duration) (string, error) {
	if a.hs == nil {
		return "", errors.New("no JWT_SECRET to sign with (give a private key to sign with it)")
	}
	_, token, err := a.hs.Encode(tokenClaims(c, a.audience, ttl))
	return token, err
}

// MintWithKey signs a token for c, valid for ttl and for audience when it
// is set, with a private key: with the algorithm the key implies (ES256 for
// a P-256 key, RS256 for RSA) and the key's kid, for a JWKS that publishes
// the public half. It is for tests and demos.
func MintWithKey(key jwk.Key, audience string, c Claims, ttl time.Duration) (string, error) {
	alg, err := KeyAlgorithm(key)
	if err != nil {
		return "", err
	}
	tok := jwt.New()
	for k, v := range tokenClaims(c, audience, ttl) {
		if err := tok.Set(k, v); err != nil {
			return "", err
		}
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	return string(signed), err
}

func tokenClaims(c Claims, audience string, ttl time.Duration) map[string]any {
	now := time.Now()
	claims := map[string]any{"sub": c.Subject, "iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if c.Role != "" {
		claims["role"] = c.Role
	}
	if audience != "" {
		claims["aud"] = audience
	}
	return claims
}

// Verify reads and checks the bearer token of a request; Require turns the
// outcome into a caller, a 401, or a 503 when the JWKS cannot be fetched.
func (a *Auth) Verify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := a.verifyRequest(r)
		next.ServeHTTP(w, r.WithContext(jwtauth.NewContext(r.Context(), token, err)))
	})
}

func (a *Auth) verifyRequest(r *http.Request) (jwt.Token, error) {
	raw := jwtauth.TokenFromHeader(r)
	if c, err := r.Cookie(SessionCookie); raw == "" && err == nil && r.Context().Value(cookieAllowedKey{}) != nil {
		raw = c.Value
	}
	if raw == "" {
		return nil, jwtauth.ErrNoTokenFound
	}
	msg, err := jws.ParseString(raw)
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, fmt.Errorf("%w: not a signed JWT", jwtauth.ErrUnauthorized)
	}
	header := msg.Signatures()[0].ProtectedHeaders()
	switch alg := header.Algorithm(); {
	case alg == jwa.HS256 && a.hs != nil:
		return jwtauth.VerifyToken(a.hs, raw)
	case alg == jwa.HS256:
		return nil, fmt.Errorf("%w: HS256 tokens are not accepted here (no JWT_SECRET)", jwtauth.ErrUnauthorized)
	case a.jwks == nil:
		return nil, fmt.Errorf("%w: %s tokens are not accepted here (no JWT_JWKS_URL)", jwtauth.ErrUnauthorized, alg)
	default:
		return a.verifyWithJWKS(r.Context(), raw, header.KeyID(), alg)
	}
}

// verifyWithJWKS checks a token against the JWKS key its kid names, with
// that key's algorithm only.
func (a *Auth) verifyWithJWKS(ctx context.Context, raw, kid string, alg jwa.SignatureAlgorithm) (jwt.Token, error) {
	key, keyAlg, err := a.jwks.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	if alg != keyAlg {
		return nil, fmt.Errorf("%w: the token says %s, its key %q is for %s", jwtauth.ErrAlgoInvalid, alg, kid, keyAlg)
	}
	token, err := jwt.ParseString(raw, jwt.WithKey(keyAlg, key), jwt.WithValidate(false))
	if err != nil {
		return nil, jwtauth.ErrorReason(err)
	}
	if err := jwt.Validate(token, a.validate...); err != nil {
		return token, jwtauth.ErrorReason(err)
	}
	return token, nil
}

// Require answers 401 with a JSON error unless Verify found a valid token
// with a subject, and puts the caller's claims in the request context. A
// JWKS that cannot be fetched is a 503: the token may well be good.
func (a *Auth) Require(s *Server) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, claims, err := jwtauth.FromContext(r.Context())
			if err == nil && (token == nil || token.Subject() == "") {
				err = errors.New("token has no subject")
			}
			if domain.ErrorCode(err) == domain.EUNAVAILABLE {
				s.error(w, r, err)
				return
			}
			if err == nil {
				err = domain.CheckOwner(token.Subject())
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

// SessionCookie is the cookie the web pages keep a signed-in user's token
// in. Besides the Authorization header, only pages a browser opens (the
// queue UI) read it: the API's own routes take the header alone, so a
// cookie can never make a cross-site request act as its user there.
const SessionCookie = "logproc_session"

type cookieAllowedKey struct{}

// allowCookie lets the routes below it take the token from the session
// cookie too.
func allowCookie(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), cookieAllowedKey{}, true)))
	})
}

// RequireAdmin answers 403 to a caller without the admin role; it runs
// after Require.
func RequireAdmin(s *Server) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !callerOf(r).IsAdmin() {
				s.error(w, r, domain.Errorf(domain.EFORBIDDEN, "this page is for admins (a token with role %q)", RoleAdmin))
				return
			}
			next.ServeHTTP(w, r)
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
	case domain.ErrorCode(err) == domain.EINVALID:
		return "invalid token: " + domain.ErrorMessage(err)
	}
	return "invalid token: " + err.Error()
}

// adminCaller reports whether a request on a route open to all, which
// passed Verify but not Require, carries a valid token of an admin.
func (a *Auth) adminCaller(r *http.Request) bool {
	token, claims, err := jwtauth.FromContext(r.Context())
	if err != nil || token == nil || domain.CheckOwner(token.Subject()) != nil {
		return false
	}
	role, _ := claims["role"].(string)
	return role == RoleAdmin
}

type claimsKey struct{}

// callerOf returns the verified caller of a request that passed Require.
func callerOf(r *http.Request) Claims {
	c, _ := r.Context().Value(claimsKey{}).(Claims)
	return c
}

// IsAdmin reports whether the caller may see everyone's jobs.
func (c Claims) IsAdmin() bool { return c.Role == RoleAdmin }
