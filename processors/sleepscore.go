package processors

// Open Wearables' own sleep score (open-wearables.md §2.5; its
// backend/app/algorithms/sleep.py with the defaults of
// config_algorithms.py), computed for every main sleep session the
// processor emits, of any provider, as a Summary of category sleep from
// the provider "internal", next to the provider's own score (never blended
// with it).
//
// The score is 0–100, the integer part of 40 % duration + 20 % stages +
// 20 % consistency + 20 % interruptions, each pillar 0–100 and itself
// truncated to an integer:
//
//   - duration, of the time asleep (SleepDurationSeconds): 100 from 7 to
//     9 h; below 7 h a sigmoid 100·(1+e^(−1.5·(7−5)))/(1+e^(−1.5·(h−5)));
//     above 9 h 100·(1+e^(0.8·(9−11)))/(1+e^(0.8·(h−11))), at least 50;
//   - stages: half deep, half REM, each linear up to 90 minutes;
//   - consistency: tonight's bedtime (local time, hours past noon) against
//     the median of the bedtimes of the user's main sessions that started
//     in the 14 days before; 15 minutes of grace, then 100 points lost over
//     105 minutes late, or at most 20 points over 105 minutes early; 0
//     when there is no earlier session (as Open Wearables does);
//   - interruptions: 80 points for wake after sleep onset (the awake and
//     in-bed intervals between the first and the last interval of sleep,
//     else the session's awake minutes), minus 80 points over the 70
//     minutes past a 20-minute grace; plus 20 × (1, 1, 0.75, 0.5, 0) by
//     the number of awakenings longer than 5 minutes (0, 1, 2, 3, 4 or
//     more).
//
// The components are the four pillars. The score is dated by the local
// day the session ends (the sleep day), recorded at its end, and its id is
// one per session (SummaryID over the session id), so a session that
// changes updates its score and a deleted session deletes it. The
// bedtimes come from the processor's record state: a score's state entry
// is of kind sleep_score and keeps the session's span and offset. A night
// that arrives after a later one does not change the later one's score
// until that night is sent again.

