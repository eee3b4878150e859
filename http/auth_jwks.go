package http

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/jwtauth/v5"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/logproc/logproc/domain"
)

const (
	// jwksRefetchEvery bounds the fetches that tokens cause: a kid the set
	// does not have, or a set never fetched, fetches it at most this often.
	jwksRefetchEvery = time.Minute
	// jwksRefreshEvery is the background refresh, unless the JWKS's
	// Cache-Control asks for longer.
	jwksRefreshEvery = 15 * time.Minute
	// jwksFetchTimeout bounds one fetch.
	jwksFetchTimeout = 10 * time.Second
)

// keySource holds the keys of a JWKS in a jwk.Cache, which refreshes them
// in the background, and fetches them on demand when a token names a kid
// the set lacks (a rotation), at most once per jwksRefetchEvery.
type keySource struct {
	url   string
	cache *jwk.Cache
	now   func() time.Time // tests move time on

	mu          sync.Mutex
	fetched     bool      // a set was fetched once
	lastFetch   time.Time // of an on-demand fetch
	lastFetchOK bool
	lastErr     error
}

func newKeySource(ctx context.Context, cfg AuthConfig) (*keySource, error) {
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: jwksFetchTimeout}
	}
	sink := jwk.WithErrSink(errSink{cfg})
	s := &keySource{url: cfg.JWKSURL, cache: jwk.NewCache(ctx, sink), now: cfg.now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.cache.Register(cfg.JWKSURL, jwk.WithHTTPClient(client), jwk.WithMinRefreshInterval(jwksRefreshEvery)); err != nil {
		return nil, fmt.Errorf("JWT_JWKS_URL: %w", err)
	}
	if _, err := s.fetch(ctx); err != nil && cfg.Log != nil {
		cfg.Log.Warn("the JWKS does not answer; tokens signed with its keys are refused until it does",
			"url", cfg.JWKSURL, "err", err)
	}
	return s, nil
}

// errSink logs the background refresh's failures; the keys fetched last
// stay in use meanwhile.
type errSink struct{ cfg AuthConfig }

func (e errSink) Error(err error) {
	if e.cfg.Log != nil {
		e.cfg.Log.Warn("refreshing the JWKS failed; the keys fetched last stay in use", "url", e.cfg.JWKSURL, "err", err)
	}
}

// key returns the key kid names and the algorithm pinned to it. It answers
// EUNAVAILABLE when the set cannot be fetched, and ErrUnauthorized for a
// kid the set does not have after a fetch.
func (s *keySource) key(ctx context.Context, kid string) (jwk.Key, jwa.SignatureAlgorithm, error) {
	if kid == "" {
		return nil, "", fmt.Errorf("%w: the token names no key (kid)", jwtauth.ErrUnauthorized)
	}
	set, err := s.current(ctx)
	if err != nil {
		return nil, "", err
	}
	key, ok := set.LookupKeyID(kid)
	if !ok {
		if set, err = s.refetch(ctx); err != nil {
			return nil, "", err
		}
		if key, ok = set.LookupKeyID(kid); !ok {
			return nil, "", fmt.Errorf("%w: no key %q in the JWKS", jwtauth.ErrUnauthorized, kid)
		}
	}
	alg, err := KeyAlgorithm(key)
	if err != nil {
		return nil, "", fmt.Errorf("%w: key %q: %w", jwtauth.ErrUnauthorized, kid, err)
	}
	return key, alg, nil
}

// current returns the cached set, fetching it (rate-limited) if none was
// ever fetched.
func (s *keySource) current(ctx context.Context) (jwk.Set, error) {
	s.mu.Lock()
	fetched := s.fetched
	s.mu.Unlock()
	if !fetched {
		return s.refetch(ctx)
	}
	return s.cache.Get(ctx, s.url)
}

// refetch fetches the set unless a fetch was made within jwksRefetchEvery,
// in which case it gives that fetch's outcome: the cached set, or its
// failure.
func (s *keySource) refetch(ctx context.Context) (jwk.Set, error) {
	s.mu.Lock()
	recent := !s.lastFetch.IsZero() && s.now().Sub(s.lastFetch) < jwksRefetchEvery
	lastOK, lastErr := s.lastFetchOK, s.lastErr
	s.mu.Unlock()
	if recent && !lastOK {
		return nil, lastErr
	}
	if recent {
		return s.cache.Get(ctx, s.url)
	}
	return s.fetch(ctx)
}

// fetch fetches the set now and records the outcome.
func (s *keySource) fetch(ctx context.Context) (jwk.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	set, err := s.cache.Refresh(ctx, s.url)
	if err != nil {
		err = domain.Wrap(fmt.Errorf("fetch JWKS %s: %w", s.url, err), domain.EUNAVAILABLE,
			"the token's signing keys (JWKS) cannot be fetched; try again")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastFetch, s.lastFetchOK, s.lastErr = s.now(), err == nil, err
	s.fetched = s.fetched || err == nil
	return set, err
}

// KeyAlgorithm is the one signature algorithm a key may verify: its alg
// when the JWKS says, else the usual one for its type and curve. Secret
// (oct) keys are refused: a JWKS publishes public keys.
func KeyAlgorithm(key jwk.Key) (jwa.SignatureAlgorithm, error) {
	if a := key.Algorithm(); a != nil && a.String() != "" {
		alg := jwa.SignatureAlgorithm(a.String())
		if alg == jwa.NoSignature || alg == jwa.HS256 || alg == jwa.HS384 || alg == jwa.HS512 {
			return "", fmt.Errorf("algorithm %s is not accepted for a JWKS key", alg)
		}
		return alg, nil
	}
	switch key.KeyType() {
	case jwa.RSA:
		return jwa.RS256, nil
	case jwa.OKP:
		return jwa.EdDSA, nil
	case jwa.EC:
		if ec, ok := key.(interface {
			Crv() jwa.EllipticCurveAlgorithm
		}); ok {
			switch ec.Crv() {
			case jwa.P256:
				return jwa.ES256, nil
			case jwa.P384:
				return jwa.ES384, nil
			case jwa.P521:
				return jwa.ES512, nil
			}
		}
	}
	return "", fmt.Errorf("a %s key cannot verify tokens here", key.KeyType())
}
