package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

func TestContentThePostgresRefusesIsErrRefused(t *testing.T) {
	store := postgres.New(pgtest.NewPool(t))
	// Written by hand: events.New never lets a \u0000 through.
	e := events.Event{ID: uuid.New(), Type: events.TypeJobStarted, SchemaVersion: 1,
		Data: json.RawMessage(`{"worker":"a\u0000b"}`)}
	_, err := store.AppendToStream(context.Background(), "job-"+uuid.NewString(), 0, e)
	if !errors.Is(err, events.ErrRefused) || errors.Is(err, events.ErrUnavailable) {
		t.Errorf("append of a \\u0000 = %v, want ErrRefused", err)
	}
}

func TestUnreachableServerIsErrUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@"+addr+"/x?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.New(pool)
	_, appendErr := store.AppendToStream(context.Background(), "s", 0, events.Event{ID: uuid.New(), Type: "T",
		SchemaVersion: 1, Data: json.RawMessage(`{}`)})
	_, readErr := store.ReadStream(context.Background(), "s", 0, 10)
	_, readAllErr := store.ReadAll(context.Background(), events.Position{}, 10)
	for name, err := range map[string]error{"append": appendErr, "read stream": readErr, "read all": readAllErr} {
		if !errors.Is(err, events.ErrUnavailable) {
			t.Errorf("%s with the server down = %v, want ErrUnavailable", name, err)
		}
	}
}

func TestTerminatedConnectionIsErrUnavailable(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pool.Config().ConnConfig.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, conn.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.New(conn).ReadStream(ctx, "s", 0, 10)
	if !errors.Is(err, events.ErrUnavailable) {
		t.Errorf("read on a terminated connection = %v, want ErrUnavailable", err)
	}
	_, err = postgres.New(pool).ReadStream(context.Background(), "s", 0, 10)
	if err != nil {
		t.Errorf("read through the pool: %v", err)
	}
}
