-- The event store: streams with their versions, and the append-only event log.
-- Readers order events by (tx_id, id) and only read transactions older than
-- every running one (pg_snapshot_xmin), so no reader skips an event that a
-- slower transaction commits later. See events/postgres.

-- +goose Up
CREATE TABLE streams (
    stream_id  text PRIMARY KEY,
    version    bigint NOT NULL CHECK (version >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id          xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id       uuid NOT NULL UNIQUE,
    stream_id      text NOT NULL,
    version        bigint NOT NULL CHECK (version > 0),
    type           text NOT NULL,
    schema_version integer NOT NULL CHECK (schema_version > 0),
    data           jsonb NOT NULL,
    metadata       jsonb NOT NULL DEFAULT '{}',
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, version)
);

CREATE INDEX events_position ON events (tx_id, id);

-- +goose StatementBegin
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % on events is refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a new event instead of changing a stored one.';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- +goose Down
DROP TABLE events;
DROP FUNCTION events_refuse_change();
DROP TABLE streams;
