package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeKey writes a PEM private key, EC P-256 or RSA, and returns its path.
func writeKey(t *testing.T, kind string) string {
	t.Helper()
	var raw any
	var err error
	if kind == "rsa" {
		raw, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		raw, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), kind+".pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func logproc(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatalf("logproc %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(out.String())
}

// TestTokensFromAKeyFile: `logproc token --key` signs with a private key,
// `--jwks` publishes its public half, and the API verifies those tokens
// with that JWKS alone, no JWT_SECRET.
func TestTokensFromAKeyFile(t *testing.T) {
	t.Chdir(t.TempDir()) // no .env
	ecPEM, rsaPEM := writeKey(t, "ec"), writeKey(t, "rsa")
	ecSet := logproc(t, "token", "--key", ecPEM, "--jwks")
	rsaSet := logproc(t, "token", "--key", rsaPEM, "--kid", "rsa-1", "--jwks")
	// One set with both keys, as an issuer publishes during a rotation.
	var both, other struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal([]byte(ecSet), &both) != nil || json.Unmarshal([]byte(rsaSet), &other) != nil || len(both.Keys)+len(other.Keys) != 2 {
		t.Fatalf("--jwks printed %s and %s, want a set of one key each", ecSet, rsaSet)
	}
	both.Keys = append(both.Keys, other.Keys...)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(both)
	}))
	defer jwks.Close()

	a := startTestApp(t, func(c *Config) { c.JWTSecret, c.JWTJWKSURL = "", jwks.URL })
	for _, tok := range []string{
		logproc(t, "token", "--key", ecPEM, "--sub", "alice"),
		logproc(t, "token", "--key", rsaPEM, "--kid", "rsa-1", "--sub", "alice"),
	} {
		var agg map[string]any
		if status := a.getJSON("/api/stats", tok, &agg); status != http.StatusOK {
			t.Errorf("GET /api/stats with a key-signed token = %d %v", status, agg)
		}
	}
	forged := logproc(t, "token", "--key", writeKey(t, "ec"), "--sub", "alice")
	var body map[string]any
	if status := a.getJSON("/api/stats", forged, &body); status != http.StatusUnauthorized {
		t.Errorf("GET /api/stats with a token of a key not in the JWKS = %d %v, want 401", status, body)
	}
	t.Setenv("JWT_JWKS_URL", jwks.URL)
	if out := logproc(t, "check"); !strings.Contains(out, "ok") {
		t.Errorf("check with the JWKS: %q", out)
	}
}
