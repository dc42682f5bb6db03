package sdk

// Sleep. The SDKs send stage segments (in_bed, sleeping, awake, light, deep,
// rem, unknown), not sessions; this file joins the segments of one body
// into sessions, the way Open Wearables' sleep_service.py does
// (open-wearables.md §4.4), but without state across bodies:
//
//   - Segments are grouped by source and sorted by start; exact duplicates
//     are dropped. A gap of more than two hours between a segment and the
//     session so far starts a new session. A session made only of awake or
//     unknown segments is dropped.
//   - A session whose only sleep is the in_bed/sleeping wrapper (an iPhone's
//     "in bed" next to the watch's stages) is folded into the sessions of
//     other sources with detailed stages that overlap it: it widens their
//     span to the time in bed and adds no stage minutes.
//   - With detailed stages (light, deep, rem), in_bed and sleeping wrappers
//     are dropped from the intervals and the minutes, and where kept
//     segments overlap the earlier one wins. Sleep = light + deep + rem.
//   - Without them, sleep is the time covered by sleeping segments (or, when
//     there are none, by in_bed segments) minus the time covered by awake
//     segments; stage minutes are unknown (Stages is nil).
//   - InBedSeconds and DurationSeconds are the session span (end − start);
//     EfficiencyPercent is sleep / in bed × 100.
//   - IsNap: a session shorter than 3 h that starts between 09:00 and 20:00
//     local time (Open Wearables never flags naps, its issue #938).
//   - The session's id is a UUIDv5 over its source and start, so the same
//     night uploaded again gets the same id; ProviderRecordID is the first
//     segment's parentId (Health Connect's session id) or else its id.
//
// A night split across two uploads becomes two sessions in Normalize's
// Sleep; Normalize also returns the segments (SleepSegments), and the
// processor stitches them with the recent segments of earlier uploads
// through AssembleSleep (processors/sleep.go).

import (
	"slices"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// The sleep stages of the SDK, which are also the catalog's.
const (
	stageInBed    = "in_bed"
	stageSleeping = "sleeping"
	stageAwake    = "awake"
	stageLight    = "light"
	stageDeep     = "deep"
	stageREM      = "rem"
	stageUnknown  = "unknown"
)

const (
	// sessionGap is the longest gap inside one session
	// (Open Wearables' SLEEP_END_GAP_MINUTES).
	sessionGap = 2 * time.Hour
	// napMaxDuration, napFromHour and napToHour define a nap.
	napMaxDuration = 3 * time.Hour
	napFromHour    = 9
	napToHour      = 20
)

type segment struct {
	stage      string
	start, end time.Time
	zone       int32
	id, parent string
}

type session struct {
	source     schemas.Source
	segments   []segment // sorted by start
	start, end time.Time // span, widened by folded wrappers
	detailed   bool      // has light, deep or rem
	asleep     bool      // has any stage but awake and unknown
}

func (n *normalizer) sleep(recs []SleepRecord) {
	if len(recs) == 0 {
		return
	}
	var sources []schemas.SourceSleep
	index := map[string]int{}
	for i := range recs {
		r := &recs[i]
		stage := strings.ToLower(strings.TrimSpace(r.Stage))
		switch stage {
		case stageInBed, stageSleeping, stageAwake, stageLight, stageDeep, stageREM, stageUnknown:
		case "":
			n.out.Skip(reasonInvalidSleep)
			continue
		default:
			n.out.Skip("unknown sleep stage " + ingest.Truncate(r.Stage, 60))
			continue
		}
		start, startZone, ok1 := parseTime(r.StartDate)
		end, _, ok2 := parseTime(r.EndDate)
		if !ok1 || !ok2 || !end.After(start) {
			n.out.Skip(reasonInvalidSleep)
			continue
		}
		src := n.source(&r.Source)
		k, ok := index[src.ID]
		if !ok {
			k = len(sources)
			index[src.ID] = k
			sources = append(sources, schemas.SourceSleep{Source: src})
		}
		fillSource(&sources[k].Source, src)
		sources[k].Segments = append(sources[k].Segments, schemas.SleepSegment{
			Stage:      stage,
			Start:      start,
			End:        end,
			ZoneOffset: zoneOffset(r.ZoneOffset, startZone),
			ID:         strings.TrimSpace(r.ID),
			ParentID:   strings.TrimSpace(r.ParentID),
		})
	}
	n.out.SleepSegments = append(n.out.SleepSegments, sources...)
	n.out.Sleep = append(n.out.Sleep, AssembleSleep(SleepMeta{
		Tenant: n.ctx.Tenant, UserID: n.ctx.UserID, Provider: n.provider,
		RawEventID: n.ctx.RawEventID, Version: n.version, IngestedAt: n.ingested,
	}, sources, n.out.Skip)...)
}

// SleepMeta is what the sessions AssembleSleep makes carry besides their
// segments.
type SleepMeta struct {
	Tenant, UserID, Provider, RawEventID string
	Version                              int64
	IngestedAt                           time.Time
}

// AssembleSleep joins stage segments, grouped by source, into sleep
// sessions by the rules at the top of this file. skip counts segments and
// sessions that are left out (duplicates, sessions without sleep). The
// processor calls it with the segments of several uploads to stitch a
// night that arrived in parts.
func AssembleSleep(m SleepMeta, sources []schemas.SourceSleep, skip func(reason string)) []schemas.Sleep {
	var sessions []*session
	for _, src := range sources {
		all := &session{source: src.Source}
		for _, sg := range src.Segments {
			all.segments = append(all.segments, segment{stage: sg.Stage, start: sg.Start, end: sg.End, zone: sg.ZoneOffset, id: sg.ID, parent: sg.ParentID})
		}
		sessions = append(sessions, splitSessions(all, skip)...)
	}
	sessions = foldWrappers(sessions)
	slices.SortStableFunc(sessions, func(a, b *session) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return strings.Compare(a.source.ID, b.source.ID)
	})
	out := make([]schemas.Sleep, 0, len(sessions))
	for _, s := range sessions {
		out = append(out, sleepRecord(m, s))
	}
	return out
}

