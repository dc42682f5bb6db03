package whoop

// WHOOP's documents: workouts, sleep, recovery and cycles.
//
//   - workout: start and end, timezone_offset, sport_name; when SCORED,
//     average and max heart rate, kilojoule (→ kcal), distance_meter and
//     altitude_gain_meter.
//   - sleep: start and end, nap; when SCORED, the stage summary in
//     milliseconds (in bed, awake, light, slow wave = deep, REM),
//     sleep_efficiency_percentage and respiratory_rate.
//   - recovery: when SCORED, resting_heart_rate, hrv_rmssd_milli (RMSSD in
//     ms), spo2_percentage and skin_temp_celsius at created_at.
//   - cycle: when SCORED, kilojoule as the energy of the cycle at its start.
//
// Recovery and cycle scores also become summaries (score.go).

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type workoutDoc struct {
	ID             ingest.Text `json:"id"`
	Start          ingest.Text `json:"start"`
	End            ingest.Text `json:"end"`
	TimezoneOffset ingest.Text `json:"timezone_offset"`
	SportName      ingest.Text `json:"sport_name"`
	ScoreState     ingest.Text `json:"score_state"`
	Score          *struct {
		AverageHeartRate  ingest.Number `json:"average_heart_rate"`
		MaxHeartRate      ingest.Number `json:"max_heart_rate"`
		Kilojoule         ingest.Number `json:"kilojoule"`
		DistanceMeter     ingest.Number `json:"distance_meter"`
		AltitudeGainMeter ingest.Number `json:"altitude_gain_meter"`
	} `json:"score"`
}

var workoutFields = ingest.SetOf("id", "v1_id", "user_id", "created_at", "updated_at", "start", "end",
	"timezone_offset", "sport_name", "score_state", "score", "sport_id")

func (n *normalizer) workout(raw []byte, keys map[string]json.RawMessage) error {
	var w workoutDoc
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("cannot decode whoop workout: %w", err)
	}
	start, ok1 := parseTime(string(w.Start))
	end, ok2 := parseTime(string(w.End))
	switch {
	case !ok1 || !ok2:
		return fmt.Errorf("cannot normalise whoop workout: start %q or end %q is not an ISO-8601 time", ingest.Truncate(string(w.Start), 40), ingest.Truncate(string(w.End), 40))
	case end.Before(start):
		return fmt.Errorf("cannot normalise whoop workout: it ends before it starts")
	case string(w.ID) == "":
		return fmt.Errorf("cannot normalise whoop workout: id is missing")
	}
	n.Out.SkipUnknown(kindWorkout, keys, workoutFields)
	unified := WorkoutType(string(w.SportName))
	if unified == workoutOther && string(w.SportName) != "" {
		n.Out.Skip("unknown workout sport " + ingest.Truncate(string(w.SportName), 40))
	}
	dur := end.Sub(start).Seconds()
	wo := schemas.Workout{
		ID: n.recordID(kindWorkout, string(w.ID)), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: bandSource,
		ProviderRecordID: string(w.ID), Type: unified, StartTime: start, EndTime: end,
		ZoneOffset: n.zoneOf(kindWorkout, string(w.TimezoneOffset)), DurationSeconds: dur,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	}
	if strings.EqualFold(string(w.ScoreState), scored) && w.Score != nil {
		sc := w.Score
		wo.AvgHeartRateBPM = n.positive("workout field score.average_heart_rate", sc.AverageHeartRate)
		wo.MaxHeartRateBPM = n.positive("workout field score.max_heart_rate", sc.MaxHeartRate)
		if n.positive("workout field score.kilojoule", sc.Kilojoule) != nil {
			kcal := ingest.Tidy(sc.Kilojoule.Value / kJPerKcal)
			wo.CaloriesKcal = &kcal
		}
		wo.DistanceMeters = n.positive("workout field score.distance_meter", sc.DistanceMeter)
		wo.ElevationGainMeters = n.positive("workout field score.altitude_gain_meter", sc.AltitudeGainMeter)
	}
	if schemas.ReportsPace(unified) && wo.DistanceMeters != nil && *wo.DistanceMeters > 0 && dur > 0 {
		p := ingest.Tidy(dur / (*wo.DistanceMeters / 1000))
		wo.AvgPaceSecPerKm = &p
	}
	n.Out.Workouts = append(n.Out.Workouts, wo)
	return nil
}

type sleepDoc struct {
	ID             ingest.Text `json:"id"`
	Start          ingest.Text `json:"start"`
	End            ingest.Text `json:"end"`
	TimezoneOffset ingest.Text `json:"timezone_offset"`
	Nap            bool        `json:"nap"`
	ScoreState     ingest.Text `json:"score_state"`
	Score          *struct {
		StageSummary *struct {
			InBed     ingest.Number `json:"total_in_bed_time_milli"`
			Awake     ingest.Number `json:"total_awake_time_milli"`
			Light     ingest.Number `json:"total_light_sleep_time_milli"`
			SlowWave  ingest.Number `json:"total_slow_wave_sleep_time_milli"`
			REM       ingest.Number `json:"total_rem_sleep_time_milli"`
			NoDataRaw ingest.Number `json:"total_no_data_time_milli"`
		} `json:"stage_summary"`
		RespiratoryRate ingest.Number `json:"respiratory_rate"`
		Efficiency      ingest.Number `json:"sleep_efficiency_percentage"`
	} `json:"score"`
}

