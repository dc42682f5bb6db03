package clickhouse

// Erasures in ClickHouse. The sink honours the erasure list twice over:
//
//  1. every record it adds to a batch is checked against the list, and a
//     record of an erased user (or of a provider whose data of the user was
//     deleted, received before that deletion) is dropped, never written;
//  2. whenever the list changed, the sink first writes its pending batch,
//     then deletes the rows of every erasure it has not applied yet with
//     ALTER TABLE … DELETE (a mutation, which ClickHouse 18.16 has too), in
//     samples, workouts, workout_laps, sleep, summaries and the delivery log
//     (deliveries, whose payloads hold the data; user.deleted attempts
//     stay). A table is mutated only when a count finds rows to delete.
//
// Rows written before the sink saw an erasure are removed by the mutation
// issued after them; rows polled after are dropped at (1). Mutations run
// asynchronously: a row is gone from every query once ClickHouse finished
// the mutation (seconds for small tables; system.mutations shows progress).
// A restarted sink applies the whole list again, counting first, so an
// erasure interrupted by a crash is finished and a finished one costs one
// count per table. Several sink instances each apply the list after their
// own writes; mutations are idempotent.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wearstream/wearstream/schemas"
)

// Erasures is the erasure list as the sink asks it (*state.Erasures).
type Erasures interface {
	Covers(userID, provider string, at time.Time) bool
	Erased(userID string) bool
	Generation() uint64
	All() []schemas.Erasure
}

// erasedTables are the tables keyed by user, with a provider column.
var erasedTables = []string{"samples", "workouts", "sleep", "summaries"}

// eraseChunk bounds the users named in one statement.
const eraseChunk = 500

var providerName = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// Erase deletes every row of the erasures from ClickHouse: all rows of
// erased users, and the rows of one provider ingested before the erasure
// for provider erasures. It returns once the mutations were accepted.
func (w *Writer) Erase(ctx context.Context, ers []schemas.Erasure) error {
	var users []string
	for _, er := range ers {
		if _, err := uuid.Parse(er.UserID); err != nil {
			continue // not a user id ClickHouse could hold
		}
		if er.Provider == "" {
			users = append(users, er.UserID)
			continue
		}
		if err := w.eraseProvider(ctx, er); err != nil {
			return err
		}
	}
	for len(users) > 0 {
		n := min(len(users), eraseChunk)
		if err := w.eraseUsers(ctx, users[:n]); err != nil {
			return err
		}
		users = users[n:]
	}
	return nil
}

func (w *Writer) eraseUsers(ctx context.Context, users []string) error {
	for _, d := range userDeletions(users) {
		if err := w.mutate(ctx, d.table, d.where); err != nil {
			return err
		}
	}
	return nil
}

// deletion is the condition of the rows of one table to delete.
type deletion struct{ table, where string }

// userDeletions are the conditions of the rows of users (checked user ids)
// in every table.
func userDeletions(users []string) []deletion {
	uuids := make([]string, len(users))
	strs := make([]string, len(users))
	for i, u := range users {
		uuids[i], strs[i] = "toUUID('"+u+"')", "'"+u+"'"
	}
	var out []deletion
	for _, table := range append(erasedTables, "workout_laps") {
		out = append(out, deletion{table, "user_id IN (" + strings.Join(uuids, ", ") + ")"})
	}
	return append(out, deletion{"deliveries", "user_id IN (" + strings.Join(strs, ", ") + ") AND event_type != '" + schemas.EventUserDeleted + "'"})
}

