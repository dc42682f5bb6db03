package processors

// Created, updated, deleted, unchanged.
//
// A provider sends the same workout, sleep session or daily score again and
// again: every poll, every webhook, every re-upload. For each workout, sleep
// session and summary it emits, the processor keeps a fingerprint of the
// content (everything but version, raw event id, ingestion time and
// change), the version it
// emitted and whether that was a delete, in the compacted changelog
// wearables.state.records under "<provider>/<record id>" (changelog.go).
// Then a revision is
//
//   - the first of its id: emitted as it is, change "created" ("deleted"
//     when it is a delete: a row from before the state must still go);
//   - the same content again: not emitted, so no row and no webhook;
//   - older than what was emitted (a lower version from the provider): not
//     emitted, so a late re-delivery never overwrites newer content;
//   - different content: emitted as "updated", with a version above the
//     last one (the provider's when it is higher);
//   - a delete of a record not yet deleted: emitted once as "deleted",
//     with a higher version; a repeated delete is not emitted;
//   - content after a delete: emitted as "created" again.
//
// The state also keeps each record's span (start and end; a summary's is
// its recorded time, or the span its normaliser gave), so that a provider delete naming only a
// record can remove the samples that record came with (rangeDeletes).
//
// Memory is bounded per raw partition: past maxTracked records the oldest
// tenth (by start time) are forgotten, with tombstones in the changelog in
// the same transaction, so what Kafka holds and what memory holds agree. A
// forgotten record that arrives again is emitted as "created" under its old
// id; ClickHouse collapses it, and its webhook carries a new webhook-id.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unique"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// The kinds of record the processor tracks.
const (
	kindWorkout = "workout"
	kindSleep   = "sleep"
	kindSummary = "summary"
	// kindSleepScore is an internal sleep score (sleepscore.go): tracked
	// apart so that its session's bedtime can be found.
	kindSleepScore = "sleep_score"
)

// DefaultMaxTrackedRecords is how many workouts and sleep sessions the
// processor remembers per raw partition unless configured otherwise. An
// entry costs about 160 bytes of memory, plus one copy of the tenant and
// user ids per user.
const DefaultMaxTrackedRecords = 100_000

// tracked is what the processor remembers of one emitted record.
type tracked struct {
	fingerprint [16]byte
	version     int64
	start       int64 // Unix milliseconds: the oldest are forgotten first
	end         int64 // Unix milliseconds; with start the span whose samples a delete removes
	// owner is the record's tenant and user, interned: the records of a
	// user share one copy, and an entry holds a pointer.
	owner   unique.Handle[owner]
	kind    uint8 // kindCodes
	deleted bool
	zone    int16 // the record's offset, minutes east of UTC
}

// owner is the tenant and user a record belongs to.
type owner struct{ tenant, user string }

// kindCodes are the kinds of record as tracked keeps them.
var kindCodes = map[string]uint8{kindWorkout: 1, kindSleep: 2, kindSummary: 3, kindSleepScore: 4}

func decodeTracked(serde *schemas.Serde) func([]byte) (tracked, error) {
	return func(b []byte) (tracked, error) {
		var st schemas.RecordState
		if err := serde.Decode(b, &st); err != nil {
			return tracked{}, err
		}
		t := tracked{version: st.Version, start: st.StartTime.UnixMilli(), end: st.EndTime.UnixMilli(), deleted: st.Deleted,
			owner: unique.Make(owner{st.Tenant, st.UserID}), kind: kindCodes[st.Kind], zone: int16(st.ZoneOffset)}
		// Entries written before end_time existed end where they start.
		t.end = max(t.end, t.start)
		_, _ = hex.Decode(t.fingerprint[:], []byte(st.Fingerprint)) // a bad one reads as a change
		return t, nil
	}
}

// revision is one workout or sleep session the normaliser produced.
type revision struct {
	kind, id, tenant, user string
	start, end             time.Time
	zone                   int32
	version                int64
	deleted                bool
	fingerprint            [16]byte
	ingestedAt             time.Time
}

// decide returns the change and version a revision is emitted with, or an
// empty change when it is not emitted; prev is what was emitted before,
// when known.
func decide(prev tracked, known bool, r revision) (string, int64) {
	switch {
	case !known && r.deleted:
		return schemas.ChangeDeleted, r.version
	case !known:
		return schemas.ChangeCreated, r.version
	case r.deleted && prev.deleted:
		return "", 0
	case r.deleted:
		return schemas.ChangeDeleted, max(r.version, prev.version+1)
	case r.version < prev.version:
		return "", 0
	case prev.deleted:
		return schemas.ChangeCreated, max(r.version, prev.version+1)
	case r.fingerprint == prev.fingerprint:
		return "", 0
	default:
		return schemas.ChangeUpdated, max(r.version, prev.version+1)
	}
}

