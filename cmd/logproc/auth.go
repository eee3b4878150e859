package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	lphttp "github.com/logproc/logproc/http"
)

// authStartTimeout bounds the first fetch of the JWKS at start.
const authStartTimeout = 10 * time.Second

// newAuth returns the API's token verifier as the settings say. Its JWKS
// refresh runs until the app closes; the first fetch is bounded by
// authStartTimeout and, failing, logged.
func (a *App) newAuth(ctx context.Context) (*lphttp.Auth, error) {
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.closers = append(a.closers, func() error { stop(); return nil })
	first, cancel := context.WithTimeout(life, authStartTimeout)
	defer cancel()
	return lphttp.NewAuthWith(first, authConfig(a.Config, a))
}

func authConfig(cfg Config, a *App) lphttp.AuthConfig {
	ac := lphttp.AuthConfig{Secret: []byte(cfg.JWTSecret), JWKSURL: cfg.JWTJWKSURL, Audience: cfg.JWTAudience}
	if a != nil {
		ac.Log = a.Log
	}
	return ac
}

// readPrivateKey reads a PEM private key (EC or RSA) for `logproc token
// --key`, with the kid the token will name: kid when given, else the key's
// RFC 7638 thumbprint, which `logproc token --key F --jwks` publishes too.
func readPrivateKey(path, kid string) (jwk.Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := jwk.ParseKey(data, jwk.WithPEM(true))
	if err != nil {
		return nil, fmt.Errorf("%s: not a PEM private key: %w", path, err)
	}
	if kid == "" {
		if err := jwk.AssignKeyID(key); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, nil
	}
	if err := key.Set(jwk.KeyIDKey, kid); err != nil {
		return nil, err
	}
	return key, nil
}
