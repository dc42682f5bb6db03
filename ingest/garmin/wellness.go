package garmin

// The wellness summaries: dailies, epochs, HRV, stress, pulse ox,
// respiration, body composition, blood pressure, user metrics, skin
// temperature and health snapshots. Each becomes samples; see the package
// comment for which source and is_daily_total each value gets.

import (
	"encoding/json"
	"strings"
	"time"
)

// daily turns a daily summary into the day's totals and averages at the
// day's start (local midnight) and its intraday maps into samples.
//
// Intensity minutes: Garmin's moderate and vigorous durations become
// exercise_time, their sum in minutes (the minutes of at least moderate
// intensity, as Apple's exercise time counts them), without the double
// weight Garmin's intensity-minute goal gives vigorous minutes.
func (n *normalizer) daily(raw json.RawMessage) {
	var d dailySummary
	if !n.decode(raw, &d) {
		return
	}
	start, zone, ok := startOf(&d.common)
	if !ok {
		n.invalidItem()
		return
	}
	total := func(series string, v *float64, divisor float64) {
		if v != nil {
			n.add(dailySource, series, start, *v/divisor, zone, true)
		}
	}
	total("steps", d.Steps, 1)
	total("energy", d.ActiveKcal, 1)
	total("basal_energy", d.BMRKcal, 1)
	total("distance_walking_running", d.Distance, 1)
	total("flights_climbed", d.FloorsClimbed, 1)
	total("active_time", d.ActiveTime, 60)
	total("exercise_time", sumOf(d.ModerateIntensity, d.VigorousIntensity), 60)
	total("push_count", d.Pushes, 1)
	total("distance_other", d.PushDistance, 1)
	total("resting_heart_rate", d.RestingHeartRate, 1)
	total("garmin_stress_level", d.AverageStress, 1)

	n.addOffsets(wellnessSource, "heart_rate", start, zone, d.HeartRate)
	n.addOffsets(wellnessSource, "garmin_stress_level", start, zone, d.Stress)
	n.addOffsets(wellnessSource, "garmin_body_battery", start, zone, d.BodyBattery)
	n.dailyScores(&d, start, zone)
}

// epochWindow is the sum of the epoch items of one 15-minute window: Garmin
// sends one item per activity type in the window (the summary id ends in
// the type's code), so their counts add up.
type epochWindow struct {
	start time.Time
	zone  int32
	sums  [len(epochSeries)]float64
	has   [len(epochSeries)]bool
}

// epochKey identifies an epoch window within a body.
type epochKey struct {
	user  string
	start int64
}

// epochSeries are the series of an epoch, in the order of epochValues.
var epochSeries = [...]string{"steps", "energy", "distance_walking_running", "active_time", "push_count", "distance_other"}

// epochValues are an epoch's values in the order of epochSeries, in the
// series' units.
func epochValues(e *epochSummary) [len(epochSeries)]*float64 {
	var activeMinutes *float64
	if e.ActiveTime != nil {
		m := *e.ActiveTime / 60
		activeMinutes = &m
	}
	return [...]*float64{e.Steps, e.ActiveKcal, e.Distance, activeMinutes, e.Pushes, e.PushDistance}
}

// epoch adds an epoch item to its window; finishEpochs turns the windows
// into samples at each window's start. Epochs' mean heart rate is not kept:
// it would share its timestamps with the dailies' heart-rate samples.
func (n *normalizer) epoch(raw json.RawMessage) {
	var e epochSummary
	if !n.decode(raw, &e) {
		return
	}
	start, zone, ok := startOf(&e.common)
	if !ok {
		n.invalidItem()
		return
	}
	k := epochKey{user: e.UserID, start: start.UnixNano()}
	i, seen := n.epochIndex[k]
	if !seen {
		if n.epochIndex == nil {
			n.epochIndex = map[epochKey]int{}
		}
		i = len(n.epochs)
		n.epochIndex[k] = i
		n.epochs = append(n.epochs, epochWindow{start: start, zone: zone})
	}
	w := &n.epochs[i]
	for i, v := range epochValues(&e) {
		if v == nil {
			continue
		}
		if reason, ok := accept(epochSeries[i], *v); !ok {
			n.out.Skip(reason)
			continue
		}
		w.sums[i] += *v
		w.has[i] = true
	}
}