func (w *Writer) eraseProvider(ctx context.Context, er schemas.Erasure) error {
	if !providerName.MatchString(er.Provider) {
		return nil
	}
	where := fmt.Sprintf("user_id = toUUID('%s') AND provider = '%s' AND ingested_at < toDateTime(%d, 'UTC')",
		er.UserID, er.Provider, er.ErasedAt.Unix()+1)
	// Laps carry no provider: they go with their workouts, named by id.
	var ids []string
	rows, err := w.conn.Query(ctx, "SELECT DISTINCT toString(id) FROM workouts WHERE "+where)
	if err != nil {
		return fmt.Errorf("cannot find the %s workouts of user %s: %w", er.Provider, er.UserID, err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("cannot read a workout id: %w", err)
		}
		ids = append(ids, "toUUID('"+id+"')")
	}
	rows.Close()
	for len(ids) > 0 {
		n := min(len(ids), eraseChunk)
		if err := w.mutate(ctx, "workout_laps", fmt.Sprintf("user_id = toUUID('%s') AND workout_id IN (%s)", er.UserID, strings.Join(ids[:n], ", "))); err != nil {
			return err
		}
		ids = ids[n:]
	}
	for _, table := range erasedTables {
		if err := w.mutate(ctx, table, where); err != nil {
			return err
		}
	}
	return nil
}

// mutate deletes the rows of table matching where, when there are any.
func (w *Writer) mutate(ctx context.Context, table, where string) error {
	var n uint64
	if err := w.conn.QueryRow(ctx, "SELECT count() FROM "+table+" WHERE "+where).Scan(&n); err != nil {
		return fmt.Errorf("cannot count the erased rows of %s: %w", table, err)
	}
	if n == 0 {
		return nil
	}
	if err := w.conn.Exec(ctx, "ALTER TABLE "+table+" DELETE WHERE "+where); err != nil {
		return fmt.Errorf("cannot delete the erased rows of %s: %w", table, err)
	}
	return nil
}

// erased reports whether a decoded record belongs to an erasure.
func erased(e Erasures, v any) bool {
	switch r := v.(type) {
	case *schemas.SampleBatch:
		return e.Covers(r.UserID, r.Source.Provider, r.IngestedAt)
	case *schemas.Workout:
		return e.Covers(r.UserID, r.Source.Provider, r.IngestedAt)
	case *schemas.Sleep:
		return e.Covers(r.UserID, r.Source.Provider, r.IngestedAt)
	case *schemas.Summary:
		return e.Covers(r.UserID, r.Source.Provider, r.IngestedAt)
	case *schemas.Attempt:
		return r.EventType != schemas.EventUserDeleted && e.Erased(r.UserID)
	}
	return false
}

// eraseCheck is how often an idle sink looks for new erasures.
const eraseCheck = 2 * time.Second

// eraseRetry is how long the sink waits before applying the list again
// after ClickHouse refused a mutation.
const eraseRetry = 5 * time.Second

// applyErasures applies the erasures the sink has not applied yet, after
// writing its pending batch; a failure is logged and tried again later.
func (s *Sink) applyErasures(ctx context.Context) error {
	e := s.cfg.Erasures
	if e == nil || e.Generation() == s.erasedGen || time.Now().Before(s.eraseAfter) {
		return nil
	}
	if s.uncommit {
		if err := s.flush(ctx); err != nil {
			return err
		}
	}
	gen := e.Generation()
	var todo []schemas.Erasure
	for _, er := range e.All() {
		key := schemas.ErasureKey(er.UserID, er.Provider)
		if at, ok := s.erasedAt[key]; !ok || !at.Equal(er.ErasedAt) {
			todo = append(todo, er)
		}
	}
	if err := s.cfg.Writer.Erase(ctx, todo); err != nil {
		s.log.Warn("cannot apply erasures yet; trying again", "erasures", len(todo), "in", eraseRetry, "err", err)
		s.eraseAfter = time.Now().Add(eraseRetry)
		return nil
	}
	for _, er := range todo {
		s.erasedAt[schemas.ErasureKey(er.UserID, er.Provider)] = er.ErasedAt
	}
	s.erasedGen = gen
	if len(todo) > 0 {
		s.log.Info("erasures applied", "erasures", len(todo))
	}
	return nil
}
