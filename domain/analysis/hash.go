package analysis

import "hash/maphash"

// FNV-1a, 64 bits: stable across processes, so template ids are too.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

var wildcardBytes = []byte(wildcard)

// tokenSeed seeds the hashes that identify tokens inside one process; they
// are never shown, so they need not be stable (template ids use FNV).
var tokenSeed = maphash.MakeSeed()

func tokenHash(b []byte) uint64 { return maphash.Bytes(tokenSeed, b) }

var wildHash = tokenHash(wildcardBytes)

// hashBytes is FNV-1a of b.
func hashBytes[T ~string | ~[]byte](b T) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= fnvPrime
	}
	return h
}

// mix64 spreads the bits of a hash (splitmix64's finaliser).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