func (n *normalizer) finishEpochs() {
	for _, w := range n.epochs {
		for i, series := range epochSeries {
			if w.has[i] {
				n.add(wellnessSource, series, w.start, w.sums[i], w.zone, false)
			}
		}
	}
}

// hrv turns an HRV summary into the night's average (a daily value at the
// summary's start) and the five-minute values.
func (n *normalizer) hrv(raw json.RawMessage) {
	var h hrvSummary
	if !n.decode(raw, &h) {
		return
	}
	start, zone, ok := startOf(&h.common)
	if !ok {
		n.invalidItem()
		return
	}
	if h.LastNightAvg != nil {
		n.add(dailySource, "heart_rate_variability_rmssd", start, *h.LastNightAvg, zone, true)
	}
	n.addOffsets(wellnessSource, "heart_rate_variability_rmssd", start, zone, h.Values)
}

// stress turns stress details into stress level and body battery samples;
// the no-value markers are counted, not kept (see accept).
func (n *normalizer) stress(raw json.RawMessage) {
	var s stressDetails
	if !n.decode(raw, &s) {
		return
	}
	start, zone, ok := startOf(&s.common)
	if !ok {
		n.invalidItem()
		return
	}
	n.addOffsets(wellnessSource, "garmin_stress_level", start, zone, s.Stress)
	n.addOffsets(wellnessSource, "garmin_body_battery", start, zone, s.BodyBattery)
}

// pulseOx turns a pulse ox summary into oxygen saturation samples (percent).
func (n *normalizer) pulseOx(raw json.RawMessage) {
	var p pulseOx
	if !n.decode(raw, &p) {
		return
	}
	start, zone, ok := startOf(&p.common)
	if !ok {
		n.invalidItem()
		return
	}
	n.addOffsets(wellnessSource, "oxygen_saturation", start, zone, p.SpO2)
}

// respiration turns an all-day respiration summary into respiratory rate
// samples (breaths per minute).
func (n *normalizer) respiration(raw json.RawMessage) {
	var r respiration
	if !n.decode(raw, &r) {
		return
	}
	start, zone, ok := startOf(&r.common)
	if !ok {
		n.invalidItem()
		return
	}
	n.addOffsets(wellnessSource, "respiratory_rate", start, zone, r.Breaths)
}

// measuredAt returns the time and zone offset of a body composition or
// blood pressure reading.
func measuredAt(m *measurement) (time.Time, int32, bool) {
	at, ok := instant(m.MeasurementTime)
	if !ok {
		return time.Time{}, 0, false
	}
	zone, ok := zoneMinutes(m.MeasurementZone)
	return at, zone, ok
}

// bodyComp turns a body composition reading into weight and muscle mass
// (grams to kg), body fat percentage and body mass index.
func (n *normalizer) bodyComp(raw json.RawMessage) {
	var b bodyComp
	if !n.decode(raw, &b) {
		return
	}
	at, zone, ok := measuredAt(&b.measurement)
	if !ok {
		n.invalidItem()
		return
	}
	value := func(series string, v *float64, divisor float64) {
		if v != nil {
			n.add(wellnessSource, series, at, *v/divisor, zone, false)
		}
	}
	value("weight", b.WeightGrams, 1000)
	value("body_fat_percentage", b.BodyFatPercent, 1)
	value("body_mass_index", b.BodyMassIndex, 1)
	value("skeletal_muscle_mass", b.MuscleMassGrams, 1000)
}

