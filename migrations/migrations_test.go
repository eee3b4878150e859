package migrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/migrations"
)

func TestConcurrentStartsApplyEachMigrationOnce(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	ctx := context.Background()
	const starters = 3
	applied := make([]int, starters)
	errs := make([]error, starters)
	var wg sync.WaitGroup
	for i := range starters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool, err := pgxpool.New(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			applied[i], errs[i] = migrations.Up(ctx, pool)
		}()
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("starter %d: %v", i, err)
		}
		total += applied[i]
	}
	files, _ := migrations.Files.ReadDir(".")
	want := 0
	for _, f := range files {
		if f.Name()[len(f.Name())-4:] == ".sql" {
			want++
		}
	}
	if total != want {
		t.Errorf("the starters applied %v migrations in all, want each of the %d once", applied, want)
	}
	pool, _ := pgxpool.New(ctx, url)
	defer pool.Close()
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&rows); err != nil || rows != want {
		t.Errorf("goose_db_version has %d applied rows (%v), want %d", rows, err, want)
	}
}

func TestDownAndUpAgain(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	p, err := migrations.Provider(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	if n, err := migrations.Up(ctx, pool); err != nil || n == 0 {
		t.Fatalf("up again applied %d: %v", n, err)
	}
}