import (
	"math"
	"slices"
	"time"
	"unique"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// ProviderInternal is the provider of the scores wearstream computes.
const ProviderInternal = "internal"

// internalSource is the source of the internal scores.
var internalSource = schemas.Source{Provider: ProviderInternal, ID: ProviderInternal, Name: "Open Wearables sleep score"}

// The defaults of Open Wearables' SleepScoreConfig.
const (
	optimalMinHours    = 7.0
	optimalMaxHours    = 9.0
	undersleepK        = 1.5
	undersleepMidpoint = 5.0
	oversleepK         = 0.8
	oversleepMidpoint  = 11.0

	deepTargetMinutes = 90.0
	remTargetMinutes  = 90.0
	deepWeight        = 0.5
	remWeight         = 0.5

	consistencyGraceMinutes  = 15.0
	lateWindowMinutes        = 105.0
	earlyWindowMinutes       = 105.0
	maxEarlyPenalty          = 20.0
	consistencyWindow        = 14 * 24 * time.Hour
	wasoPoints               = 80.0
	frequencyPoints          = 20.0
	interruptionGraceMinutes = 20.0
	interruptionWindow       = 70.0
	significantWakeMinutes   = 5.0

	durationImpact      = 0.40
	stagesImpact        = 0.20
	consistencyImpact   = 0.20
	interruptionsImpact = 0.20
)

// frequencyFractions are the share of the frequency points kept by the
// number of significant awakenings.
var frequencyFractions = [...]float64{1.0, 1.0, 0.75, 0.5, 0.0}

// bedtime is the start of an earlier main session and its offset.
type bedtime struct {
	start time.Time
	zone  int32
}

// sleepScore is the breakdown of one session's score.
type sleepScore struct {
	overall, duration, stages, consistency, interruptions int
}

// scoreSleep computes a session's score against the bedtimes of earlier
// sessions; false when the session has no time asleep or more than 24 h.
func scoreSleep(s schemas.Sleep, history []bedtime) (sleepScore, bool) {
	asleep := s.SleepDurationSeconds / 60
	if !(asleep > 0) || asleep > 24*60 {
		return sleepScore{}, false
	}
	var deep, rem float64
	if s.Stages != nil {
		deep, rem = s.Stages.DeepMinutes, s.Stages.RemMinutes
	}
	awake, awakenings := wakeAfterOnset(s)
	sc := sleepScore{
		duration:      durationScore(asleep / 60),
		stages:        stagesScore(deep, rem),
		consistency:   consistencyScore(history, bedtime{s.StartTime, s.ZoneOffset}),
		interruptions: interruptionsScore(awake, awakenings),
	}
	// Explicit conversions round each product, so no fused multiply-add
	// makes the sum differ from Open Wearables' in the last bit.
	fraction := float64(float64(sc.duration)/100*durationImpact) + float64(float64(sc.stages)/100*stagesImpact) +
		float64(float64(sc.consistency)/100*consistencyImpact) + float64(float64(sc.interruptions)/100*interruptionsImpact)
	sc.overall = clamp(int(100 * fraction))
	return sc, true
}

// sigmoid is Open Wearables' score_sigmoid: base at anchor, falling (k > 0)
// or rising (k < 0) around midpoint.
func sigmoid(x, k, base, midpoint, anchor float64) float64 {
	return base * (1 + math.Exp(k*(anchor-midpoint))) / (1 + math.Exp(k*(x-midpoint)))
}

func durationScore(hours float64) int {
	switch {
	case hours >= optimalMinHours && hours <= optimalMaxHours:
		return 100
	case hours < optimalMinHours:
		return clamp(int(sigmoid(hours, -undersleepK, 100, undersleepMidpoint, optimalMinHours)))
	}
	return max(50, min(100, int(sigmoid(hours, oversleepK, 100, oversleepMidpoint, optimalMaxHours))))
}

func stageScore(minutes, target float64) int {
	switch {
	case minutes >= target:
		return 100
	case minutes <= 0:
		return 0
	}
	return int(minutes / target * 100)
}

func stagesScore(deep, rem float64) int {
	total := float64(float64(stageScore(deep, deepTargetMinutes))*deepWeight) + float64(float64(stageScore(rem, remTargetMinutes))*remWeight)
	return clamp(int(total))
}

// hoursPastNoon is the local time of day of t as hours from noon, so that
// bedtimes on both sides of midnight compare.
func hoursPastNoon(b bedtime) float64 {
	local := b.start.Add(time.Duration(b.zone) * time.Minute).UTC()
	h := float64(local.Hour()) + float64(local.Minute())/60 + float64(local.Second())/3600
	if h < 12 {
		h += 24
	}
	return h - 12
}

func consistencyScore(history []bedtime, tonight bedtime) int {
	if len(history) == 0 {
		return 0
	}
	hours := make([]float64, len(history))
	for i, b := range history {
		hours[i] = hoursPastNoon(b)
	}
	slices.Sort(hours)
	median := hours[len(hours)/2]
	if len(hours)%2 == 0 {
		median = (hours[len(hours)/2-1] + hours[len(hours)/2]) / 2
	}
	diff := (hoursPastNoon(tonight) - median) * 60
	penalty := 0.0
	switch {
	case diff > consistencyGraceMinutes:
		penalty = (diff - consistencyGraceMinutes) / lateWindowMinutes * 100
	case diff < -consistencyGraceMinutes:
		penalty = min(maxEarlyPenalty, (-diff-consistencyGraceMinutes)/earlyWindowMinutes*100)
	}
	return max(0, int(100-penalty))
}

// wakeAfterOnset returns the minutes awake between the first and the last
// interval of sleep and the length of each awake interval there; without
// intervals, the session's awake minutes and no awakenings.
func wakeAfterOnset(s schemas.Sleep) (float64, []float64) {
	if len(s.Intervals) == 0 {
		if s.Stages != nil {
			return s.Stages.AwakeMinutes, nil
		}
		return 0, nil
	}
	ivs := slices.Clone(s.Intervals)
	slices.SortStableFunc(ivs, func(a, b schemas.SleepInterval) int { return a.Start.Compare(b.Start) })
	isAwake := func(iv schemas.SleepInterval) bool {
		return iv.Stage == schemas.StageAwake || iv.Stage == schemas.StageInBed
	}
	first := slices.IndexFunc(ivs, func(iv schemas.SleepInterval) bool { return !isAwake(iv) })
	if first < 0 {
		return 0, nil
	}
	last := len(ivs) - 1
	for isAwake(ivs[last]) {
		last--
	}
	var total float64
	var awakenings []float64
	for _, iv := range ivs[first : last+1] {
		if isAwake(iv) {
			m := iv.End.Sub(iv.Start).Minutes()
			total += m
			awakenings = append(awakenings, m)
		}
	}
	return total, awakenings
}

func interruptionsScore(awakeMinutes float64, awakenings []float64) int {
	duration := wasoPoints
	if awakeMinutes > interruptionGraceMinutes {
		penalty := (awakeMinutes - interruptionGraceMinutes) / interruptionWindow * wasoPoints
		duration = max(0, wasoPoints-penalty)
	}
	n := 0
	for _, d := range awakenings {
		if d > significantWakeMinutes {
			n++
		}
	}
	freq := frequencyPoints * frequencyFractions[min(n, len(frequencyFractions)-1)]
	return clamp(int(duration + freq))
}

func clamp(v int) int { return max(0, min(100, v)) }

// sleepScoreID is the id of the internal score of the session id.
func sleepScoreID(s schemas.Sleep) string {
	return schemas.SummaryID(s.Tenant, s.UserID, ProviderInternal, schemas.SummarySleep, s.ID)
}

// sleepScoreSummary is the Summary of a session's score.
func sleepScoreSummary(s schemas.Sleep, sc sleepScore) schemas.Summary {
	value := float64(sc.overall)
	comp := func(name string, v int) schemas.SummaryComponent {
		f := float64(v)
		return schemas.SummaryComponent{Name: name, Value: &f}
	}
	return schemas.Summary{
		ID: sleepScoreID(s), Tenant: s.Tenant, UserID: s.UserID, Source: internalSource, ProviderRecordID: s.ID,
		Category: schemas.SummarySleep, Date: s.EndTime.Add(time.Duration(s.ZoneOffset) * time.Minute).Format(time.DateOnly),
		RecordedAt: s.EndTime, ZoneOffset: s.ZoneOffset, Value: &value,
		Components: []schemas.SummaryComponent{comp("duration", sc.duration), comp("stages", sc.stages),
			comp("consistency", sc.consistency), comp("interruptions", sc.interruptions)},
		Version: s.Version, RawEventID: s.RawEventID, IngestedAt: s.IngestedAt,
	}
}

// SleepScores are the internal scores of the main sessions among sessions,
// without earlier bedtimes (so with consistency 0): what `wearstream
// normalize` shows. The processor scores against the user's history.
func SleepScores(sessions []schemas.Sleep) []schemas.Summary {
	var out []schemas.Summary
	for _, s := range sessions {
		if s.IsNap || s.Deleted {
			continue
		}
		if sc, ok := scoreSleep(s, nil); ok {
			out = append(out, sleepScoreSummary(s, sc))
		}
	}
	return out
}

// sleepScores returns the internal scores of a raw event's sessions, in
// the order of their starts: a score for each main session, scored against
// the bedtimes of the user's earlier main sessions (the scores in the
// record state, and the sessions of this event before it), and a delete
// for each deleted session, nap or unscorable session whose score was
// emitted before. Each score's span, the session's, goes into spans.
func (p *Processor) sleepScores(tp rawPartition, sessions []schemas.Sleep, spans *map[string]ingest.Span) ([]schemas.Summary, error) {
	if len(sessions) == 0 {
		return nil, nil
	}
	state, err := p.records.keys(tp)
	if err != nil {
		return nil, err
	}
	bedtimes := map[unique.Handle[owner]]map[string]bedtime{}
	for _, s := range sessions {
		bedtimes[unique.Make(owner{s.Tenant, s.UserID})] = map[string]bedtime{}
	}
	code := kindCodes[kindSleepScore]
	for id, t := range state {
		if m, ok := bedtimes[t.owner]; ok && t.kind == code && !t.deleted {
			m[id] = bedtime{time.UnixMilli(t.start).UTC(), int32(t.zone)}
		}
	}
	ordered := slices.Clone(sessions)
	slices.SortStableFunc(ordered, func(a, b schemas.Sleep) int { return a.StartTime.Compare(b.StartTime) })
	var out []schemas.Summary
	for _, s := range ordered {
		id := sleepScoreID(s)
		known := bedtimes[unique.Make(owner{s.Tenant, s.UserID})]
		sc, ok := sleepScore{}, false
		if !s.Deleted && !s.IsNap {
			var history []bedtime
			for other, b := range known {
				if other != id && b.start.Before(s.StartTime) && !b.start.Before(s.StartTime.Add(-consistencyWindow)) {
					history = append(history, b)
				}
			}
			sc, ok = scoreSleep(s, history)
		}
		if !ok {
			if t, tracked := state[id]; tracked && !t.deleted {
				out = append(out, schemas.Summary{
					ID: id, Tenant: s.Tenant, UserID: s.UserID, Source: internalSource, ProviderRecordID: s.ID,
					Category: schemas.SummarySleep, Deleted: true, Version: s.Version, RawEventID: s.RawEventID, IngestedAt: s.IngestedAt,
				})
			}
			delete(known, id)
			continue
		}
		out = append(out, sleepScoreSummary(s, sc))
		known[id] = bedtime{s.StartTime, s.ZoneOffset}
		if *spans == nil {
			*spans = map[string]ingest.Span{}
		}
		(*spans)[id] = ingest.Span{Start: s.StartTime, End: s.EndTime}
	}
	return out, nil
}