// bloodPressure turns a blood pressure reading into systolic and diastolic
// samples (mmHg). The reading's pulse is not kept: as a heart_rate sample
// it could replace the watch's heart rate at the same second.
func (n *normalizer) bloodPressure(raw json.RawMessage) {
	var b bloodPressure
	if !n.decode(raw, &b) {
		return
	}
	at, zone, ok := measuredAt(&b.measurement)
	if !ok {
		n.invalidItem()
		return
	}
	if b.Systolic != nil {
		n.add(wellnessSource, "blood_pressure_systolic", at, *b.Systolic, zone, false)
	}
	if b.Diastolic != nil {
		n.add(wellnessSource, "blood_pressure_diastolic", at, *b.Diastolic, zone, false)
	}
}

// dayOf returns when a per-day summary applies: its start when it has one,
// else its calendar date at 00:00 with offset 0, so that the local day is
// the calendar date.
func dayOf(c *common) (time.Time, int32, bool) {
	if c.StartTime != nil {
		return startOf(c)
	}
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(c.CalendarDate))
	if err != nil || day.Year() < 1970 || day.Year() >= 2200 {
		return time.Time{}, 0, false
	}
	return day, 0, true
}

// userMetrics turns the day's fitness estimates into daily VO2 max
// (ml/kg/min) and fitness age (years).
func (n *normalizer) userMetrics(raw json.RawMessage) {
	var u userMetrics
	if !n.decode(raw, &u) {
		return
	}
	at, zone, ok := dayOf(&u.common)
	if !ok {
		n.invalidItem()
		return
	}
	if u.VO2Max != nil {
		n.add(dailySource, "vo2_max", at, *u.VO2Max, zone, true)
	}
	if u.FitnessAge != nil {
		n.add(dailySource, "garmin_fitness_age", at, *u.FitnessAge, zone, true)
	}
}

// skinTemp turns the night's average skin temperature deviation from the
// user's baseline (°C) into a daily value at the summary's start.
func (n *normalizer) skinTemp(raw json.RawMessage) {
	var s skinTemp
	if !n.decode(raw, &s) {
		return
	}
	at, zone, ok := dayOf(&s.common)
	if !ok {
		n.invalidItem()
		return
	}
	if s.AvgDeviation != nil {
		n.add(dailySource, "skin_temperature_deviation", at, *s.AvgDeviation, zone, true)
	}
}

// snapshotSeries maps a health snapshot's summaryType to a series type.
// SDRR is the standard deviation of beat-to-beat intervals, which is SDNN.
var snapshotSeries = map[string]string{
	"heart_rate":  "heart_rate",
	"stress":      "garmin_stress_level",
	"spo2":        "oxygen_saturation",
	"pulse_ox":    "oxygen_saturation",
	"respiration": "respiratory_rate",
	"rmssd_hrv":   "heart_rate_variability_rmssd",
	"sdrr_hrv":    "heart_rate_variability_sdnn",
}

// healthSnapshot turns each measurement of a snapshot into its per-epoch
// values, or into its average at the snapshot's start when it has none.
func (n *normalizer) healthSnapshot(raw json.RawMessage) {
	var h healthSnapshot
	if !n.decode(raw, &h) {
		return
	}
	start, zone, ok := startOf(&h.common)
	if !ok {
		n.invalidItem()
		return
	}
	for _, s := range h.Summaries {
		series, ok := snapshotSeries[strings.ToLower(strings.TrimSpace(s.Type))]
		if !ok {
			n.out.Skip("unknown healthSnapshot summary type " + truncate(s.Type, 80))
			continue
		}
		switch {
		case len(s.Epochs.Points) > 0 || s.Epochs.Bad > 0:
			n.addOffsets(wellnessSource, series, start, zone, s.Epochs)
		case s.AvgValue != nil:
			n.add(wellnessSource, series, start, *s.AvgValue, zone, false)
		}
	}
}

// sumOf adds the values that are present; nil when none is.
func sumOf(values ...*float64) *float64 {
	var sum float64
	found := false
	for _, v := range values {
		if v != nil {
			sum += *v
			found = true
		}
	}
	if !found {
		return nil
	}
	return &sum
}
