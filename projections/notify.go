package projections

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ProjectedChannel is the PostgreSQL channel a live read model notifies, in
// the transaction that applies a batch, once per stream the batch touched,
// with "<projection> <stream id>": whoever receives it can read the stream's
// new state from the read model at once. Live progress streams listen to it.
const ProjectedChannel = "logproc_projected"

// ParseProjected splits a ProjectedChannel payload into the projection's
// name and the stream id.
func ParseProjected(payload string) (projection, streamID string, ok bool) {
	return strings.Cut(payload, " ")
}

// notifyProjected notifies ProjectedChannel of the streams the batch touched.
// The notifications are sent when the transaction commits, never before.
func notifyProjected(ctx context.Context, tx pgx.Tx, name string, batch []Event) error {
	seen := map[string]bool{}
	var streams []string
	for _, e := range batch {
		if !seen[e.StreamID] {
			seen[e.StreamID] = true
			streams = append(streams, e.StreamID)
		}
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2 || ' ' || s) FROM unnest($3::text[]) AS s`,
		ProjectedChannel, name, streams)
	return err
}
