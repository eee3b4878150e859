package domain

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// submittedJob is a new job of alice's file of size bytes, submitted at at
// and not yet saved.
func submittedJob(t *testing.T, size int64, at time.Time) *Job {
	t.Helper()
	id := uuid.New()
	j, err := Submit(id, Upload{Owner: "alice", FileName: "app.log", Blob: Blob{Key: BlobKey(id, at), Size: size, SHA256: "ab"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