// sleepSamples are the series of the samples a sleep adds (the respiratory
// rate at its end, in sleep below): its delete removes them over the
// sleep, whose end the span includes.
var sleepSamples = []ingest.SampleGroup{
	{SourceID: dailySource.ID, Series: []string{"respiratory_rate"}},
}

var sleepFields = ingest.SetOf("id", "cycle_id", "v1_id", "user_id", "created_at", "updated_at", "start", "end",
	"timezone_offset", "nap", "score_state", "score")

func (n *normalizer) sleep(raw []byte, keys map[string]json.RawMessage) error {
	var s sleepDoc
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("cannot decode whoop sleep: %w", err)
	}
	start, ok1 := parseTime(string(s.Start))
	end, ok2 := parseTime(string(s.End))
	switch {
	case !ok1 || !ok2:
		return fmt.Errorf("cannot normalise whoop sleep: start %q or end %q is not an ISO-8601 time", ingest.Truncate(string(s.Start), 40), ingest.Truncate(string(s.End), 40))
	case !end.After(start) || end.Sub(start).Hours() > 48:
		return fmt.Errorf("cannot normalise whoop sleep: it ends before it starts or lasts over two days")
	case string(s.ID) == "":
		return fmt.Errorf("cannot normalise whoop sleep: id is missing")
	}
	n.Out.SkipUnknown(kindSleep, keys, sleepFields)
	span := end.Sub(start).Seconds()
	zone := n.zoneOf(kindSleep, string(s.TimezoneOffset))
	rec := schemas.Sleep{
		ID: n.recordID(kindSleep, string(s.ID)), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: bandSource,
		ProviderRecordID: string(s.ID), StartTime: start, EndTime: end, ZoneOffset: zone,
		DurationSeconds: span, InBedSeconds: span, IsNap: s.Nap,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	}
	if strings.EqualFold(string(s.ScoreState), scored) && s.Score != nil {
		if st := s.Score.StageSummary; st != nil {
			ms := func(field string, x ingest.Number) float64 {
				if p := n.positive("sleep field score.stage_summary."+field, x); p != nil {
					return min(*p/1000, span)
				}
				return 0
			}
			if v := ms("total_in_bed_time_milli", st.InBed); v > 0 {
				rec.InBedSeconds = v
			}
			stages := schemas.SleepStages{
				AwakeMinutes: ingest.Tidy(ms("total_awake_time_milli", st.Awake) / 60),
				LightMinutes: ingest.Tidy(ms("total_light_sleep_time_milli", st.Light) / 60),
				DeepMinutes:  ingest.Tidy(ms("total_slow_wave_sleep_time_milli", st.SlowWave) / 60),
				RemMinutes:   ingest.Tidy(ms("total_rem_sleep_time_milli", st.REM) / 60),
			}
			// Rounding may lift the sum above an in-bed time with more than
			// nine decimals (total_in_bed_time_milli 1000.0000006 is
			// 1.0000000006 s, rounded to 1.000000001): keep it within.
			rec.SleepDurationSeconds = min(ingest.Tidy(min((stages.LightMinutes+stages.DeepMinutes+stages.RemMinutes)*60, rec.InBedSeconds)), rec.InBedSeconds)
			if stages != (schemas.SleepStages{}) {
				rec.Stages = &stages
			}
		}
		if e := s.Score.Efficiency; e.Set && e.Value >= 0 && e.Value <= 100 {
			v := ingest.Tidy(e.Value)
			rec.EfficiencyPercent = &v
		} else if e.Set || e.Bad {
			n.Out.Skip("invalid sleep field score.sleep_efficiency_percentage")
		}
		if p := n.positive("sleep field score.respiratory_rate", s.Score.RespiratoryRate); p != nil && *p > 0 {
			n.addSample(dailySource, "respiratory_rate", end, *p, zone, false)
		}
	}
	n.Out.Sleep = append(n.Out.Sleep, rec)
	return nil
}

type recoveryDoc struct {
	CycleID    ingest.Text `json:"cycle_id"`
	SleepID    ingest.Text `json:"sleep_id"`
	CreatedAt  ingest.Text `json:"created_at"`
	ScoreState ingest.Text `json:"score_state"`
	Score      *struct {
		UserCalibrating  bool          `json:"user_calibrating"`
		RecoveryScore    ingest.Number `json:"recovery_score"`
		RestingHeartRate ingest.Number `json:"resting_heart_rate"`
		HRVRMSSDMilli    ingest.Number `json:"hrv_rmssd_milli"`
		SpO2Percentage   ingest.Number `json:"spo2_percentage"`
		SkinTempCelsius  ingest.Number `json:"skin_temp_celsius"`
	} `json:"score"`
}

