package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	lphttp "github.com/logproc/logproc/http"
)

// runToken mints a JWT for local use, tests and demos: HS256 with the
// configured JWT_SECRET, or with a private key file (--key), whose public
// half --jwks prints as a JWK set to serve as JWT_JWKS_URL.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sub := fs.String("sub", "", "subject: the user id the token speaks for (required)")
	role := fs.String("role", "", `role claim; "admin" reads everyone's stats`)
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	keyFile := fs.String("key", "", "sign with this PEM private key (EC P-256: ES256, RSA: RS256) instead of JWT_SECRET")
	kid := fs.String("kid", "", "the key id the token names (default: the key's RFC 7638 thumbprint)")
	printJWKS := fs.Bool("jwks", false, "with --key: print the public JWK set of the key instead of a token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile != "" {
		return tokenWithKey(*keyFile, *kid, *printJWKS, lphttp.Claims{Subject: *sub, Role: *role}, *ttl, stdout, fs)
	}
	if *sub == "" {
		fs.Usage()
		return errors.New("token: --sub is required")
	}
	if *ttl <= 0 {
		return fmt.Errorf("token: --ttl must be positive, got %s: the token would be expired already", *ttl)
	}
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	auth, err := lphttp.NewAuth([]byte(cfg.JWTSecret), cfg.JWTAudience)
	if err != nil {
		return fmt.Errorf("%w (run `make env` to write one to .env, or sign with --key)", err)
	}
	token, err := auth.Mint(lphttp.Claims{Subject: *sub, Role: *role}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// tokenWithKey mints with a private key file, or prints its public JWKS.
func tokenWithKey(file, kid string, printJWKS bool, c lphttp.Claims, ttl time.Duration, stdout io.Writer, fs *flag.FlagSet) error {
	key, err := readPrivateKey(file, kid)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if printJWKS {
		return writeJWKS(key, stdout)
	}
	if c.Subject == "" {
		fs.Usage()
		return errors.New("token: --sub is required")
	}
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	token, err := lphttp.MintWithKey(key, cfg.JWTAudience, c, ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// writeJWKS prints the public half of key as a JWK set, with its kid and
// algorithm.
func writeJWKS(key jwk.Key, w io.Writer) error {
	pub, err := key.PublicKey()
	if err != nil {
		return fmt.Errorf("token: public key: %w", err)
	}
	if alg, err := lphttp.KeyAlgorithm(pub); err == nil {
		_ = pub.Set(jwk.AlgorithmKey, alg)
	}
	_ = pub.Set(jwk.KeyUsageKey, "sig")
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(set)
}
