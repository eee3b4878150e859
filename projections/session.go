package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
)

// Resetter is a projector that keeps state in memory between batches. The
// runner calls Reset whenever that state may no longer match its tables:
// when it takes the projector's lock (another process may have applied it
// meanwhile) and after a batch that did not commit.
type Resetter interface {
	Reset()
}

// session is one holding of a projector's lock: the connection that holds
// it, and the batch being read ahead for each generation while the previous
// one is applied.
type session struct {
	ctx    context.Context
	cancel context.CancelFunc
	r      *Runner
	conn   *pgx.Conn
	p      Projector
	ahead  map[int]*readAhead
	// stepped says a step succeeded while the lock was held: the
	// connection and the projector's dependencies worked.
	stepped bool
	// dropped is the live generation as of the last look for retired
	// generations that found none left (0: look at the next step). A
	// generation is retired only when another goes live, which changes the
	// live generation, or when a leader abandons a building one, which sets
	// its own dropped to 0; until then every step would find none and pay a
	// transaction and a query for it. In a rolling upgrade two releases
	// lead at once (the lock is per version): a generation the other one
	// abandoned and failed to drop waits for this session's next switch or
	// the next session; it is tables left behind, never data read.
	dropped int
	// live and building are the generations as loaded at loadedAt, with
	// the checkpoints this session's commits moved since (see generations).
	live, building *generation
	loadedAt       time.Time
}

// readAhead is a batch read and decoded in the background.
type readAhead struct {
	after events.Position
	done  chan struct{}
	batch []Event
	err   error
}

func newSession(ctx context.Context, r *Runner, conn *pgx.Conn, p Projector) *session {
	ctx, cancel := context.WithCancel(ctx)
	s := &session{ctx: ctx, cancel: cancel, r: r, conn: conn, p: p, ahead: map[int]*readAhead{}}
	s.reset()
	return s
}

// close stops and waits for the reads ahead.
func (s *session) close() {
	s.cancel()
	for _, a := range s.ahead {
		<-a.done
	}
}

func (s *session) reset() {
	if c, ok := s.p.(Resetter); ok {
		c.Reset()
	}
}

// lead applies the projector until the session's context is done or an
// error occurs.
func (s *session) lead() error {
	wake, cancel := s.r.subscribe()
	defer cancel()
	for {
		worked, err := s.step()
		if s.ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		s.stepped = true
		if worked {
			continue
		}
		select {
		case <-s.ctx.Done():
			return nil
		case <-wake:
		case <-time.After(s.r.PollInterval):
		}
	}
}

// step applies one batch to each generation the code can fill, starts a
// generation when the code's version is newer than the live one, and switches
// a building generation live once it has caught up. It reports whether it
// did anything.
func (s *session) step() (bool, error) {
	live, building, err := s.generations()
	if err != nil {
		return false, err
	}
	worked, err := s.stepOn(live, building)
	if errors.Is(err, errGenerationChanged) {
		// The batch was rolled back and the generations forgotten: look
		// at them again at once.
		return true, nil
	}
	return worked, err
}

// stepOn is step on the given generations.
func (s *session) stepOn(live, building *generation) (bool, error) {
	if live == nil {
		return true, ensureLive(s.ctx, s.conn, s.p)
	}
	s.forgetReadsAhead(live, building)
	if building != nil && building.Version < s.p.Version() {
		// A release older than this one began the building generation, and
		// none may be left to finish it: build again at this version.
		s.r.log.Info("dropping a generation an older release was building", "projection", s.p.Name(),
			"generation", building.Generation, "version", building.Version)
		s.dropped = 0
		return true, abandonGeneration(s.ctx, s.conn, s.p, building.Generation)
	}
	if building == nil && live.Version < s.p.Version() {
		s.forgetGenerations()
		return true, s.upgrade(live)
	}
	worked := false
	if live.Version == s.p.Version() {
		n, err := s.applyBatch(live)
		if err != nil {
			return false, err
		}
		worked = n > 0
	}
	if building != nil && building.Version == s.p.Version() {
		// Either a full batch was applied or the generation went live: look
		// again at once in both cases.
		return true, s.build(building)
	}
	if s.dropped == live.Generation {
		return worked, nil
	}
	if err := dropRetired(s.ctx, s.conn, s.p); err != nil {
		return worked, err
	}
	s.dropped = live.Generation
	return worked, nil
}

