package http_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// signed returns an HS256 token with the claims, signed with secret.
func signed(t *testing.T, secret []byte, claims map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range claims {
		if err := tok.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256, secret))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// unsigned returns a token with "alg": "none" and no signature.
func unsigned(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + "."
}

func TestBadTokensAre401(t *testing.T) {
	e := newEnv(t, "")
	aud := newEnv(t, "logproc-api")
	later := time.Now().Add(time.Hour).Unix()
	cases := []struct {
		name  string
		env   *env
		token string
		want  string
	}{
		{"no token", e, "", "missing bearer token"},
		{"garbage", e, "not-a-jwt", "invalid token"},
		{"expired", e, signed(t, testSecret, map[string]any{"sub": "u", "exp": time.Now().Add(-time.Hour).Unix()}), "expired"},
		{"wrong secret", e, signed(t, []byte("another-secret-of-at-least-32-bytes!!"), map[string]any{"sub": "u", "exp": later}), "invalid token"},
		{"alg none", e, unsigned(map[string]any{"sub": "u", "exp": later}), "invalid token"},
		{"missing sub", e, signed(t, testSecret, map[string]any{"exp": later}), "sub"},
		{"missing exp", e, signed(t, testSecret, map[string]any{"sub": "u"}), "exp"},
		{"wrong audience", aud, signed(t, testSecret, map[string]any{"sub": "u", "exp": later, "aud": "someone-else"}), "aud"},
		{"no audience", aud, signed(t, testSecret, map[string]any{"sub": "u", "exp": later}), "aud"},
		{"CRLF in the subject", e, signed(t, testSecret, map[string]any{"sub": "u\r\nINJECTED", "exp": later}), "subject"},
		{"a subject of 100 KB", e, signed(t, testSecret, map[string]any{"sub": strings.Repeat("u", 100<<10), "exp": later}), "subject"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/stats", "/api/jobs"} {
				status, body := tc.env.do("GET", path, tc.token, nil, "")
				if status != http.StatusUnauthorized || errorCode(body) != "unauthorized" {
					t.Fatalf("GET %s = %d %v, want 401 unauthorized", path, status, body)
				}
				if !strings.Contains(errorMessage(body), tc.want) {
					t.Errorf("message %q does not say %q", errorMessage(body), tc.want)
				}
			}
			status, _ := tc.env.upload(tc.token, "a.log", []byte("x\n"))
			if status != http.StatusUnauthorized {
				t.Errorf("upload = %d, want 401", status)
			}
		})
	}
}

func TestGoodTokensPass(t *testing.T) {
	e := newEnv(t, "")
	aud := newEnv(t, "logproc-api")
	later := time.Now().Add(time.Hour).Unix()
	for name, c := range map[string]struct {
		env   *env
		token string
	}{
		"minted":           {e, e.token("alice", "")},
		"audience":         {aud, aud.token("alice", "")},
		"audience in list": {aud, signed(t, testSecret, map[string]any{"sub": "u", "exp": later, "aud": []string{"x", "logproc-api"}})},
	} {
		status, body := c.env.do("GET", "/api/stats", c.token, nil, "")
		if status != http.StatusOK {
			t.Errorf("%s: GET /api/stats = %d %v", name, status, body)
		}
	}
}
