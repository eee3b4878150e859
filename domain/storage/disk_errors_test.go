package storage

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/logproc/logproc/domain"
)

// TestLocalFullDisk writes a Put to /dev/full, whose writes fail with the
// kernel's ENOSPC as on a full disk: 507 for the client, not 500.
func TestLocalFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	store, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.temp.open = func(string) (*os.File, error) { return os.OpenFile("/dev/full", os.O_WRONLY, 0) }
	_, err = store.Put(context.Background(), "jobs/x", strings.NewReader(strings.Repeat("x", 64<<10)), "")
	if domain.ErrorCode(err) != domain.EFULL {
		t.Fatalf("Put on a full disk: %v, want EFULL", err)
	}
}

func TestDiskError(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		want  string
	}{
		{syscall.ENOSPC, domain.EFULL},
		{syscall.EDQUOT, domain.EFULL},
		{syscall.EROFS, domain.EUNAVAILABLE},
		{syscall.EACCES, domain.EUNAVAILABLE},
		{syscall.EIO, domain.EUNAVAILABLE},
		{syscall.ESTALE, domain.EUNAVAILABLE},
		{syscall.EINVAL, domain.EINTERNAL},
	}
	for _, tt := range tests {
		err := diskError("write", &fs.PathError{Op: "write", Path: ".tmp/x", Err: tt.errno})
		if got := domain.ErrorCode(err); got != tt.want {
			t.Errorf("%v: code %q, want %q", tt.errno, got, tt.want)
		}
	}
}

// TestLocalReadOnlyDisk: a read-only store refuses Puts with 503.
func TestLocalReadOnlyDisk(t *testing.T) {
	store, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.temp.open = func(name string) (*os.File, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EROFS}
	}
	_, err = store.Put(context.Background(), "jobs/x", strings.NewReader("x"), "")
	if domain.ErrorCode(err) != domain.EUNAVAILABLE || !strings.Contains(domain.ErrorMessage(err), "read-only") {
		t.Fatalf("Put on a read-only disk: %v, want EUNAVAILABLE saying read-only", err)
	}
	if err := store.Probe(context.Background()); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("Probe of a read-only disk: %v, want EUNAVAILABLE", err)
	}
}