// generations returns the projection's live and building generations.
// While none is building, a leader keeps them from step to step instead of
// loading them at each. Its own changes it knows: applyInTx moves the kept
// live checkpoint as it commits, and the session forgets them when it starts
// an upgrade and after any batch that did not commit. Changes by others (an
// operator's rebuild or another release adding a building generation, that
// release switching it live, a newer subscriber taking the live generation
// to its version) it sees once the kept ones are PollInterval old: within
// PollInterval, as an idle leader did before at its next poll. Until then
// moveCheckpoint refuses a batch to a generation whose state or version is
// no longer the one kept. While a generation is building they are loaded at
// each step, as before, for the rebuild's switch and abandonment.
func (s *session) generations() (live, building *generation, err error) {
	if s.live != nil && s.building == nil && time.Since(s.loadedAt) < s.r.PollInterval {
		return s.live, nil, nil
	}
	s.forgetGenerations()
	live, building, err = loadGenerations(s.ctx, s.conn, s.p.Name())
	if err == nil {
		s.live, s.building, s.loadedAt = live, building, time.Now()
	}
	return live, building, err
}

// forgetGenerations makes the next step load the generations.
func (s *session) forgetGenerations() {
	s.live, s.building = nil, nil
}

// upgrade starts building a generation at the code's version beside the
// live one. A subscriber without tables has nothing to build, and replaying it
// would repeat its side effects: its live generation just takes the version.
func (s *session) upgrade(live *generation) error {
	s.r.log.Info("projection version changed", "projection", s.p.Name(), "from", live.Version, "to", s.p.Version())
	if len(s.p.Tables()) == 0 {
		_, err := s.conn.Exec(s.ctx, `UPDATE projections SET version = $3, updated_at = now()
			WHERE name = $1 AND generation = $2`, s.p.Name(), live.Generation, s.p.Version())
		return err
	}
	n, err := startRebuild(s.ctx, s.conn, s.p)
	if err == nil {
		s.r.log.Info("building a new generation", "projection", s.p.Name(), "generation", n)
	}
	return err
}

// forgetReadsAhead drops batches read ahead for generations that are neither
// live nor building any more.
func (s *session) forgetReadsAhead(live, building *generation) {
	for gen, a := range s.ahead {
		if gen != live.Generation && (building == nil || gen != building.Generation) {
			<-a.done
			delete(s.ahead, gen)
		}
	}
}

// build applies one batch to the building generation and switches it live
// when the batch shows it has caught up.
func (s *session) build(g *generation) error {
	n, err := s.applyBatch(g)
	if err != nil || n == s.r.batchSize(g) {
		return err
	}
	if err := switchLive(s.ctx, s.conn, s.p, g.Generation); err != nil {
		return err
	}
	s.r.log.Info("projection switched to a new generation", "projection", s.p.Name(),
		"generation", g.Generation, "version", g.Version, "events", g.Applied)
	return nil
}

// ErrCheckpointMoved means another process moved a checkpoint this one was
// about to move: the batch was rolled back.
var ErrCheckpointMoved = errors.New("projections: checkpoint moved by another process")

// applyBatch applies the events after the generation's checkpoint and the
// new checkpoint in one transaction. It returns how many events it applied.
// A projector with state in memory is reset when the batch does not commit.
func (s *session) applyBatch(g *generation) (int, error) {
	n, err := s.applyInTx(g)
	if err != nil && s.ctx.Err() == nil && !errors.Is(err, errGenerationChanged) && s.generationChanged(g) {
		// Another release retired the kept generation (and may have
		// dropped its tables, failing the batch before its checkpoint's
		// check) or took it to its version (and moved its checkpoint): a
		// rolling upgrade, no failure to count.
		err = errGenerationChanged
	}
	if err != nil {
		s.reset()
		s.forgetGenerations()
		if s.ctx.Err() == nil && !errors.Is(err, errGenerationChanged) {
			s.r.Metrics.applyFailed(s.p.Name())
		}
	}
	return n, err
}

