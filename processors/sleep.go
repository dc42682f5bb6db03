package processors

// Sleep stitching across uploads.
//
// The SDKs send sleep as stage segments, and the segments of one night can
// arrive in several uploads. The processor keeps, per user and provider,
// the recent segments and the sessions it emitted from them (a
// schemas.SleepState) in the compacted changelog topic
// wearables.state.sleep_open under the key "<provider>/<user id>", kept as
// every changelog is (changelog.go).
//
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
	"slices"
	"time"

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
)

// stitchSleep replaces recs' sleep sessions with the sessions stitched
// from the user's state and returns them with the changelog record.
func (p *Processor) stitchSleep(r *kgo.Record, raw schemas.RawEvent, incoming []schemas.SourceSleep) ([]schemas.Sleep, *kgo.Record, error) {
	tp := p.rawPartition(r)
	users, err := p.sleep.keys(tp)
	if err != nil {
		return nil, nil, err
	}
	meta := sdk.SleepMeta{
		Tenant: raw.Tenant, UserID: raw.UserID, Provider: raw.Provider, RawEventID: raw.ID,
		Version: raw.ReceivedAt.UnixMilli(), IngestedAt: raw.ReceivedAt.UTC(),
	}
	emit, next := stitch(users[raw.UserID], meta, incoming)
	var value []byte
	if next != nil {
		next.UpdatedAt = meta.IngestedAt
		if value, err = p.cfg.Serde.Encode(next); err != nil {
			return nil, nil, err
		}
		p.sleep.set(users, raw.UserID, next)
	} else {
		p.sleep.remove(users, raw.UserID)
	}
	return emit, p.sleep.record(tp, raw.UserID, value), nil
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