// splitSessions sorts one source's segments, drops duplicates and cuts
// them into sessions at gaps longer than sessionGap.
func splitSessions(all *session, skip func(string)) []*session {
	segs := all.segments
	slices.SortStableFunc(segs, func(a, b segment) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		if c := a.end.Compare(b.end); c != 0 {
			return c
		}
		return strings.Compare(a.stage, b.stage)
	})
	var out []*session
	var cur *session
	for i, sg := range segs {
		if i > 0 && sg.stage == segs[i-1].stage && sg.start.Equal(segs[i-1].start) && sg.end.Equal(segs[i-1].end) {
			skip(reasonDuplicateSleep)
			continue
		}
		if cur == nil || sg.start.Sub(cur.end) > sessionGap {
			cur = &session{source: all.source, start: sg.start, end: sg.end}
			out = append(out, cur)
		}
		cur.segments = append(cur.segments, sg)
		if sg.end.After(cur.end) {
			cur.end = sg.end
		}
		switch sg.stage {
		case stageLight, stageDeep, stageREM:
			cur.detailed, cur.asleep = true, true
		case stageInBed, stageSleeping:
			cur.asleep = true
		}
	}
	kept := out[:0]
	for _, s := range out {
		if !s.asleep {
			skip(reasonSleepWithoutRest)
			continue
		}
		kept = append(kept, s)
	}
	return kept
}

// foldWrappers folds each session that has only in_bed/sleeping wrappers
// into the overlapping detailed sessions of other sources.
func foldWrappers(sessions []*session) []*session {
	kept := sessions[:0:0]
	for _, w := range sessions {
		if w.detailed {
			kept = append(kept, w)
			continue
		}
		folded := false
		for _, d := range sessions {
			if !d.detailed || d.source.ID == w.source.ID || !d.start.Before(w.end) || !w.start.Before(d.end) {
				continue
			}
			folded = true
			if w.start.Before(d.start) {
				d.start = w.start
			}
			if w.end.After(d.end) {
				d.end = w.end
			}
		}
		if !folded {
			kept = append(kept, w)
		}
	}
	return kept
}

