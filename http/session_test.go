package http

import (
	"context"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
)

// The web pages sign a browser in with Authenticate, so it must accept and
// refuse what the API's middleware does, with either verifier.
func TestAuthenticateAcceptsWhatTheAPIAccepts(t *testing.T) {
	ec := ecKey(t, "ec-1", true)
	jwks := newJWKSServer(t, ec)
	ta := newTestAuth(t, jwks, []byte("a-shared-secret-of-at-least-32-bytes"), "authenticated")
	ta.srv.Auth = ta.auth
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	claims := good()
	claims["exp"], claims["role"] = exp.Unix(), RoleAdmin
	hs, err := ta.auth.Mint(Claims{Subject: "bob"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, token, sub string
		admin            bool
	}{{"JWKS", mint(t, ec, claims), "alice", true}, {"HS256", hs, "bob", false}} {
		got, gotExp, err := ta.srv.Authenticate(context.Background(), c.token)
		if err != nil || got.Subject != c.sub || got.IsAdmin() != c.admin || gotExp.IsZero() {
			t.Errorf("%s: %+v expiring %v, %v", c.name, got, gotExp, err)
		}
		if c.name == "JWKS" && !gotExp.Equal(exp) {
			t.Errorf("expiry %v, want %v", gotExp, exp)
		}
	}
	expired := good()
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	_, _, err = ta.srv.Authenticate(context.Background(), mint(t, ec, expired))
	if domain.ErrorCode(err) != domain.EUNAUTHORIZED || domain.ErrorMessage(err) != "token has expired" {
		t.Errorf("expired token: %v (%s)", err, domain.ErrorMessage(err))
	}
	_, _, err = ta.srv.Authenticate(context.Background(), mint(t, ecKey(t, "ec-unknown", true), good()))
	if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Errorf("token of an unknown key: %v", err)
	}
}

func TestAuthenticateSaysWhenTokensCannotBeChecked(t *testing.T) {
	ec := ecKey(t, "ec-1", true)
	jwks := newJWKSServer(t, ec)
	jwks.set(true)
	ta := newTestAuth(t, jwks, nil, "")
	ta.srv.Auth = ta.auth
	_, _, err := ta.srv.Authenticate(context.Background(), mint(t, ec, good()))
	if domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Errorf("with the key set down: %v (%s), want unavailable", err, domain.ErrorCode(err))
	}
}
