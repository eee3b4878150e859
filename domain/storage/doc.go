// Package storage holds the domain.BlobStore implementations: Local keeps
// blobs on local disk (the default, under ./data/blobs) and Supabase keeps
// them in a Supabase Storage bucket.
//
// Both stream in both directions, hash what they store while storing it,
// accept the same keys (see ValidateKey), answer a second Put of a key with
// ECONFLICT, and leave nothing behind when a Put fails. The storagetest
// package checks all of that for any implementation.
package storage
