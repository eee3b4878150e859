package storage

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/logproc/logproc/domain"
)

// failurePhrases recover the status of a failure that Supabase Storage
// answers with HTTP 400, as it does most: the real status is only in the
// body's "statusCode", which storage-go's StorageError does not keep, so it
// is read from the message, which does survive. Supabase's messages are
// stable; the first phrase (lower case) found in the message wins. A 400
// whose message matches none stays a 400.
var failurePhrases = []struct {
	phrase string
	status int
}{
	{"bucket not found", http.StatusNotFound}, // see bucketMissing
	{"object not found", http.StatusNotFound},
	{"already exists", http.StatusConflict}, // "The resource already exists"
	{"duplicate", http.StatusConflict},
	{"exceeded the maximum allowed size", http.StatusRequestEntityTooLarge},
	{"too large", http.StatusRequestEntityTooLarge},
	{"jwt", http.StatusForbidden},                // "Invalid JWT", "jwt expired", "jwt malformed"
	{"jws", http.StatusForbidden},                // "Invalid Compact JWS"
	{"signature", http.StatusForbidden},          // "invalid signature"
	{"api key", http.StatusUnauthorized},         // the gateway's "Invalid API key", "No API key found"
	{"row-level security", http.StatusForbidden}, // an anon key given for the service key
	{"too many requests", http.StatusTooManyRequests},
	{"reduce your request rate", http.StatusTooManyRequests}, // S3's SlowDown, passed on
	{"timeout", http.StatusGatewayTimeout},
	{"timed out", http.StatusGatewayTimeout},
}

// failureStatus returns the status a failed response stands for, from its
// HTTP status and its message (see failurePhrases).
func failureStatus(httpStatus int, message string) int {
	if httpStatus != http.StatusBadRequest {
		return httpStatus
	}
	m := strings.ToLower(message)
	for _, p := range failurePhrases {
		if strings.Contains(m, p.phrase) {
			return p.status
		}
	}
	return httpStatus
}

// bucketMissing tells "no such bucket" (a configuration error) from "no such
// object" (an ordinary answer), which share the status 404.
func bucketMissing(message string) bool {
	return strings.Contains(strings.ToLower(message), "bucket not found")
}

// responseError maps a failed response, given by its HTTP status and the
// message storage-go decoded from its body ("" if none), to a domain error
// that keeps both as its cause, for the logs.
func responseError(httpStatus int, message string) error {
	status := failureStatus(httpStatus, message)
	cause := fmt.Errorf("supabase storage answered HTTP %d (taken as %d): %q", httpStatus, status, message)
	switch {
	case status == http.StatusNotFound && bucketMissing(message):
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage is misconfigured: the bucket does not exist")
	case status == http.StatusNotFound:
		return domain.Wrap(cause, domain.ENOTFOUND, "blob not found")
	case status == http.StatusConflict:
		return domain.Wrap(cause, domain.ECONFLICT, "blob already exists")
	case status == http.StatusRequestEntityTooLarge:
		return domain.Wrap(cause, domain.ETOOLARGE, "file exceeds the storage size limit")
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage is misconfigured: the service key was refused")
	case status == http.StatusTooManyRequests, status >= 500:
		return domain.Wrap(cause, domain.EUNAVAILABLE, "blob storage is unavailable")
	default:
		return domain.Wrap(cause, domain.EINTERNAL, "blob storage refused the request")
	}
}

// transportError maps a request that got no response. A request stopped by
// its context keeps the context's error so callers can tell a cancellation;
// anything else (refused, reset) is EUNAVAILABLE.
func transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("supabase storage: %w", err)
	}
	return domain.Wrap(err, domain.EUNAVAILABLE, "blob storage is unreachable")
}
