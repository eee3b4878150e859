package main

import (
	"strings"
	"testing"
	"time"
)

func TestPreflight(t *testing.T) {
	secret := strings.Repeat("s", minSecretBytes)
	tests := []struct {
		name string
		env  map[string]string
		auth bool
		want []string // each must be in the error; none means no error
	}{
		{"defaults with a secret", map[string]string{"JWT_SECRET": secret}, true, nil},
		{"JWKS only", map[string]string{"JWT_JWKS_URL": "https://p.supabase.co/auth/v1/.well-known/jwks.json"}, true, nil},
		{"both verifiers", map[string]string{"JWT_SECRET": secret, "JWT_JWKS_URL": "http://127.0.0.1:9/jwks"}, true, nil},
		{"worker needs no verifier", nil, false, nil},
		{"no verifier", nil, true, []string{"JWT_SECRET or JWT_JWKS_URL must be set"}},
		{"short secret", map[string]string{"JWT_SECRET": "short"}, true, []string{"at least 32 bytes, got 5"}},
		{"JWKS not a URL", map[string]string{"JWT_JWKS_URL": "jwks.json"}, true, []string{"JWT_JWKS_URL must be an http(s) URL"}},
		{"supabase without URL and key", map[string]string{"STORAGE": "supabase"}, false,
			[]string{"needs SUPABASE_URL", "needs SUPABASE_SERVICE_KEY"}},
		{"supabase URL without scheme", map[string]string{"STORAGE": "supabase", "SUPABASE_URL": "p.supabase.co", "SUPABASE_SERVICE_KEY": "k"}, false,
			[]string{"SUPABASE_URL must be an http(s) URL"}},
		{"everything wrong at once", map[string]string{"STORAGE": "supabase", "JWT_SECRET": "short", "HTTP_ADDR": "8080"}, true,
			[]string{"at least 32 bytes", "needs SUPABASE_URL", "needs SUPABASE_SERVICE_KEY", "HTTP_ADDR must be host:port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigFrom(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Preflight(tt.auth)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Preflight: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Preflight passed, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Preflight error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestConfigFromListsEveryMalformedSetting(t *testing.T) {
	env := map[string]string{
		"STORAGE": "s3", "MAX_UPLOAD_BYTES": "-1", "LOG_LEVEL": "loud",
		"SHUTDOWN_TIMEOUT": "soon", "TRUSTED_PROXIES": "10.0.0.0/8, proxy.local",
		"REDIS_URL": "redis-sentinel://10.0.0.1:26379", "BLOB_GC_EVERY": "hourly",
	}
	_, err := ConfigFrom(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("ConfigFrom accepted malformed settings")
	}
	for _, name := range []string{"STORAGE", "MAX_UPLOAD_BYTES", "LOG_LEVEL", "SHUTDOWN_TIMEOUT", `"proxy.local"`, "REDIS_URL", "BLOB_GC_EVERY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestBlobGCEvery(t *testing.T) {
	for v, want := range map[string]time.Duration{"": time.Hour, "0": 0, "30m": 30 * time.Minute, "1m": time.Minute} {
		cfg, err := ConfigFrom(func(k string) string { return map[string]string{"BLOB_GC_EVERY": v}[k] })
		if err != nil || cfg.BlobGCEvery != want {
			t.Errorf("BLOB_GC_EVERY=%q: %v, %v; want %v", v, cfg.BlobGCEvery, err, want)
		}
	}
	for _, v := range []string{"1", "hourly", "-1h", "59s", "1h-"} {
		_, err := ConfigFrom(func(k string) string { return map[string]string{"BLOB_GC_EVERY": v}[k] })
		if err == nil || !strings.Contains(err.Error(), `BLOB_GC_EVERY must be 0 (off) or a duration of 1m or more, such as 1h, got "`+v+`"`) {
			t.Errorf("BLOB_GC_EVERY=%q: %v, want an error saying what it takes", v, err)
		}
	}
}

func TestWorkerPollInterval(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 20 * time.Millisecond, "1ms": time.Millisecond, "250ms": 250 * time.Millisecond, "1s": time.Second} {
		cfg, err := ConfigFrom(func(k string) string { return map[string]string{"WORKER_POLL_INTERVAL": v}[k] })
		if err != nil || cfg.WorkerPoll != want {
			t.Errorf("WORKER_POLL_INTERVAL=%q: %v, %v; want %v", v, cfg.WorkerPoll, err, want)
		}
	}
	for _, v := range []string{"0", "20", "999us", "1001ms", "-5ms", "often"} {
		_, err := ConfigFrom(func(k string) string { return map[string]string{"WORKER_POLL_INTERVAL": v}[k] })
		if err == nil || !strings.Contains(err.Error(), `WORKER_POLL_INTERVAL must be a duration from 1ms to 1s, such as 20ms, got "`+v+`"`) {
			t.Errorf("WORKER_POLL_INTERVAL=%q: %v, want an error saying what it takes", v, err)
		}
	}
}