// generationChanged says whether the generation's state or version is no
// longer the one the session kept. It is asked only after a batch failed.
func (s *session) generationChanged(g *generation) bool {
	var state string
	var version int
	err := s.conn.QueryRow(s.ctx, `SELECT state, version FROM projections WHERE name = $1 AND generation = $2`,
		s.p.Name(), g.Generation).Scan(&state, &version)
	return err == nil && (state != g.State || version != g.Version)
}

func (s *session) applyInTx(g *generation) (int, error) {
	ctx := s.ctx
	// The batch is read before the transaction begins, as a batch read
	// ahead is: events are never changed once readable, and the
	// checkpoint's compare-and-set still refuses the batch if another
	// process moved it meanwhile. A step that finds nothing so costs one
	// statement, not BEGIN, SELECT and ROLLBACK.
	batch, err := s.next(g)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := s.p.Apply(ctx, tx, tablesOf(s.p, g.Generation), batch); err != nil {
		return 0, fmt.Errorf("apply %d events after %s to %s generation %d: %w",
			len(batch), g.Checkpoint, s.p.Name(), g.Generation, err)
	}
	if g.State == StateLive && len(s.p.Tables()) > 0 {
		if err := notifyProjected(ctx, tx, s.p.Name(), batch); err != nil {
			return 0, fmt.Errorf("notify projected streams: %w", err)
		}
	}
	last := batch[len(batch)-1].Position
	if err := moveCheckpoint(ctx, tx, s.p.Name(), g, last, len(batch)); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	g.Checkpoint, g.Applied = last, g.Applied+int64(len(batch))
	return len(batch), nil
}

// next returns the batch after the generation's checkpoint: the one read
// ahead if it starts there, else one read now. After a full batch it starts
// reading the following one, so reading and decoding overlap applying.
func (s *session) next(g *generation) ([]Event, error) {
	var batch []Event
	var err error
	if a := s.ahead[g.Generation]; a != nil {
		delete(s.ahead, g.Generation)
		<-a.done
		// A failed or empty read ahead is read again: the failure may have
		// passed, and events may have come since.
		if a.after == g.Checkpoint && a.err == nil {
			batch = a.batch
		}
	}
	size := s.r.batchSize(g)
	if len(batch) == 0 {
		batch, err = readBatch(s.ctx, postgres.New(s.conn), g.Checkpoint, size)
	}
	if err == nil && len(batch) == size {
		s.readAhead(g.Generation, batch[len(batch)-1].Position, size)
	}
	return batch, err
}

// readAhead reads the batch after the position through the pool.
func (s *session) readAhead(gen int, after events.Position, size int) {
	a := &readAhead{after: after, done: make(chan struct{})}
	s.ahead[gen] = a
	go func() {
		defer close(a.done)
		a.batch, a.err = readBatch(s.ctx, postgres.New(s.r.pool), after, size)
	}()
}

// readBatch reads and decodes up to n events after the position.
func readBatch(ctx context.Context, store events.Store, after events.Position, n int) ([]Event, error) {
	recs, err := store.ReadAll(ctx, after, n)
	if err != nil {
		return nil, err
	}
	return decodeBatch(recs)
}

// errGenerationChanged means the generation's state or version is no longer
// the one the session kept: the batch was rolled back.
var errGenerationChanged = errors.New("projections: generation changed since it was loaded")

// moveCheckpoint moves the generation's checkpoint with a compare-and-set:
// if another process moved it, the batch must not commit. Nor must it when
// the generation's state or version is no longer the one the session loaded
// (another release retired it, or took it to its own version): the session
// would have written to a retired generation or to one it must leave to
// that release.
func moveCheckpoint(ctx context.Context, tx pgx.Tx, name string, g *generation, to events.Position, n int) error {
	var state string
	var version int
	err := tx.QueryRow(ctx, `UPDATE projections
		SET last_tx = $3::text::xid8, last_id = $4, applied = applied + $5, updated_at = now()
		WHERE name = $1 AND generation = $2 AND last_tx = $6::text::xid8 AND last_id = $7
		RETURNING state, version`,
		name, g.Generation, strconv.FormatUint(to.TxID, 10), to.ID, n,
		strconv.FormatUint(g.Checkpoint.TxID, 10), g.Checkpoint.ID).Scan(&state, &version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrCheckpointMoved
	case err != nil:
		return err
	case state != g.State || version != g.Version:
		return errGenerationChanged
	}
	return nil
}
