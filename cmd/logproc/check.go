package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/logproc/logproc/domain/storage"
	lphttp "github.com/logproc/logproc/http"
)

// checkTimeout bounds the probes of `logproc check`.
const checkTimeout = 15 * time.Second

// runCheck is the pre-flight of a deployment: it checks every setting the
// way serve, work and all do before they start, then probes the outside
// services the settings name (the Supabase bucket, the JWKS), and lists
// every problem at once. It needs neither PostgreSQL nor Redis, so
// deploy/start_backendService.sh runs it before starting anything.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		return errors.New("usage: logproc check")
	}
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	if err := cfg.Preflight(true); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := probeOutside(ctx, cfg); err != nil {
		return settingsError(err)
	}
	fmt.Fprintln(stdout, "settings: ok")
	return nil
}

// probeOutside reaches the services outside the stack that cfg names.
func probeOutside(ctx context.Context, cfg Config) error {
	var errs []error
	if cfg.Storage == "supabase" {
		errs = append(errs, probeSupabase(ctx, cfg))
	}
	if cfg.JWTJWKSURL != "" {
		errs = append(errs, probeJWKS(ctx, cfg.JWTJWKSURL))
	}
	return errors.Join(errs...)
}

// probeJWKS fetches the JWKS and checks that it has a key tokens can be
// verified with.
func probeJWKS(ctx context.Context, url string) error {
	set, err := jwk.Fetch(ctx, url, jwk.WithHTTPClient(&http.Client{Timeout: checkTimeout}))
	if err != nil {
		return fmt.Errorf("JWT_JWKS_URL %s: %w", url, err)
	}
	for i := range set.Len() {
		if key, ok := set.Key(i); ok {
			if _, err := lphttp.KeyAlgorithm(key); err == nil && key.KeyID() != "" {
				return nil
			}
		}
	}
	return fmt.Errorf("JWT_JWKS_URL %s: the set has no public signing key with a kid", url)
}

func probeSupabase(ctx context.Context, cfg Config) error {
	blobs, err := openBlobStore(cfg, nil)
	if err != nil {
		return fmt.Errorf("supabase storage: %w", err)
	}
	defer blobs.(io.Closer).Close()
	if err := blobs.(storage.Prober).Probe(ctx); err != nil {
		return fmt.Errorf("supabase storage at %s, bucket %s: %w", cfg.SupabaseURL, cfg.SupabaseBucket, err)
	}
	return nil
}
