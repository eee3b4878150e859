package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/logproc/logproc/domain/storage/supabasetest"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// TestSupabaseEndToEnd runs the whole app on the fake Supabase Storage:
// an upload is staged, sent with its length, analysed by the worker from
// the bucket, and /readyz includes the bucket.
func TestSupabaseEndToEnd(t *testing.T) {
	srv := supabasetest.NewServer(t, "logs")
	a := startTestApp(t, func(c *Config) {
		c.Storage, c.SupabaseURL, c.SupabaseKey, c.SupabaseBucket = "supabase", srv.URL, srv.ServiceKey, "logs"
	})
	tok := a.token("alice", "")
	id := a.upload(tok, "app.log", fixtureLog())
	if js := a.waitFinished(id, tok); js.Status != "completed" || js.Lines != 109 {
		t.Fatalf("job on Supabase storage: %+v", js)
	}
	if ups := srv.Uploads(); len(ups) != 1 || ups[0].ContentLength != int64(len(fixtureLog())) {
		t.Errorf("uploads %+v, want one with Content-Length %d", ups, len(fixtureLog()))
	}
	var ready struct{ Checks map[string]string }
	if status := a.getJSON("/readyz", "", &ready); status != http.StatusOK || ready.Checks["blobs"] != "ok" {
		t.Errorf("/readyz = %d %v, want the blob store checked and ok", status, ready.Checks)
	}
}

// TestStartRefusesMisconfiguredSupabase: a SUPABASE_URL that reaches the
// storage server without the gateway's /storage/v1 fails the start with
// the URL and what is expected, instead of "blob not found" on upload.
func TestStartRefusesMisconfiguredSupabase(t *testing.T) {
	srv := supabasetest.NewServer(t, "logs")
	cfg, err := ConfigFrom(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL, cfg.BlobDir = pgtest.NewDatabase(t), t.TempDir()
	cfg.Storage, cfg.SupabaseURL, cfg.SupabaseKey = "supabase", srv.DirectURL, srv.ServiceKey
	app := NewApp(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer app.Close(context.Background())
	err = app.Open(context.Background())
	for _, want := range []string{srv.DirectURL + "/storage/v1", "https://<project>.supabase.co", "404"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open: %v; want an error saying %q", err, want)
		}
	}
}

func TestCheckCommand(t *testing.T) {
	srv := supabasetest.NewServer(t, "logs")
	t.Chdir(t.TempDir()) // no .env
	t.Setenv("JWT_SECRET", strings.Repeat("s", 32))
	t.Setenv("STORAGE", "supabase")
	t.Setenv("BLOB_DIR", t.TempDir())
	t.Setenv("SUPABASE_SERVICE_KEY", srv.ServiceKey)
	check := func() (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"check"}, &out, io.Discard)
		return out.String(), err
	}
	t.Setenv("SUPABASE_URL", srv.URL)
	if out, err := check(); err != nil || !strings.Contains(out, "ok") {
		t.Fatalf("check with good settings: %q, %v", out, err)
	}
	t.Setenv("SUPABASE_URL", srv.DirectURL)
	if _, err := check(); err == nil || !strings.Contains(err.Error(), "/storage/v1") {
		t.Errorf("check with the storage server's own URL: %v, want what to set", err)
	}
	t.Setenv("SUPABASE_URL", "")
	t.Setenv("JWT_SECRET", "short")
	_, err := check()
	for _, want := range []string{"SUPABASE_URL", "32 bytes"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check with two wrong settings: %v, want it to name %s", err, want)
		}
	}
}
