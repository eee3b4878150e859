package http

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/logproc/logproc/domain"
)

// jwksServer serves a JWK set that tests change: keys appear, and the
// server goes down.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []jwk.Key
	down    bool
	fetches int
}

func newJWKSServer(t *testing.T, keys ...jwk.Key) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fetches++
		if s.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		set := jwk.NewSet()
		for _, k := range s.keys {
			pub, _ := k.PublicKey()
			set.AddKey(pub)
		}
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(down bool, keys ...jwk.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
	if keys != nil {
		s.keys = keys
	}
}

func (s *jwksServer) fetchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func ecKey(t *testing.T, kid string, withAlg bool) jwk.Key {
	t.Helper()
	raw, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return privateJWK(t, raw, kid, withAlg, jwa.ES256)
}

func rsaKey(t *testing.T, kid string) jwk.Key {
	t.Helper()
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return privateJWK(t, raw, kid, false, jwa.RS256) // no alg: inferred from the key type
}

func privateJWK(t *testing.T, raw any, kid string, withAlg bool, alg jwa.SignatureAlgorithm) jwk.Key {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	k.Set(jwk.KeyIDKey, kid)
	if withAlg {
		k.Set(jwk.AlgorithmKey, alg)
	}
	return k
}

// testAuth is an Auth on a JWKS whose clock the test moves, guarding the
// API's routes as served.
type testAuth struct {
	t      *testing.T
	auth   *Auth
	clock  time.Time
	srv    *Server
	url    string
	client *http.Client
}

func newTestAuth(t *testing.T, jwks *jwksServer, secret []byte, audience string) *testAuth {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ta := &testAuth{t: t, clock: time.Now(), client: contractClient(t),
		srv: &Server{Log: slog.New(slog.DiscardHandler), Stats: noJobs{}}}
	auth, err := NewAuthWith(ctx, AuthConfig{Secret: secret, JWKSURL: jwks.URL, Audience: audience,
		now: func() time.Time { return ta.clock }})
	if err != nil {
		t.Fatal(err)
	}
	ta.auth, ta.srv.Auth = auth, auth
	api := httptest.NewServer(ta.srv.Handler())
	t.Cleanup(api.Close)
	ta.url = api.URL
	return ta
}

// noJobs is the read model of a user with no jobs: GET /api/stats answers
// it once a token passes.
type noJobs struct{ StatsReader }

func (noJobs) Totals(_ context.Context, owner string) (*domain.Totals, error) {
	return domain.NewTotals(owner), nil
}

func (noJobs) TopErrorGroups(context.Context, string, int) ([]domain.TopErrorGroup, error) {
	return nil, nil
}

