package domain

import (
	"path"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Rules on the blobs that jobs own. An upload stores its blob, then records
// its job; a process that dies between the two, or a record that fails,
// leaves a blob no job owns.

// BlobKeyPrefix starts every key BlobKey makes.
const BlobKeyPrefix = "jobs/"

// OrphanMinAge is how old a blob no job owns must be before it may be
// deleted: a younger one may belong to an upload whose job is being
// recorded right now.
const OrphanMinAge = time.Hour

// JobOfBlob returns the id of the job a blob key was made for (see
// BlobKey), and false for a key BlobKey cannot have made.
func JobOfBlob(key string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(key, BlobKeyPrefix)
	if !ok || strings.Count(rest, "/") != 3 {
		return uuid.UUID{}, false
	}
	id, err := uuid.Parse(path.Base(rest))
	return id, err == nil
}

// OwnsBlob reports whether a job owns the blob stored under key: it was
// submitted with that key. job is the job the key names, nil when it has no
// events.
func OwnsBlob(job *Job, key string) bool { return job != nil && job.BlobKey == key }

// Orphaned reports whether a blob no job owns is old enough, at now, to be
// deleted. A blob whose time is unknown (zero, as when a store's listing
// has a time it cannot read) is kept: it may be an upload of a moment ago.
func Orphaned(owned bool, modified, now time.Time, minAge time.Duration) bool {
	return !owned && !modified.IsZero() && now.Sub(modified) >= minAge
}