func sleepRecord(m SleepMeta, s *session) schemas.Sleep {
	first := s.segments[0]
	span := s.end.Sub(s.start)
	out := schemas.Sleep{
		ID:               schemas.RecordID(m.Tenant, m.UserID, m.Provider, "sleep", s.source.ID+"|"+s.start.Format(time.RFC3339)),
		Tenant:           m.Tenant,
		UserID:           m.UserID,
		Source:           s.source,
		ProviderRecordID: firstNonEmpty(first.parent, first.id),
		StartTime:        s.start,
		EndTime:          s.end,
		ZoneOffset:       first.zone,
		DurationSeconds:  span.Seconds(),
		InBedSeconds:     span.Seconds(),
		Version:          m.Version,
		RawEventID:       m.RawEventID,
		IngestedAt:       m.IngestedAt,
	}
	var asleep time.Duration
	if s.detailed {
		out.Stages, out.Intervals, asleep = detailedStages(s.segments)
	} else {
		asleep = wrapperSleep(s.segments)
		for _, sg := range s.segments {
			out.Intervals = append(out.Intervals, schemas.SleepInterval{Stage: sg.stage, Start: sg.start, End: sg.end})
		}
	}
	out.SleepDurationSeconds = asleep.Seconds()
	if span > 0 {
		eff := ingest.Tidy(asleep.Seconds() / span.Seconds() * 100)
		out.EfficiencyPercent = &eff
	}
	local := s.start.Add(time.Duration(out.ZoneOffset) * time.Minute)
	out.IsNap = span < napMaxDuration && local.Hour() >= napFromHour && local.Hour() < napToHour
	return out
}

// detailedStages adds up the stage minutes of a session with detailed
// stages, leaving out the in_bed and sleeping wrappers; where segments
// overlap, the earlier one keeps the time. asleep is light + deep + rem.
func detailedStages(segs []segment) (stages *schemas.SleepStages, intervals []schemas.SleepInterval, asleep time.Duration) {
	var byStage [4]time.Duration // awake, light, deep, rem
	var covered time.Time
	for _, sg := range segs {
		if sg.stage == stageInBed || sg.stage == stageSleeping {
			continue
		}
		start := sg.start
		if start.Before(covered) {
			start = covered
		}
		if !sg.end.After(start) {
			continue
		}
		covered = sg.end
		d := sg.end.Sub(start)
		switch sg.stage {
		case stageAwake:
			byStage[0] += d
		case stageLight:
			byStage[1] += d
		case stageDeep:
			byStage[2] += d
		case stageREM:
			byStage[3] += d
		}
		intervals = append(intervals, schemas.SleepInterval{Stage: sg.stage, Start: start, End: sg.end})
	}
	stages = &schemas.SleepStages{
		AwakeMinutes: byStage[0].Minutes(),
		LightMinutes: byStage[1].Minutes(),
		DeepMinutes:  byStage[2].Minutes(),
		RemMinutes:   byStage[3].Minutes(),
	}
	return stages, intervals, byStage[1] + byStage[2] + byStage[3]
}

// wrapperSleep is the sleep of a session without detailed stages: the time
// covered by sleeping segments, or by in_bed ones when there are none,
// minus the time covered by awake segments.
func wrapperSleep(segs []segment) time.Duration {
	var sleeping, inBed, awake []segment
	for _, sg := range segs {
		switch sg.stage {
		case stageSleeping:
			sleeping = append(sleeping, sg)
		case stageInBed:
			inBed = append(inBed, sg)
		case stageAwake:
			awake = append(awake, sg)
		}
	}
	if len(sleeping) == 0 {
		sleeping = inBed
	}
	asleep := union(sleeping)
	return length(asleep) - overlap(asleep, union(awake))
}

type window struct{ start, end time.Time }

// union merges segments sorted by start into disjoint windows.
func union(segs []segment) []window {
	var out []window
	for _, sg := range segs {
		if k := len(out); k > 0 && !sg.start.After(out[k-1].end) {
			if sg.end.After(out[k-1].end) {
				out[k-1].end = sg.end
			}
			continue
		}
		out = append(out, window{sg.start, sg.end})
	}
	return out
}

func length(spans []window) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.end.Sub(s.start)
	}
	return d
}

// overlap is the time two sorted lists of disjoint windows share.
func overlap(a, b []window) time.Duration {
	var d time.Duration
	for i, j := 0, 0; i < len(a) && j < len(b); {
		start, end := a[i].start, a[i].end
		if b[j].start.After(start) {
			start = b[j].start
		}
		if b[j].end.Before(end) {
			end = b[j].end
		}
		if end.After(start) {
			d += end.Sub(start)
		}
		if a[i].end.Before(b[j].end) {
			i++
		} else {
			j++
		}
	}
	return d
}