// status sends GET /api/stats with the bearer token; the answer must keep
// the API's contract.
func (ta *testAuth) status(token string) (int, string) {
	ta.t.Helper()
	req, _ := http.NewRequest("GET", ta.url+"/api/stats", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ta.client.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		ta.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func (ta *testAuth) want(token string, status int, inBody string) {
	ta.t.Helper()
	got, body := ta.status(token)
	if got != status || !strings.Contains(body, inBody) {
		ta.t.Errorf("status %d %s, want %d with %q", got, body, status, inBody)
	}
}

func mint(t *testing.T, key jwk.Key, claims map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range claims {
		tok.Set(k, v)
	}
	alg, err := KeyAlgorithm(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func good() map[string]any {
	return map[string]any{"sub": "alice", "exp": time.Now().Add(time.Hour).Unix(), "aud": "authenticated"}
}

func TestJWKSVerifiesECAndRSA(t *testing.T) {
	ec, rs := ecKey(t, "ec-1", true), rsaKey(t, "rsa-1")
	jwks := newJWKSServer(t, ec, rs)
	ta := newTestAuth(t, jwks, nil, "authenticated")
	ta.want(mint(t, ec, good()), 200, "")
	ta.want(MustMintWithKey(t, rs, "authenticated"), 200, "")
	expired := good()
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	ta.want(mint(t, ec, expired), 401, "expired")
	noSub := good()
	delete(noSub, "sub")
	ta.want(mint(t, ec, noSub), 401, "sub")
	otherAud := good()
	otherAud["aud"] = "someone-else"
	ta.want(mint(t, ec, otherAud), 401, "aud")
	noExp := good()
	delete(noExp, "exp")
	ta.want(mint(t, ec, noExp), 401, "exp")
	if n := jwks.fetchCount(); n != 1 {
		t.Errorf("%d fetches of the JWKS, want the one at start", n)
	}
}

func MustMintWithKey(t *testing.T, key jwk.Key, audience string) string {
	t.Helper()
	tok, err := MintWithKey(key, audience, Claims{Subject: "bob"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestJWKSAndSecretTogether(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	ec := ecKey(t, "ec-1", true)
	ta := newTestAuth(t, newJWKSServer(t, ec), secret, "")
	ta.want(mint(t, ec, good()), 200, "")
	hs, err := NewAuth(secret, "")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := hs.Mint(Claims{Subject: "carol"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ta.want(legacy, 200, "")
	other, _ := NewAuth([]byte(strings.Repeat("x", 32)), "")
	forged, _ := other.Mint(Claims{Subject: "carol"}, time.Hour)
	ta.want(forged, 401, "invalid token")
}

// TestJWKSRotation: a kid the set lacks fetches it again, at most once a
// minute.
func TestJWKSRotation(t *testing.T) {
	old, next := ecKey(t, "ec-1", true), ecKey(t, "ec-2", true)
	jwks := newJWKSServer(t, old)
	ta := newTestAuth(t, jwks, nil, "")
	jwks.set(false, old, next)
	ta.want(mint(t, next, good()), 401, `no key \"ec-2\"`) // the start's fetch was just now
	if n := jwks.fetchCount(); n != 1 {
		t.Fatalf("%d fetches within the first minute, want 1", n)
	}
	ta.clock = ta.clock.Add(jwksRefetchEvery + time.Second)
	ta.want(mint(t, next, good()), 200, "")
	ta.want(mint(t, old, good()), 200, "")
	if n := jwks.fetchCount(); n != 2 {
		t.Fatalf("%d fetches after the rotation, want 2", n)
	}
	unknown := ecKey(t, "ec-3", true)
	for range 5 {
		ta.want(mint(t, unknown, good()), 401, `no key \"ec-3\"`)
	}
	if n := jwks.fetchCount(); n != 2 {
		t.Errorf("%d fetches after five tokens of an unknown kid within a minute, want still 2", n)
	}
	noKid := mint(t, privateJWK(t, mustRaw(t, unknown), "", true, jwa.ES256), good())
	ta.want(noKid, 401, "names no key")
}

func mustRaw(t *testing.T, k jwk.Key) any {
	t.Helper()
	var raw ecdsa.PrivateKey
	if err := k.Raw(&raw); err != nil {
		t.Fatal(err)
	}
	return &raw
}

// TestJWKSAlgorithmConfusion: a token that names a JWKS key but another
// algorithm is refused, above all HS256 signed with the public key.
func TestJWKSAlgorithmConfusion(t *testing.T) {
	ec, rs := ecKey(t, "ec-1", true), rsaKey(t, "rsa-1")
	for name, secret := range map[string][]byte{"JWKS only": nil, "JWKS and a secret": []byte(strings.Repeat("k", 32))} {
		t.Run(name, func(t *testing.T) {
			ta := newTestAuth(t, newJWKSServer(t, ec, rs), secret, "")
			for kid, key := range map[string]jwk.Key{"ec-1": ec, "rsa-1": rs} {
				pub, _ := key.PublicKey()
				var raw any
				pub.Raw(&raw)
				der, err := x509.MarshalPKIXPublicKey(raw)
				if err != nil {
					t.Fatal(err)
				}
				ta.want(signedWith(t, jwa.HS256, der, kid), 401, "invalid token")
			}
			ta.want(signedWith(t, jwa.RS256, rs, "ec-1"), 401, "invalid token") // RSA-signed, naming the EC key
			ta.want(signedWith(t, jwa.ES256, ec, "rsa-1"), 401, "invalid token")
			ta.want(unsignedWithKid("ec-1"), 401, "invalid token")
		})
	}
}

// signedWith signs good claims with alg and key, naming kid.
func signedWith(t *testing.T, alg jwa.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range good() {
		tok.Set(k, v)
	}
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, kid)
	if k, ok := key.(jwk.Key); ok {
		k, _ = k.Clone()
		k.Remove(jwk.KeyIDKey)
		k.Remove(jwk.AlgorithmKey)
		key = k
	}
	b, err := jwt.Sign(tok, jwt.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func unsignedWithKid(kid string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "kid": kid, "typ": "JWT"}) + "." + enc(good()) + "."
}

// TestJWKSDown: a JWKS down at start makes its tokens 503 (not 401: they
// may be good) and is tried again at most once a minute; down at a later
// refresh, the keys fetched last stay in use.
func TestJWKSDown(t *testing.T) {
	ec := ecKey(t, "ec-1", true)
	jwks := newJWKSServer(t, ec)
	jwks.set(true)
	ta := newTestAuth(t, jwks, nil, "")
	ta.want(mint(t, ec, good()), 503, "cannot be fetched")
	jwks.set(false)
	ta.want(mint(t, ec, good()), 503, "cannot be fetched") // within the minute: not asked again
	if n := jwks.fetchCount(); n != 1 {
		t.Fatalf("%d fetches, want the one at start", n)
	}
	ta.clock = ta.clock.Add(jwksRefetchEvery + time.Second)
	ta.want(mint(t, ec, good()), 200, "")

	jwks.set(true)
	ta.clock = ta.clock.Add(jwksRefetchEvery + time.Second)
	ta.want(mint(t, ecKey(t, "ec-2", true), good()), 503, "cannot be fetched")
	ta.want(mint(t, ec, good()), 200, "")
	if n := jwks.fetchCount(); n != 3 {
		t.Errorf("%d fetches, want 3 (start, recovery, the unknown kid)", n)
	}
}