// revise decides what to emit for one revision and returns the change, the
// version, and the changelog record to write (nil when nothing changes).
func (p *Processor) revise(tp rawPartition, r revision) (string, int64, *kgo.Record, error) {
	if r.id == "" {
		// Nothing to track a record by: emitted as it is.
		if r.deleted {
			return schemas.ChangeDeleted, r.version, nil, nil
		}
		return schemas.ChangeCreated, r.version, nil, nil
	}
	state, err := p.records.keys(tp)
	if err != nil {
		return "", 0, nil, err
	}
	prev, known := state[r.id]
	change, version := decide(prev, known, r)
	if change == "" {
		return "", 0, nil, nil
	}
	if known && r.start.IsZero() {
		// A delete often carries only the id: keep the record's age and
		// span.
		r.start, r.end = time.UnixMilli(prev.start).UTC(), time.UnixMilli(prev.end).UTC()
	}
	if r.end.Before(r.start) {
		r.end = r.start
	}
	value, err := p.cfg.Serde.Encode(schemas.RecordState{
		ID: r.id, Kind: r.kind, Tenant: r.tenant, UserID: r.user,
		Fingerprint: hex.EncodeToString(r.fingerprint[:]), Version: version, Deleted: r.deleted,
		StartTime: r.start, EndTime: r.end, ZoneOffset: r.zone, UpdatedAt: r.ingestedAt,
	})
	if err != nil {
		return "", 0, nil, err
	}
	p.records.set(state, r.id, tracked{fingerprint: r.fingerprint, version: version, start: r.start.UnixMilli(), end: r.end.UnixMilli(), deleted: r.deleted,
		owner: unique.Make(owner{r.tenant, r.user}), kind: kindCodes[r.kind], zone: int16(r.zone)})
	return change, version, p.records.record(tp, r.id, value), nil
}

// deletions is what the range deletions of one raw event resolve to.
type deletions struct {
	workouts []schemas.Workout
	sleep    []schemas.Sleep
	samples  []schemas.SampleBatch
}

// rangeDeletes resolves the range deletions of a raw event against the
// state of its raw partition:
//
//   - workouts and sleep: every tracked record of the event's tenant and
//     user, of the deletion's kind, not deleted, whose start lies in
//     [Start, End) becomes an id-only delete (emitted through revise like
//     any delete), by id within each deletion; this scans the partition's
//     state once per deletion, which is rare;
//   - samples: one deleting SampleBatch per series type, over [Start, End)
//     or, for a deletion naming a Record, over that record's span
//     [start, end] when the record is tracked, belongs to the same user
//     and is not deleted yet (a repeated delete removes nothing new).
//
// A deleting batch carries the raw event's receive time as its version,
// like the samples of that event, so it removes what earlier events wrote
// and nothing of its own event or of later ones.
func (p *Processor) rangeDeletes(tp rawPartition, raw schemas.RawEvent, dels []ingest.RangeDeletion) (deletions, error) {
	var out deletions
	if len(dels) == 0 {
		return out, nil
	}
	state, err := p.records.keys(tp)
	if err != nil {
		return out, err
	}
	who := unique.Make(owner{raw.Tenant, raw.UserID})
	src := schemas.Source{Provider: tp.provider}
	version, ingested := raw.ReceivedAt.UnixMilli(), raw.ReceivedAt.UTC()
	seen := map[string]bool{}
	for _, d := range dels {
		switch d.Kind {
		case kindWorkout, kindSleep:
		case ingest.DeleteSamples:
			out.samples = append(out.samples, p.sampleDeletions(state, who, raw, d)...)
			continue
		default:
			continue
		}
		kind := kindCodes[d.Kind]
		from, to := d.Start.UnixMilli(), d.End.UnixMilli()
		var ids []string
		for id, t := range state {
			if t.kind == kind && t.owner == who && !t.deleted && t.start >= from && t.start < to && !seen[id] {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			seen[id] = true
			if d.Kind == kindWorkout {
				out.workouts = append(out.workouts, schemas.Workout{ID: id, Tenant: raw.Tenant, UserID: raw.UserID, Source: src,
					Deleted: true, Version: version, RawEventID: raw.ID, IngestedAt: ingested})
			} else {
				out.sleep = append(out.sleep, schemas.Sleep{ID: id, Tenant: raw.Tenant, UserID: raw.UserID, Source: src,
					Deleted: true, Version: version, RawEventID: raw.ID, IngestedAt: ingested})
			}
		}
	}
	return out, nil
}

// sampleDeletions turns one samples deletion into deleting batches, or
// none when its range cannot be known.
func (p *Processor) sampleDeletions(state map[string]tracked, who unique.Handle[owner], raw schemas.RawEvent, d ingest.RangeDeletion) []schemas.SampleBatch {
	start, end := d.Start.UTC(), d.End.UTC()
	if d.Record != "" {
		t, known := state[d.Record]
		if !known || t.owner != who || t.deleted {
			p.cfg.Logger.Debug("samples deletion of an unknown or deleted record; nothing to delete",
				"provider", raw.Provider, "raw_event_id", raw.ID, "record", d.Record)
			return nil
		}
		start, end = time.UnixMilli(t.start).UTC(), time.UnixMilli(t.end+1).UTC()
	}
	if !end.After(start) {
		p.cfg.Logger.Warn("samples deletion with an empty range; ignored", "provider", raw.Provider, "raw_event_id", raw.ID)
		return nil
	}
	var out []schemas.SampleBatch
	for _, series := range d.SeriesTypes {
		st, ok := schemas.LookupSeriesType(series)
		if !ok {
			p.cfg.Logger.Warn("samples deletion of an unknown series type; ignored", "provider", raw.Provider, "raw_event_id", raw.ID, "series_type", series)
			continue
		}
		out = append(out, schemas.SampleBatch{
			ID: schemas.NameID("sample-deletion", raw.ID, series, d.SourceID,
				strconv.FormatInt(start.UnixMilli(), 10), strconv.FormatInt(end.UnixMilli(), 10)),
			Tenant: raw.Tenant, UserID: raw.UserID, Source: schemas.Source{Provider: raw.Provider, ID: d.SourceID},
			SeriesType: series, Unit: st.Unit, Version: raw.ReceivedAt.UnixMilli(), RawEventID: raw.ID,
			IngestedAt: raw.ReceivedAt.UTC(), Samples: []schemas.Sample{},
			Deletion: &schemas.SampleDeletion{Start: start, End: end},
		})
	}
	return out
}

// evict forgets the oldest tenth of a raw partition's records once it
// tracks more than the limit, and returns their tombstones.
func (p *Processor) evict(tp rawPartition) []*kgo.Record {
	p.records.mu.Lock()
	state := p.records.parts[tp] // not restored here: only revise adds records
	p.records.mu.Unlock()
	if len(state) <= p.cfg.MaxTrackedRecords {
		return nil
	}
	type aged struct {
		id    string
		start int64
	}
	all := make([]aged, 0, len(state))
	for id, t := range state {
		all = append(all, aged{id, t.start})
	}
	slices.SortFunc(all, func(a, b aged) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.id, b.id))
	})
	keep := p.cfg.MaxTrackedRecords * 9 / 10
	out := make([]*kgo.Record, 0, len(all)-keep)
	for _, a := range all[:len(all)-keep] {
		p.records.remove(state, a.id)
		out = append(out, p.records.record(tp, a.id, nil))
	}
	return out
}

