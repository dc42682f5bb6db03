package processors

// Sleep stitching across uploads.
//
// The SDKs send sleep as stage segments, and the segments of one night can
// arrive in several uploads. The processor keeps, per user and provider,
// the recent segments and the sessions it emitted from them (a
// schemas.SleepState) in the compacted changelog topic
// wearables.state.sleep_open, written in the same Kafka transaction as the
// sessions and the consumed offsets, so state and output never disagree.
//
//   - The changelog is partitioned like the raw topics: the state of a raw
//     record from partition p is written to partition p under the key
//     "<provider>/<user id>". Whoever owns raw.<provider>/p owns those keys.
//   - Before the first record of a raw partition is processed, the owner
//     reads changelog partition p to its last stable offset (keeping only
//     its provider's keys). A revoked or lost partition is forgotten, and an
//     aborted transaction forgets everything: the next record restores
//     again, so memory never holds state Kafka does not.
//   - Each upload's segments are merged with the state's (duplicates
//     dropped) and assembled again by ingest/sdk's rules (a gap over 2 h
//     starts a new session, naps recognised). A session that contains a
//     session emitted earlier keeps that session's id and gets a higher
//     version, so ClickHouse keeps one row under FINAL and consumers see
//     an update; when a new segment bridges two emitted sessions, the later
//     one is emitted again as deleted. Sessions whose content did not
//     change are not emitted again.
//   - The state keeps the sessions that ended within 24 h of the newest one
//     and those the upload touched (a history upload stitches its nights in
//     order), with their segments; older ones are closed and dropped.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/schemas"
)

const (
	// sleepGap is the longest gap inside one session (ingest/sdk's rule).
	sleepGap = 2 * time.Hour
	// sleepKeep is how far behind the newest session a session stays open.
	sleepKeep = 24 * time.Hour
	// sleepMaxSessions bounds one state record.
	sleepMaxSessions = 64
	// restoreTimeout bounds reading one changelog partition.
	restoreTimeout = 2 * time.Minute
)

// errRestore marks a failure to read the changelog: the batch is retried,
// the raw record is not dead-lettered.
var errRestore = errors.New("cannot restore sleep state")

type rawPartition struct {
	provider  string
	partition int32
}

// sleepStore is the in-memory view of the changelog partitions this
// processor owns: per raw partition, the state of each user.
type sleepStore struct {
	mu    sync.Mutex
	parts map[rawPartition]map[string]*schemas.SleepState
}

func newSleepStore() *sleepStore {
	return &sleepStore{parts: map[rawPartition]map[string]*schemas.SleepState{}}
}

// forget drops partitions (revoked, lost).
func (s *sleepStore) forget(rawPrefix string, parts map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for topic, ps := range parts {
		provider, ok := strings.CutPrefix(topic, rawPrefix)
		if !ok {
			continue
		}
		for _, p := range ps {
			delete(s.parts, rawPartition{provider, p})
		}
	}
}

// reset drops everything (after an aborted transaction).
func (s *sleepStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.parts)
}

// sleepKey is the changelog key of one user's sleep for one provider.
func sleepKey(provider, user string) string { return provider + "/" + user }

// changelogPartitioner sends changelog records to the partition set on
// them (the raw record's) and everything else through the default.
type changelogPartitioner struct {
	changelog string
	fallback  kgo.Partitioner
}

func (p changelogPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	if topic == p.changelog {
		return kgo.ManualPartitioner().ForTopic(topic)
	}
	return p.fallback.ForTopic(topic)
}

// stitchSleep replaces recs' sleep sessions with the sessions stitched
// from the user's state and returns them with the changelog record.
func (p *Processor) stitchSleep(r *kgo.Record, raw schemas.RawEvent, incoming []schemas.SourceSleep) ([]schemas.Sleep, *kgo.Record, error) {
	provider := strings.TrimPrefix(r.Topic, p.cfg.Topics.RawPrefix())
	tp := rawPartition{provider, r.Partition}
	users, err := p.sleepUsers(tp)
	if err != nil {
		return nil, nil, err
	}
	meta := sdk.SleepMeta{
		Tenant: raw.Tenant, UserID: raw.UserID, Provider: raw.Provider, RawEventID: raw.ID,
		Version: raw.ReceivedAt.UnixMilli(), IngestedAt: raw.ReceivedAt.UTC(),
	}
	emit, next := stitch(users[raw.UserID], meta, incoming)
	rec := &kgo.Record{Topic: p.cfg.Topics.State(schemas.StateSleepOpen), Partition: r.Partition, Key: []byte(sleepKey(provider, raw.UserID))}
	if next != nil {
		next.UpdatedAt = meta.IngestedAt
		if rec.Value, err = p.cfg.Serde.Encode(next); err != nil {
			return nil, nil, err
		}
	}
	p.sleep.mu.Lock()
	if next == nil {
		delete(users, raw.UserID)
	} else {
		users[raw.UserID] = next
	}
	p.sleep.mu.Unlock()
	return emit, rec, nil
}

