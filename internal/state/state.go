// Package state keeps wearstream's configuration (tenants, API keys, users,
// endpoints, ...) in compacted Kafka topics, the way Kafka Connect and Schema
// Registry keep theirs. Every process that needs a table reads its topic to
// the end at start, then follows it, holding the latest value per key in
// memory. A write produces the new value and returns only once Kafka
// acknowledged it (acks from all in-sync replicas) and this process's own
// reader has consumed it, so the next request sees it. A write Kafka refuses,
// or that is not read back within readBackTimeout, returns an error: the
// caller never takes an unsaved value for a saved one, and never waits
// forever.
package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// ErrClosed is returned by writes after the store was closed.
var ErrClosed = errors.New("state store closed")

// readBackTimeout bounds how long a write waits for its own reader once
// Kafka acknowledged it.
const readBackTimeout = 30 * time.Second

// Store follows a set of compacted topics with one consumer.
type Store struct {
	brokers  []string
	producer *kgo.Client
	serde    *schemas.Serde
	logger   *slog.Logger

	tables map[string]applier // by topic

	mu       sync.Mutex
	cond     *sync.Cond
	consumed map[string]map[int32]int64 // topic -> partition -> next offset
	closed   bool
	err      error

	consumer *kgo.Client
	cancel   context.CancelFunc
	done     chan struct{}
}

type applier interface {
	apply(key string, value []byte) error
}

// NewStore returns a store that will follow the tables registered with
// NewTable once Start is called. producer is used for writes.
func NewStore(brokers []string, producer *kgo.Client, serde *schemas.Serde, logger *slog.Logger) *Store {
	s := &Store{
		brokers:  brokers,
		producer: producer,
		serde:    serde,
		logger:   logger,
		tables:   map[string]applier{},
		consumed: map[string]map[int32]int64{},
		done:     make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Start reads every table's topic to its current end, then keeps following
// the topics in the background until ctx ends or Close is called.
func (s *Store) Start(ctx context.Context) error {
	topics := make([]string, 0, len(s.tables))
	for t := range s.tables {
		topics = append(topics, t)
	}
	consumer, err := kgo.NewClient(
		kgo.SeedBrokers(s.brokers...),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		return fmt.Errorf("cannot create state consumer: %w", err)
	}
	ends, err := kadm.NewClient(consumer).ListEndOffsets(ctx, topics...)
	if err != nil {
		consumer.Close()
		return fmt.Errorf("cannot list state topic offsets: %w", err)
	}
	s.consumer = consumer
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(runCtx)

	// Wait until every partition reached the end it had at start.
	var waitErr error
	ends.Each(func(o kadm.ListedOffset) {
		if waitErr == nil && o.Err == nil && o.Offset > 0 {
			waitErr = s.waitFor(ctx, o.Topic, o.Partition, o.Offset-1)
		}
	})
	if waitErr != nil {
		s.Close()
		return fmt.Errorf("cannot load state: %w", waitErr)
	}
	return nil
}

func (s *Store) run(ctx context.Context) {
	defer close(s.done)
	for {
		fetches := s.consumer.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			s.logger.Warn("state fetch error", "topic", topic, "partition", p, "err", err)
		})
		fetches.EachRecord(func(r *kgo.Record) {
			if t, ok := s.tables[r.Topic]; ok {
				if err := t.apply(string(r.Key), r.Value); err != nil {
					s.logger.Error("cannot apply state record", "topic", r.Topic, "offset", r.Offset, "err", err)
				}
			}
			s.mu.Lock()
			m := s.consumed[r.Topic]
			if m == nil {
				m = map[int32]int64{}
				s.consumed[r.Topic] = m
			}
			m[r.Partition] = r.Offset + 1
			s.mu.Unlock()
		})
		s.cond.Broadcast()
	}
}

// waitFor blocks until the record at offset of topic/partition was applied.
func (s *Store) waitFor(ctx context.Context, topic string, partition int32, offset int64) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cond.Broadcast()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.consumed[topic][partition] <= offset {
		if s.closed {
			return ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("waiting for %s/%d@%d: %w", topic, partition, offset, err)
		}
		s.cond.Wait()
	}
	return nil
}