// workoutRevision describes a workout for revise.
func workoutRevision(w schemas.Workout) revision {
	v := w
	v.Version, v.RawEventID, v.IngestedAt, v.Change = 0, "", time.Time{}, ""
	return revision{
		kind: kindWorkout, id: w.ID, tenant: w.Tenant, user: w.UserID, start: w.StartTime, end: w.EndTime,
		version: w.Version, deleted: w.Deleted, fingerprint: contentHash(v), ingestedAt: w.IngestedAt,
	}
}

// sleepRevision describes a sleep session for revise.
func sleepRevision(s schemas.Sleep) revision {
	return revision{
		kind: kindSleep, id: s.ID, tenant: s.Tenant, user: s.UserID, start: s.StartTime, end: s.EndTime,
		version: s.Version, deleted: s.Deleted, fingerprint: sleepHash(s), ingestedAt: s.IngestedAt,
	}
}

// summaryRevision describes a summary for revise; its recorded time is
// its age and its span. An internal sleep score is of kind sleep_score.
func summaryRevision(s schemas.Summary) revision {
	v := s
	v.Version, v.RawEventID, v.IngestedAt, v.Change = 0, "", time.Time{}, ""
	kind := kindSummary
	if s.Source.Provider == ProviderInternal && s.Category == schemas.SummarySleep {
		kind = kindSleepScore
	}
	return revision{
		kind: kind, zone: s.ZoneOffset, id: s.ID, tenant: s.Tenant, user: s.UserID, start: s.RecordedAt, end: s.RecordedAt,
		version: s.Version, deleted: s.Deleted, fingerprint: contentHash(v), ingestedAt: s.IngestedAt,
	}
}

// withSpan gives a revision the span its normaliser gave for the samples
// its record came with (ingest.Records.Spans), when there is one.
func withSpan(r revision, spans map[string]ingest.Span) revision {
	if span, ok := spans[r.id]; ok && !span.Start.IsZero() && !span.End.Before(span.Start) {
		r.start, r.end = span.Start, span.End
	}
	return r
}

// sleepHash identifies a session's content, leaving out what changes with
// every upload (version, raw event, ingestion time, change).
func sleepHash(s schemas.Sleep) [16]byte {
	s.Version, s.RawEventID, s.IngestedAt, s.Change = 0, "", time.Time{}, ""
	return contentHash(s)
}

// fingerprint is sleepHash in the form the sleep state keeps.
func fingerprint(s schemas.Sleep) string {
	h := sleepHash(s)
	return hex.EncodeToString(h[:])
}

// contentHash hashes plain data (canonical records: marshalling never fails).
func contentHash(v any) [16]byte {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}