// sleepUsers returns the users' states of a raw partition, reading its
// changelog partition first if this processor has not yet.
func (p *Processor) sleepUsers(tp rawPartition) (map[string]*schemas.SleepState, error) {
	p.sleep.mu.Lock()
	users, ok := p.sleep.parts[tp]
	p.sleep.mu.Unlock()
	if ok {
		return users, nil
	}
	users, err := p.restore(tp)
	if err != nil {
		return nil, fmt.Errorf("%w of %s/%d: %v", errRestore, tp.provider, tp.partition, err)
	}
	p.sleep.mu.Lock()
	p.sleep.parts[tp] = users
	p.sleep.mu.Unlock()
	return users, nil
}

// restore reads one changelog partition up to its last stable offset and
// returns the states of one provider's users in it.
func (p *Processor) restore(tp rawPartition) (map[string]*schemas.SleepState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
	defer cancel()
	changelog := p.cfg.Topics.State(schemas.StateSleepOpen)
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(p.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{changelog: {tp.partition: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records are kept so that the commit marker that ends
		// the partition is seen: it is how we know we reached the end.
		kgo.KeepControlRecords(),
	)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListCommittedOffsets(ctx, changelog)
	if err != nil {
		return nil, err
	}
	starts, err := adm.ListStartOffsets(ctx, changelog)
	if err != nil {
		return nil, err
	}
	end, ok1 := ends.Lookup(changelog, tp.partition)
	start, ok2 := starts.Lookup(changelog, tp.partition)
	if !ok1 || !ok2 || end.Err != nil || start.Err != nil {
		return nil, fmt.Errorf("cannot list the offsets of %s/%d", changelog, tp.partition)
	}
	users := map[string]*schemas.SleepState{}
	if end.Offset <= start.Offset {
		return users, nil
	}
	prefix := tp.provider + "/"
	var decodeErr error
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reading %s/%d to offset %d: %w", changelog, tp.partition, end.Offset, ctx.Err())
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end.Offset-1 {
				done = true
			}
			user, ok := strings.CutPrefix(string(r.Key), prefix)
			if r.Offset >= end.Offset || r.Attrs.IsControl() || !ok {
				return
			}
			if r.Value == nil {
				delete(users, user)
				return
			}
			st := new(schemas.SleepState)
			if err := p.cfg.Serde.Decode(r.Value, st); err != nil {
				decodeErr = err
				return
			}
			users[user] = st
		})
		if decodeErr != nil {
			return nil, decodeErr
		}
		if done {
			return users, nil
		}
	}
}

