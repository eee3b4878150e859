package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/google/uuid"
	"github.com/logproc/logproc/domain"
)

// newKey returns a fresh key shaped like the ones the upload handler makes.
func newKey() string {
	return "jobs/2026/11/27/" + uuid.NewString()
}

// put stores data under key and checks the Blob it gets back.
func put(t *testing.T, store domain.BlobStore, key string, data []byte) domain.Blob {
	t.Helper()
	blob, err := store.Put(context.Background(), key, bytes.NewReader(data), "text/plain")
	if err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
	want := domain.Blob{Key: key, Size: int64(len(data)), SHA256: sha256Hex(data)}
	if blob != want {
		t.Fatalf("Put(%s) = %+v, want %+v", key, blob, want)
	}
	return blob
}

// content reads what is stored under key.
func content(t *testing.T, store domain.BlobStore, key string) []byte {
	t.Helper()
	rc, err := store.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}

// wantContent checks what is stored under key.
func wantContent(t *testing.T, store domain.BlobStore, key string, want []byte) {
	t.Helper()
	if got := content(t, store, key); !bytes.Equal(got, want) {
		t.Fatalf("content of %s: got %d bytes %.40q, want %d bytes %.40q", key, len(got), got, len(want), want)
	}
}

// wantMissing checks that nothing is stored under key.
func wantMissing(t *testing.T, store domain.BlobStore, key string) {
	t.Helper()
	rc, err := store.Open(context.Background(), key)
	if err == nil {
		rc.Close()
		t.Fatalf("Open(%s) found a blob, want none", key)
	}
	wantCode(t, err, domain.ENOTFOUND)
}

// wantCode checks err's domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (error: %v)", got, code, err)
	}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// textOf returns n bytes of recognisable text, different for each seed.
func textOf(seed, n int) []byte {
	var b bytes.Buffer
	for line := 0; b.Len() < n; line++ {
		fmt.Fprintf(&b, "2026-11-27T10:00:00Z INFO writer=%d line=%d something happened\n", seed, line)
	}
	return b.Bytes()[:n]
}
