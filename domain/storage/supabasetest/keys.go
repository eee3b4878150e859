package supabasetest

import (
	"crypto/rand"
	"errors"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Key returns a project key for role ("service_role", "anon") that expires
// after ttl, which may be negative for a key that has expired.
func (s *Server) Key(role string, ttl time.Duration) string {
	now := time.Now()
	tok, err := jwt.NewBuilder().Issuer("supabase-demo").Claim("role", role).
		IssuedAt(now.Add(-time.Minute)).Expiration(now.Add(ttl)).Build()
	if err != nil {
		panic(err) // the claims are fixed above
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256, s.secret))
	if err != nil {
		panic(err)
	}
	return string(signed)
}

// verify checks a key's signature, and its expiry when checkExp is set, and
// returns its role. The messages are the real server's.
func (s *Server) verify(key string, checkExp bool) (string, error) {
	tok, err := jwt.ParseString(key, jwt.WithKey(jwa.HS256, s.secret), jwt.WithValidate(false))
	if err != nil {
		return "", errors.New("signature verification failed")
	}
	if checkExp && !tok.Expiration().IsZero() && time.Now().After(tok.Expiration()) {
		return "", errors.New(`"exp" claim timestamp check failed`)
	}
	role, _ := tok.PrivateClaims()["role"].(string)
	return role, nil
}

func randomText() string { return rand.Text() }
