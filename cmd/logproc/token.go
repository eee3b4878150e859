package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	lphttp "github.com/logproc/logproc/http"
)

// runToken mints a JWT with the configured secret, for local use and tests.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sub := fs.String("sub", "", "subject: the user id the token speaks for (required)")
	role := fs.String("role", "", `role claim; "admin" reads everyone's stats`)
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" {
		fs.Usage()
		return fmt.Errorf("token: --sub is required")
	}
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	auth, err := lphttp.NewAuth([]byte(cfg.JWTSecret), cfg.JWTAudience)
	if err != nil {
		return fmt.Errorf("%w (run `make env` to write one to .env)", err)
	}
	token, err := auth.Mint(lphttp.Claims{Subject: *sub, Role: *role}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}
