package processors

import (
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// local is the instant of a local wall-clock time (RFC 3339 with offset)
// and its offset in minutes.
func local(s string) bedtime {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	_, off := t.Zone()
	return bedtime{t.UTC(), int32(off / 60)}
}

// TestScoreSleep checks exact scores and pillars, computed by hand from
// Open Wearables' formula (backend/app/algorithms/sleep.py, the defaults
// of config_algorithms.py).
func TestScoreSleep(t *testing.T) {
	// Bedtimes at 22:00, 22:15, 21:45, 22:00, 22:00: the median is 22:00.
	baseline := []bedtime{local("2026-01-08T22:00:00-05:00"), local("2026-01-09T22:15:00-05:00"),
		local("2026-01-10T21:45:00-05:00"), local("2026-01-11T22:00:00-05:00"), local("2026-01-12T22:00:00-05:00")}
	minutes := func(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }
	// awake lists the awake intervals between sleep: the WASO and the
	// awakenings.
	f := func(name, bed string, asleep, deep, rem float64, awake []float64, history []bedtime, want sleepScore) {
		t.Helper()
		b := local(bed)
		s := schemas.Sleep{StartTime: b.start, ZoneOffset: b.zone, SleepDurationSeconds: asleep * 60,
			Stages: &schemas.SleepStages{DeepMinutes: deep, RemMinutes: rem}}
		at := b.start
		for _, a := range awake {
			s.Intervals = append(s.Intervals,
				schemas.SleepInterval{Stage: schemas.StageLight, Start: at, End: at.Add(time.Hour)},
				schemas.SleepInterval{Stage: schemas.StageAwake, Start: at.Add(time.Hour), End: at.Add(time.Hour + minutes(a))})
			at = at.Add(time.Hour + minutes(a))
		}
		if len(awake) > 0 {
			s.Intervals = append(s.Intervals, schemas.SleepInterval{Stage: schemas.StageDeep, Start: at, End: at.Add(time.Hour)})
		}
		got, ok := scoreSleep(s, history)
		if !ok || got != want {
			t.Errorf("%s: got %+v (%v), want %+v", name, got, ok, want)
		}
	}
	f("8 h, full stages, on time, little waking", "2026-01-13T22:00:00-05:00", 480, 110, 105, []float64{2, 5, 3}, baseline,
		sleepScore{overall: 100, duration: 100, stages: 100, consistency: 100, interruptions: 100})
	// 5.5 h: 100·(1+e^−3)/(1+e^−0.75) = 71.3; stages (50+33)/2; 100 min
	// late: 100 − 85/105·100 = 19.05; WASO 45: 80 − 25/70·80 = 51.4, and
	// 4 awakenings over 5 min add nothing.
	f("short, late and restless", "2026-01-13T23:40:00-05:00", 330, 45, 30, []float64{10, 15, 8, 12}, baseline,
		sleepScore{overall: 50, duration: 71, stages: 41, consistency: 19, interruptions: 51})
	// 10.5 h: 100·(1+e^−1.6)/(1+e^−0.4) = 71.96; 2 h early costs at most 20.
	f("oversleep, early", "2026-01-13T20:00:00-05:00", 630, 95, 60, nil, baseline,
		sleepScore{overall: 81, duration: 71, stages: 83, consistency: 80, interruptions: 100})
	// 13 h falls to the floor of 50; 30 min late: 100 − 15/105·100 = 85.7;
	// WASO 18 (under the grace) with 3 awakenings over 5 min: 80 + 10.
	f("long, a little late", "2026-01-13T22:30:00-05:00", 780, 100, 100, []float64{6, 6, 6}, baseline,
		sleepScore{overall: 75, duration: 50, stages: 100, consistency: 85, interruptions: 90})
	f("no earlier night: consistency 0", "2026-01-13T22:00:00-05:00", 480, 110, 105, []float64{2, 5, 3}, nil,
		sleepScore{overall: 80, duration: 100, stages: 100, consistency: 0, interruptions: 100})
	// Bedtimes are local: 23:30 at +01:00 is 23:30, not 17:30; the median of
	// 23:00, 23:30 and 00:30 is 23:30, and 23:15 is within the grace.
	f("travel", "2026-01-13T23:15:00-05:00", 400, 60, 75, []float64{8, 3},
		[]bedtime{local("2026-01-10T23:00:00-05:00"), local("2026-01-11T23:30:00+01:00"), local("2026-01-12T00:30:00-05:00")},
		sleepScore{overall: 93, duration: 97, stages: 74, consistency: 100, interruptions: 100})
}

// TestWakeAfterOnset checks that awake time before the first and after the
// last sleep interval is not counted, and that each awake interval is an
// awakening.
func TestWakeAfterOnset(t *testing.T) {
	t0 := time.Date(2026, 1, 13, 3, 0, 0, 0, time.UTC)
	iv := func(stage string, from, to int) schemas.SleepInterval {
		return schemas.SleepInterval{Stage: stage, Start: t0.Add(time.Duration(from) * time.Minute), End: t0.Add(time.Duration(to) * time.Minute)}
	}
	s := schemas.Sleep{Intervals: []schemas.SleepInterval{
		iv(schemas.StageInBed, 0, 10), iv(schemas.StageLight, 10, 100), iv(schemas.StageAwake, 100, 108),
		iv(schemas.StageDeep, 108, 200), iv(schemas.StageInBed, 200, 203), iv(schemas.StageREM, 203, 300),
		iv(schemas.StageAwake, 300, 320),
	}}
	total, awakenings := wakeAfterOnset(s)
	if total != 11 || len(awakenings) != 2 || awakenings[0] != 8 || awakenings[1] != 3 {
		t.Errorf("WASO %v, awakenings %v; want 11 and [8 3]", total, awakenings)
	}
	s = schemas.Sleep{Stages: &schemas.SleepStages{AwakeMinutes: 25}}
	if total, awakenings := wakeAfterOnset(s); total != 25 || awakenings != nil {
		t.Errorf("without intervals: WASO %v, awakenings %v; want the awake minutes, 25, and none", total, awakenings)
	}
}

// TestScoreSleepRefuses checks that a session with no time asleep or more
// than 24 h asleep gets no score.
func TestScoreSleepRefuses(t *testing.T) {
	for _, asleep := range []float64{0, -60, 24*3600 + 1} {
		if _, ok := scoreSleep(schemas.Sleep{SleepDurationSeconds: asleep}, nil); ok {
			t.Errorf("%v s asleep scored", asleep)
		}
	}
}