// write produces value (nil for a tombstone) under key and waits until this
// store applied it.
func (s *Store) write(ctx context.Context, topic, key string, value []byte) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	rec := &kgo.Record{Topic: topic, Key: []byte(key), Value: value}
	if err := s.producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("cannot write %s/%s: %w", topic, key, err)
	}
	ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
	defer cancel()
	if err := s.waitFor(ctx, topic, rec.Partition, rec.Offset); err != nil {
		return fmt.Errorf("cannot read back %s/%s: %w", topic, key, err)
	}
	return nil
}

// Close stops following the topics.
func (s *Store) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.cond.Broadcast()
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	if s.consumer != nil {
		s.consumer.Close()
	}
}

// Table is one compacted topic held in memory: the latest value of T per key.
type Table[T any] struct {
	store *Store
	topic string

	mu       sync.RWMutex
	rows     map[string]T
	watchers []func(key string, v *T)
	merge    func(old, next T) T
}

// SetMerge makes the table keep merge(old, next) when a record arrives for a
// key it holds, instead of next. Every process applies records in log
// order, so a merge rule such as "the first claim wins" gives all of them
// the same answer, without locks. Call before Store.Start.
func (t *Table[T]) SetMerge(merge func(old, next T) T) {
	t.merge = merge
}

// NewTable registers a table on its topic; call before Store.Start.
func NewTable[T any](s *Store, topic string) *Table[T] {
	t := &Table[T]{store: s, topic: topic, rows: map[string]T{}}
	s.tables[topic] = t
	return t
}

// Topic is the table's topic.
func (t *Table[T]) Topic() string { return t.topic }

func (t *Table[T]) apply(key string, value []byte) error {
	if value == nil {
		t.mu.Lock()
		delete(t.rows, key)
		watchers := t.watchers
		t.mu.Unlock()
		for _, w := range watchers {
			w(key, nil)
		}
		return nil
	}
	var v T
	if err := t.store.serde.Decode(value, &v); err != nil {
		return err
	}
	t.mu.Lock()
	if old, ok := t.rows[key]; ok && t.merge != nil {
		v = t.merge(old, v)
	}
	t.rows[key] = v
	watchers := t.watchers
	t.mu.Unlock()
	for _, w := range watchers {
		w(key, &v)
	}
	return nil
}

// Watch calls fn after every change applied to the table (v is nil for a
// delete). Register watchers before Store.Start to see the initial load.
func (t *Table[T]) Watch(fn func(key string, v *T)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.watchers = append(t.watchers, fn)
}

// Get returns the value under key.
func (t *Table[T]) Get(key string) (T, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	v, ok := t.rows[key]
	return v, ok
}

// Len is the number of keys.
func (t *Table[T]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rows)
}

// Range calls fn for every row until fn returns false. fn must not write to
// the table.
func (t *Table[T]) Range(fn func(key string, v T) bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for k, v := range t.rows {
		if !fn(k, v) {
			return
		}
	}
}

// Put stores v under key and returns once this process can read it back.
func (t *Table[T]) Put(ctx context.Context, key string, v T) error {
	b, err := t.store.serde.Encode(v)
	if err != nil {
		return err
	}
	return t.store.write(ctx, t.topic, key, b)
}

// Delete removes key (a tombstone) and returns once this process applied it.
func (t *Table[T]) Delete(ctx context.Context, key string) error {
	return t.store.write(ctx, t.topic, key, nil)
}

