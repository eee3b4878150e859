-- Projection generations and their checkpoints.
--
-- A projection's read tables are created by its projector (package
-- projections) with a generation suffix, such as job_stats_g1, and read
-- through a view with the plain name. A rebuild fills generation n+1 from
-- position zero while generation n keeps serving, then switches the views in
-- one transaction. Subscribers without tables (the dispatcher) keep their
-- checkpoint here too.

-- +goose Up
CREATE TABLE projections (
    name       text NOT NULL,
    generation integer NOT NULL CHECK (generation > 0),
    version    integer NOT NULL CHECK (version > 0),
    state      text NOT NULL CHECK (state IN ('building', 'live', 'retired')),
    last_tx    xid8 NOT NULL DEFAULT '0',
    last_id    bigint NOT NULL DEFAULT 0,
    applied    bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    live_since timestamptz,
    -- dropped_at is set once a retired generation's tables are dropped.
    dropped_at timestamptz,
    PRIMARY KEY (name, generation)
);

CREATE UNIQUE INDEX projections_one_live ON projections (name) WHERE state = 'live';
CREATE UNIQUE INDEX projections_one_building ON projections (name) WHERE state = 'building';

-- +goose Down
DROP TABLE projections;