// stitch merges an upload's segments into a user's state and returns the
// sessions to emit (new, changed, or deleted because merged into another)
// and the next state (nil when nothing is left open).
func stitch(prev *schemas.SleepState, m sdk.SleepMeta, incoming []schemas.SourceSleep) ([]schemas.Sleep, *schemas.SleepState) {
	if prev == nil {
		prev = &schemas.SleepState{}
	}
	// Merge the segments, source by source, without duplicates.
	sources := make([]schemas.SourceSleep, len(prev.Sources))
	index := map[string]int{}
	seen := map[string]bool{}
	segKey := func(src string, sg schemas.SleepSegment) string {
		return src + "|" + sg.Stage + "|" + sg.Start.Format(time.RFC3339Nano) + "|" + sg.End.Format(time.RFC3339Nano)
	}
	for i, s := range prev.Sources {
		sources[i] = schemas.SourceSleep{Source: s.Source, Segments: slices.Clone(s.Segments)}
		index[s.Source.ID] = i
		for _, sg := range s.Segments {
			seen[segKey(s.Source.ID, sg)] = true
		}
	}
	var touched []schemas.SleepSegment
	for _, in := range incoming {
		k, ok := index[in.Source.ID]
		if !ok {
			k = len(sources)
			index[in.Source.ID] = k
			sources = append(sources, schemas.SourceSleep{Source: in.Source})
		}
		// The latest upload's description of the source wins.
		src := &sources[k].Source
		for _, f := range [][2]*string{{&src.Name, &in.Source.Name}, {&src.Device, &in.Source.Device}, {&src.DeviceType, &in.Source.DeviceType}} {
			if *f[1] != "" {
				*f[0] = *f[1]
			}
		}
		for _, sg := range in.Segments {
			touched = append(touched, sg)
			if key := segKey(in.Source.ID, sg); !seen[key] {
				seen[key] = true
				sources[k].Segments = append(sources[k].Segments, sg)
			}
		}
	}

	sessions := sdk.AssembleSleep(m, sources, func(string) {})

	// Give each session the id of the earliest emitted session it
	// contains; emitted sessions contained in none are deleted.
	claimed := map[string]bool{}
	var emit []schemas.Sleep
	for i := range sessions {
		s := &sessions[i]
		var best *schemas.EmittedSleep
		for j := range prev.Sessions {
			e := &prev.Sessions[j]
			if e.SourceID != s.Source.ID || claimed[e.ID] || e.Start.After(s.EndTime) || e.End.Before(s.StartTime) {
				continue
			}
			if best == nil || e.Start.Before(best.Start) {
				best = e
			}
		}
		if best != nil {
			s.ID = best.ID
		}
		for j := range prev.Sessions {
			e := &prev.Sessions[j]
			if e.SourceID == s.Source.ID && !e.Start.After(s.EndTime) && !e.End.Before(s.StartTime) {
				claimed[e.ID] = true
			}
		}
	}
	fingerprints := map[string]string{}
	for _, e := range prev.Sessions {
		fingerprints[e.ID] = e.Fingerprint
	}
	var next []schemas.EmittedSleep
	for _, s := range sessions {
		fp := fingerprint(s)
		if fingerprints[s.ID] != fp {
			emit = append(emit, s)
		}
		next = append(next, schemas.EmittedSleep{ID: s.ID, SourceID: s.Source.ID, Start: s.StartTime, End: s.EndTime, Fingerprint: fp})
	}
	current := map[string]bool{}
	for _, s := range sessions {
		current[s.ID] = true
	}
	for _, e := range prev.Sessions {
		if !current[e.ID] {
			emit = append(emit, schemas.Sleep{
				ID: e.ID, Tenant: m.Tenant, UserID: m.UserID, Source: sourceOf(sources, e.SourceID),
				StartTime: e.Start, EndTime: e.End, DurationSeconds: e.End.Sub(e.Start).Seconds(),
				Deleted: true, Version: m.Version, RawEventID: m.RawEventID, IngestedAt: m.IngestedAt,
			})
		}
	}

	// Keep what may still be extended: the sessions within sleepKeep of the
	// newest one and those this upload touched, and their segments.
	var newest time.Time
	for _, e := range next {
		if e.End.After(newest) {
			newest = e.End
		}
	}
	kept := next[:0]
	for _, e := range next {
		hit := slices.ContainsFunc(touched, func(sg schemas.SleepSegment) bool { return !sg.Start.After(e.End) && !sg.End.Before(e.Start) })
		if hit || !e.End.Before(newest.Add(-sleepKeep)) {
			kept = append(kept, e)
		}
	}
	if len(kept) > sleepMaxSessions {
		slices.SortFunc(kept, func(a, b schemas.EmittedSleep) int { return b.End.Compare(a.End) })
		kept = kept[:sleepMaxSessions]
	}
	slices.SortFunc(kept, func(a, b schemas.EmittedSleep) int { return a.Start.Compare(b.Start) })
	state := &schemas.SleepState{Tenant: m.Tenant, UserID: m.UserID, Provider: m.Provider, Sessions: kept}
	for _, src := range sources {
		var segs []schemas.SleepSegment
		for _, sg := range src.Segments {
			near := slices.ContainsFunc(kept, func(e schemas.EmittedSleep) bool {
				return !sg.Start.After(e.End.Add(sleepGap)) && !sg.End.Before(e.Start.Add(-sleepGap))
			})
			if near {
				segs = append(segs, sg)
			}
		}
		if len(segs) > 0 {
			slices.SortStableFunc(segs, func(a, b schemas.SleepSegment) int { return a.Start.Compare(b.Start) })
			state.Sources = append(state.Sources, schemas.SourceSleep{Source: src.Source, Segments: segs})
		}
	}
	if len(state.Sessions) == 0 && len(state.Sources) == 0 {
		return emit, nil
	}
	return emit, state
}

func sourceOf(sources []schemas.SourceSleep, id string) schemas.Source {
	for _, s := range sources {
		if s.Source.ID == id {
			return s.Source
		}
	}
	return schemas.Source{ID: id}
}

// fingerprint identifies a session's content, leaving out what changes
// with every upload (version, raw event, ingestion time).
func fingerprint(s schemas.Sleep) string {
	s.Version, s.RawEventID, s.IngestedAt = 0, "", time.Time{}
	b, _ := json.Marshal(s) // plain data: never fails
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