// Tables are the configuration tables every wearstream process follows.
type Tables struct {
	Tenants   *Table[schemas.Tenant]
	APIKeys   *Table[schemas.APIKey] // keyed by the key's hash
	Users     *Table[schemas.User]
	Endpoints *Table[schemas.Endpoint]
	// EndpointHealth is each webhook endpoint's failure streak, by endpoint id.
	EndpointHealth *Table[schemas.EndpointHealth]

	// The SDK flow: applications by app id; refresh tokens and invitation
	// codes by their keyed hash.
	Applications    *Table[schemas.Application]
	RefreshTokens   *Table[schemas.RefreshToken]
	InvitationCodes *Table[schemas.InvitationCode]
	// OAuthStates holds the OAuth states callbacks used, by keyed hash.
	OAuthStates *Table[schemas.OAuthState]

	// SyncRuns is the latest state of each sync run (imports), by run id.
	SyncRuns *Table[schemas.SyncRun]

	// Connections are users' provider connections, by
	// schemas.ConnectionKey; ProviderUsers finds them by the provider's
	// user id, which provider webhooks name.
	Connections   *Table[schemas.Connection]
	ProviderUsers *ProviderUsers

	// Priorities are each tenant's data-source priorities, by tenant.
	Priorities *Table[schemas.SourcePriorities]

	// ProviderSettings are each tenant's provider settings (enabled, live
	// sync mode, granularity), by tenant.
	ProviderSettings *Table[schemas.ProviderSettings]
	// Backfills are the pushed history backfills (Garmin's), by
	// schemas.ConnectionKey.
	Backfills *Table[schemas.Backfill]
	// Registrations are the providers' webhook subscription registrations,
	// by provider.
	Registrations *Table[schemas.Registration]
	// Erasures is the erasure list, by user id.
	Erasures *Erasures
	// Retention is each tenant's retention setting, by tenant.
	Retention *Table[schemas.Retention]
}

// NewTables registers the configuration tables on s.
func NewTables(s *Store, t schemas.Topics) *Tables {
	conns := NewTable[schemas.Connection](s, t.State(schemas.StateConnections))
	return &Tables{
		Tenants:        NewTable[schemas.Tenant](s, t.State(schemas.StateTenants)),
		APIKeys:        NewTable[schemas.APIKey](s, t.State(schemas.StateAPIKeys)),
		Users:          NewTable[schemas.User](s, t.State(schemas.StateUsers)),
		Endpoints:      NewTable[schemas.Endpoint](s, t.State(schemas.StateEndpoints)),
		EndpointHealth: NewTable[schemas.EndpointHealth](s, t.State(schemas.StateEndpointHealth)),

		Applications:    NewTable[schemas.Application](s, t.State(schemas.StateApplications)),
		RefreshTokens:   NewTable[schemas.RefreshToken](s, t.State(schemas.StateRefreshTokens)),
		InvitationCodes: invitationCodes(s, t),
		OAuthStates:     oauthStates(s, t),

		SyncRuns: NewTable[schemas.SyncRun](s, t.State(schemas.StateSyncRuns)),

		Connections:   conns,
		ProviderUsers: newProviderUsers(conns),

		Priorities: NewTable[schemas.SourcePriorities](s, t.State(schemas.StatePriorities)),

		ProviderSettings: NewTable[schemas.ProviderSettings](s, t.State(schemas.StateProviderSettings)),
		Backfills:        NewTable[schemas.Backfill](s, t.State(schemas.StateBackfills)),
		Registrations:    NewTable[schemas.Registration](s, t.State(schemas.StateSubscriptions)),
		Erasures:         newErasures(s, t),
		Retention:        NewTable[schemas.Retention](s, t.State(schemas.StateRetention)),
	}
}

// invitationCodes is the invitation code table, where the first redemption
// of a code wins.
func invitationCodes(s *Store, t schemas.Topics) *Table[schemas.InvitationCode] {
	codes := NewTable[schemas.InvitationCode](s, t.State(schemas.StateInvitationCodes))
	codes.SetMerge(schemas.FirstRedemption)
	return codes
}

// oauthStates is the used OAuth states table: the first claim of a state wins.
func oauthStates(s *Store, t schemas.Topics) *Table[schemas.OAuthState] {
	states := NewTable[schemas.OAuthState](s, t.State(schemas.StateOAuthStates))
	states.SetMerge(schemas.FirstClaim)
	return states
}
