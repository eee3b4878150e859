package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/logproc/logproc/domain/storage"
)

// BenchmarkLocalPut stores 128 MiB on local disk, as an upload does: read
// a few KiB at a time, hashed, written and synced.
func BenchmarkLocalPut(b *testing.B) {
	data := bytes.Repeat([]byte("2026-11-28 09:00:00 INFO a line of a log file, 64 bytes long..\n"), 2<<20)
	blobs, err := storage.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer blobs.Close()
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		i++
		key := fmt.Sprintf("2026/11/28/%032d.log", i)
		// A reader without WriterTo, read 32 KiB at a time as an HTTP body is.
		if _, err := blobs.Put(context.Background(), key, struct{ io.Reader }{bytes.NewReader(data)}, "text/plain"); err != nil {
			b.Fatal(err)
		}
		if err := blobs.Delete(context.Background(), key); err != nil {
			b.Fatal(err)
		}
	}
}
