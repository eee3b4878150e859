// Package projections turns the event log into the read models the API
// serves. A Runner keeps each Projector's tables up to date: it holds a
// Postgres advisory lock on the projector's name so that one process applies
// it, reads events after the projector's checkpoint in bounded batches, and
// applies each batch and moves the checkpoint in one transaction.
//
// Read tables belong to a generation (job_stats_g1, job_stats_g2 ...) and are
// read through a view with the plain name. A rebuild fills a new generation
// from position zero while the live one keeps serving, then switches the
// views in one transaction, so the API never sees a half-built read model.
package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Projector maintains read tables from events. Its name is its checkpoint
// key: renaming a projector replays everything into new tables.
type Projector interface {
	// Name is the projection's stable name.
	Name() string
	// Version is the shape of the projector's tables and logic. Raising it
	// makes the runner build a new generation beside the live one.
	Version() int
	// Tables lists the read tables the projector writes. A projector with no
	// tables is a subscriber, such as the dispatcher.
	Tables() []Table
	// Apply applies a batch of events, in log order, through tx, writing to
	// the generation's physical tables.
	Apply(ctx context.Context, tx pgx.Tx, tables Tables, batch []Event) error
}

// Table is a read table. Schema is the DDL that creates it, with %[1]s
// standing for the physical table name (use it as a prefix for index names).
type Table struct {
	Name   string
	Schema string
}

// Tables maps a read table's name to its physical name in one generation.
type Tables map[string]string

// Of returns the physical name of the named table.
func (t Tables) Of(name string) string {
	physical, ok := t[name]
	if !ok {
		panic(fmt.Sprintf("projections: table %q is not declared", name))
	}
	return physical
}

func tablesOf(p Projector, generation int) Tables {
	t := Tables{}
	for _, tbl := range p.Tables() {
		t[tbl.Name] = physicalName(tbl.Name, generation)
	}
	return t
}

func physicalName(table string, generation int) string {
	return fmt.Sprintf("%s_g%d", table, generation)
}