// recoverySamples are the series of the samples a recovery adds at its
// created_at (recovery below), the time of its Summary: its delete removes
// them.
var recoverySamples = []ingest.SampleGroup{
	{SourceID: dailySource.ID, Series: []string{"resting_heart_rate", "heart_rate_variability_rmssd", "oxygen_saturation", "skin_temperature"}},
}

var recoveryFields = ingest.SetOf("cycle_id", "sleep_id", "user_id", "created_at", "updated_at", "score_state", "score")

func (n *normalizer) recovery(raw []byte, keys map[string]json.RawMessage) error {
	var r recoveryDoc
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("cannot decode whoop recovery: %w", err)
	}
	at, ok := parseTime(string(r.CreatedAt))
	if !ok {
		return fmt.Errorf("cannot normalise whoop recovery: created_at %q is not an ISO-8601 time", ingest.Truncate(string(r.CreatedAt), 40))
	}
	n.Out.SkipUnknown("recovery", keys, recoveryFields)
	if !strings.EqualFold(string(r.ScoreState), scored) || r.Score == nil {
		n.Out.Skip("recovery not scored")
		return nil
	}
	key, qualifier := string(r.SleepID), ""
	if key == "" {
		key = "cycle/" + string(r.CycleID)
	}
	if r.Score.UserCalibrating {
		qualifier = "calibrating"
	}
	n.summary("recovery", schemas.SummaryRecovery, key, r.Score.RecoveryScore, 100, at, 0, qualifier, []component{
		{"resting_heart_rate", r.Score.RestingHeartRate}, {"hrv_rmssd_milli", r.Score.HRVRMSSDMilli},
		{"spo2_percentage", r.Score.SpO2Percentage}, {"skin_temp_celsius", r.Score.SkinTempCelsius},
	})
	for _, v := range []struct {
		field, series string
		x             ingest.Number
		max           float64
	}{
		{"resting_heart_rate", "resting_heart_rate", r.Score.RestingHeartRate, 300},
		{"hrv_rmssd_milli", "heart_rate_variability_rmssd", r.Score.HRVRMSSDMilli, 1000},
		{"spo2_percentage", "oxygen_saturation", r.Score.SpO2Percentage, 100},
		{"skin_temp_celsius", "skin_temperature", r.Score.SkinTempCelsius, 50},
	} {
		switch x := v.x; {
		case x.Bad || (x.Set && (x.Value <= 0 || x.Value > v.max)):
			n.Out.Skip("invalid recovery field score." + v.field)
		case x.Set:
			n.addSample(dailySource, v.series, at, x.Value, 0, false)
		}
	}
	return nil
}

type cycleDoc struct {
	ID             ingest.Text `json:"id"`
	Start          ingest.Text `json:"start"`
	TimezoneOffset ingest.Text `json:"timezone_offset"`
	ScoreState     ingest.Text `json:"score_state"`
	Score          *struct {
		Strain           ingest.Number `json:"strain"`
		Kilojoule        ingest.Number `json:"kilojoule"`
		AverageHeartRate ingest.Number `json:"average_heart_rate"`
		MaxHeartRate     ingest.Number `json:"max_heart_rate"`
	} `json:"score"`
}

var cycleFields = ingest.SetOf("id", "user_id", "created_at", "updated_at", "start", "end", "timezone_offset", "score_state", "score")

func (n *normalizer) cycle(raw []byte, keys map[string]json.RawMessage) error {
	var c cycleDoc
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("cannot decode whoop cycle: %w", err)
	}
	start, ok := parseTime(string(c.Start))
	if !ok {
		return fmt.Errorf("cannot normalise whoop cycle: start %q is not an ISO-8601 time", ingest.Truncate(string(c.Start), 40))
	}
	n.Out.SkipUnknown("cycle", keys, cycleFields)
	if !strings.EqualFold(string(c.ScoreState), scored) || c.Score == nil {
		n.Out.Skip("cycle not scored")
		return nil
	}
	zone := n.zoneOf("cycle", string(c.TimezoneOffset))
	n.summary("cycle", schemas.SummaryStrain, string(c.ID), c.Score.Strain, 21, start, zone, "", []component{
		{"kilojoule", c.Score.Kilojoule}, {"average_heart_rate", c.Score.AverageHeartRate},
		{"max_heart_rate", c.Score.MaxHeartRate},
	})
	if n.positive("cycle field score.kilojoule", c.Score.Kilojoule) != nil {
		n.addSample(dailySource, "energy", start, c.Score.Kilojoule.Value/kJPerKcal, zone, true)
	}
	return nil
}
