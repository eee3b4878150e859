// Package storage is an adapter, not pure domain: it holds the
// domain.BlobStore implementations on the outside world's storage. Local
// keeps blobs on local disk (the default, under ./data/blobs); Supabase
// keeps them in a Supabase Storage bucket, spoken to over its REST API.
//
// Both stream in both directions, hash what they store while storing it,
// accept the same keys (see ValidateKey), answer a Put of a key already
// stored with ECONFLICT, leave nothing behind when a Put fails, and list
// their blobs by prefix a page at a time. Both stage a Put in a temporary
// directory (".tmp" inside the local store's directory), which is created
// again if it goes missing and cleared of stale files when a store opens.
// The storagetest package checks all of that for any implementation.
package storage
