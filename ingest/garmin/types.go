package garmin

// The shapes of Garmin's push items (providers.md §1). Field names follow
// Garmin's JSON; numbers are *float64 so that "absent" and "zero" stay apart,
// and the time-offset maps are offsetSeries, which tolerate bad entries
// instead of failing the whole item.

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// common holds the fields every summary item can carry.
type common struct {
	UserID       string   `json:"userId"`
	SummaryID    string   `json:"summaryId"`
	CalendarDate string   `json:"calendarDate"`
	StartTime    *float64 `json:"startTimeInSeconds"`
	StartOffset  *float64 `json:"startTimeOffsetInSeconds"`
	Duration     *float64 `json:"durationInSeconds"`
	// CallbackURL is set on ping notifications, which carry no data.
	CallbackURL string `json:"callbackURL"`
}

// commonUnused are fields of every item that are understood but not kept.
// userAccessToken is the legacy OAuth 1.0a token; it is never read.
var commonUnused = []string{"userAccessToken", "uploadStartTimeInSeconds", "uploadEndTimeInSeconds"}

// dailySummary is an item of "dailies": one user's local day so far.
type dailySummary struct {
	common
	Steps             *float64 `json:"steps"`
	Pushes            *float64 `json:"pushes"`
	Distance          *float64 `json:"distanceInMeters"`
	PushDistance      *float64 `json:"pushDistanceInMeters"`
	ActiveTime        *float64 `json:"activeTimeInSeconds"`
	ActiveKcal        *float64 `json:"activeKilocalories"`
	BMRKcal           *float64 `json:"bmrKilocalories"`
	ModerateIntensity *float64 `json:"moderateIntensityDurationInSeconds"`
	VigorousIntensity *float64 `json:"vigorousIntensityDurationInSeconds"`
	FloorsClimbed     *float64 `json:"floorsClimbed"`
	RestingHeartRate  *float64 `json:"restingHeartRateInBeatsPerMinute"`
	AverageStress     *float64 `json:"averageStressLevel"`
	// The day's stress score and body battery (score.go).
	MaxStress            *float64     `json:"maxStressLevel"`
	StressDuration       *float64     `json:"stressDurationInSeconds"`
	RestStressDuration   *float64     `json:"restStressDurationInSeconds"`
	ActiveStressDuration *float64     `json:"activityStressDurationInSeconds"`
	LowStressDuration    *float64     `json:"lowStressDurationInSeconds"`
	MediumStressDuration *float64     `json:"mediumStressDurationInSeconds"`
	HighStressDuration   *float64     `json:"highStressDurationInSeconds"`
	StressQualifier      string       `json:"stressQualifier"`
	BodyBatteryHighest   *float64     `json:"bodyBatteryHighestValue"`
	BodyBatteryLowest    *float64     `json:"bodyBatteryLowestValue"`
	BodyBatteryCharged   *float64     `json:"bodyBatteryChargedValue"`
	BodyBatteryDrained   *float64     `json:"bodyBatteryDrainedValue"`
	HeartRate            offsetSeries `json:"timeOffsetHeartRateSamples"`
	Stress               offsetSeries `json:"timeOffsetStressLevelValues"`
	BodyBattery          offsetSeries `json:"timeOffsetBodyBatteryValues"`
}

var dailyUnused = []string{
	"activityType", "minHeartRateInBeatsPerMinute", "averageHeartRateInBeatsPerMinute",
	"maxHeartRateInBeatsPerMinute",
	"stepsGoal", "pushesGoal", "intensityDurationGoalInSeconds", "floorsClimbedGoal",
	"netKilocaloriesGoal", "consumedCalories", "source",
}

// epochSummary is an item of "epochs": one activity type's share of a
// 15-minute window.
type epochSummary struct {
	common
	Steps        *float64 `json:"steps"`
	Pushes       *float64 `json:"pushes"`
	Distance     *float64 `json:"distanceInMeters"`
	PushDistance *float64 `json:"pushDistanceInMeters"`
	ActiveTime   *float64 `json:"activeTimeInSeconds"`
	ActiveKcal   *float64 `json:"activeKilocalories"`
}

var epochUnused = []string{
	"activityType", "met", "intensity", "meanMotionIntensity", "maxMotionIntensity",
	"meanHeartRateInBeatsPerMinute", "maxHeartRateInBeatsPerMinute",
}

// sleepSummary is an item of "sleeps": one night, with the day's naps.
type sleepSummary struct {
	common
	DeepSeconds  *float64              `json:"deepSleepDurationInSeconds"`
	LightSeconds *float64              `json:"lightSleepDurationInSeconds"`
	RemSeconds   *float64              `json:"remSleepInSeconds"`
	AwakeSeconds *float64              `json:"awakeDurationInSeconds"`
	Levels       map[string][]timeSpan `json:"sleepLevelsMap"`
	SpO2         offsetSeries          `json:"timeOffsetSleepSpo2"`
	Respiration  offsetSeries          `json:"timeOffsetSleepRespiration"`
	Naps         []nap                 `json:"naps"`
	// The night's score and its parts, read leniently (score.go).
	OverallScore json.RawMessage `json:"overallSleepScore"`
	SubScores    json.RawMessage `json:"sleepScores"`
}

var sleepUnused = []string{
	"unmeasurableSleepInSeconds", "totalNapDurationInSeconds", "validation",
	"remSleepDurationInSeconds",
}

// timeSpan is one interval of a sleep level.
type timeSpan struct {
	Start *float64 `json:"startTimeInSeconds"`
	End   *float64 `json:"endTimeInSeconds"`
}

// nap is one nap listed in a sleep summary.
type nap struct {
	Start    *float64 `json:"napStartTimeInSeconds"`
	Offset   *float64 `json:"napOffsetInSeconds"`
	Duration *float64 `json:"napDurationInSeconds"`
}

// hrvSummary is an item of "hrv": the night's heart-rate variability.
type hrvSummary struct {
	common
	LastNightAvg *float64     `json:"lastNightAvg"`
	Values       offsetSeries `json:"hrvValues"`
}

var hrvUnused = []string{"lastNight5MinHigh"}

// stressDetails is an item of "stressDetails": the day's stress and body
// battery, every three minutes.
type stressDetails struct {
	common
	Stress      offsetSeries `json:"timeOffsetStressLevelValues"`
	BodyBattery offsetSeries `json:"timeOffsetBodyBatteryValues"`
}

var stressUnused = []string{
	"bodyBatteryChargedValue", "bodyBatteryDrainedValue", "bodyBatteryDynamicFeedbackEvent",
	"bodyBatteryActivityEvents", "bodyBatteryActivityEventList",
}

// pulseOx is an item of "pulseox".
type pulseOx struct {
	common
	SpO2 offsetSeries `json:"timeOffsetSpo2Values"`
}

var pulseOxUnused = []string{"onDemand"}

// respiration is an item of "allDayRespiration".
type respiration struct {
	common
	Breaths offsetSeries `json:"timeOffsetEpochToBreaths"`
}

// measurement holds the time of a body composition or blood pressure reading.
type measurement struct {
	UserID          string   `json:"userId"`
	SummaryID       string   `json:"summaryId"`
	CallbackURL     string   `json:"callbackURL"`
	MeasurementTime *float64 `json:"measurementTimeInSeconds"`
	MeasurementZone *float64 `json:"measurementTimeOffsetInSeconds"`
}

// bodyComp is an item of "bodyComps".
type bodyComp struct {
	measurement
	WeightGrams     *float64 `json:"weightInGrams"`
	BodyFatPercent  *float64 `json:"bodyFatInPercent"`
	BodyMassIndex   *float64 `json:"bodyMassIndex"`
	MuscleMassGrams *float64 `json:"muscleMassInGrams"`
}

var bodyCompUnused = []string{"boneMassInGrams", "bodyWaterInPercent"}

// bloodPressure is an item of "bloodPressures".
type bloodPressure struct {
	measurement
	Systolic  *float64 `json:"systolic"`
	Diastolic *float64 `json:"diastolic"`
}

var bloodPressureUnused = []string{"pulse", "sourceType"}

// userMetrics is an item of "userMetrics": the day's fitness estimates.
type userMetrics struct {
	common
	VO2Max     *float64 `json:"vo2Max"`
	FitnessAge *float64 `json:"fitnessAge"`
}

var userMetricsUnused = []string{"vo2MaxCycling", "enhanced"}

// skinTemp is an item of "skinTemp": the night's skin temperature deviation.
type skinTemp struct {
	common
	AvgDeviation *float64 `json:"avgDeviationCelsius"`
}

// healthSnapshot is an item of "healthSnapshot": a two-minute on-demand
// measurement session.
type healthSnapshot struct {
	common
	Summaries []snapshotSummary `json:"summaries"`
}

// snapshotSummary is one measurement of a health snapshot.
type snapshotSummary struct {
	Type     string       `json:"summaryType"`
	AvgValue *float64     `json:"avgValue"`
	Epochs   offsetSeries `json:"epochSummaries"`
}

// activity is an item of "activities" and the summary of "activityDetails".
type activity struct {
	common
	ActivityID      flexID   `json:"activityId"`
	ActivityName    string   `json:"activityName"`
	ActivityType    string   `json:"activityType"`
	DeviceName      string   `json:"deviceName"`
	Distance        *float64 `json:"distanceInMeters"`
	ActiveKcal      *float64 `json:"activeKilocalories"`
	AvgHeartRate    *float64 `json:"averageHeartRateInBeatsPerMinute"`
	MaxHeartRate    *float64 `json:"maxHeartRateInBeatsPerMinute"`
	AvgSpeed        *float64 `json:"averageSpeedInMetersPerSecond"`
	MaxSpeed        *float64 `json:"maxSpeedInMetersPerSecond"`
	AvgPaceMinPerKm *float64 `json:"averagePaceInMinutesPerKilometer"`
	TotalElevGain   *float64 `json:"totalElevationGainInMeters"`
	ElevGain        *float64 `json:"elevationGainInMeters"`
	Steps           *float64 `json:"steps"`
}

var activityUnused = []string{
	"averageRunCadenceInStepsPerMinute", "maxRunCadenceInStepsPerMinute",
	"averageBikeCadenceInRoundsPerMinute", "maxBikeCadenceInRoundsPerMinute",
	"averageBikingCadenceInRevPerMinute", "maxBikingCadenceInRevPerMinute",
	"averageSwimCadenceInStrokesPerMinute", "numberOfActiveLengths", "totalElevationLossInMeters",
	"startingLatitudeInDegree", "startingLongitudeInDegree", "maxPaceInMinutesPerKilometer",
	"manual", "isWebUpload", "isParent", "parentSummaryId", "activityDescription", "deviceId",
}

// activityDetails is an item of "activityDetails": an activity's summary
// with its samples.
type activityDetails struct {
	common
	ActivityID flexID           `json:"activityId"`
	Summary    *activity        `json:"summary"`
	Samples    []activitySample `json:"samples"`
}

var activityDetailsUnused = []string{"laps"}

// activitySample is one sample of activityDetails (Garmin spells the air
// temperature field "Celcius").
type activitySample struct {
	StartTime   *float64 `json:"startTimeInSeconds"`
	HeartRate   *float64 `json:"heartRate"`
	Speed       *float64 `json:"speedMetersPerSecond"`
	StepsPerMin *float64 `json:"stepsPerMinute"`
	BikeCadence *float64 `json:"bikeCadenceInRPM"`
	SwimCadence *float64 `json:"swimCadenceInStrokesPerMinute"`
	Power       *float64 `json:"powerInWatts"`
	Elevation   *float64 `json:"elevationInMeters"`
	Latitude    *float64 `json:"latitudeInDegree"`
	Longitude   *float64 `json:"longitudeInDegree"`
	AirTemp     *float64 `json:"airTemperatureCelcius"`
}

// flexID is an id that Garmin sends as a number or as a string.
type flexID string

// UnmarshalJSON accepts a JSON string or number (kept digit for digit).
func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexID(n.String())
	}
	return nil
}

// offsetSeries is a Garmin time-offset map ({"<seconds from start>": value}),
// sorted by offset. Entries whose key is not a whole number of seconds or
// whose value is not a number are dropped and counted in Bad.
type offsetSeries struct {
	Points []offsetPoint
	Bad    int
}

// offsetPoint is one entry of an offsetSeries.
type offsetPoint struct {
	Offset int64
	Value  float64
}

// UnmarshalJSON reads the map without failing on single bad entries.
func (o *offsetSeries) UnmarshalJSON(b []byte) error {
	*o = offsetSeries{}
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("time-offset map is not an object")
	}
	objectMembers(b, func(key, value []byte) {
		off, ok := parseOffset(key)
		if !ok || len(value) == 0 || (value[0] != '-' && (value[0] < '0' || value[0] > '9')) {
			o.Bad++
			return
		}
		x, err := strconv.ParseFloat(string(value), 64)
		if err != nil {
			o.Bad++
			return
		}
		o.Points = append(o.Points, offsetPoint{Offset: off, Value: x})
	})
	if !slices.IsSortedFunc(o.Points, compareOffsets) {
		slices.SortStableFunc(o.Points, compareOffsets)
	}
	return nil
}

func compareOffsets(a, b offsetPoint) int {
	switch {
	case a.Offset < b.Offset:
		return -1
	case a.Offset > b.Offset:
		return 1
	}
	return 0
}

// parseOffset reads a time-offset key: a whole number of seconds, possibly
// negative, of at most 12 digits.
func parseOffset(key []byte) (int64, bool) {
	neg := len(key) > 0 && key[0] == '-'
	if neg {
		key = key[1:]
	}
	if len(key) == 0 || len(key) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// fieldSet is the set of JSON field names of an item type, for counting the
// fields nobody reads.
type fieldSet map[string]bool

// fieldsOf returns the JSON names of v's struct fields (embedded structs
// included) and the extra names given, in both exact and lower case (as
// encoding/json matches names case-insensitively).
func fieldsOf(v any, extra ...[]string) fieldSet {
	set := fieldSet{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				set.add(name)
			}
		}
	}
	walk(reflect.TypeOf(v))
	for _, names := range extra {
		for _, n := range names {
			set.add(n)
		}
	}
	return set
}

func (s fieldSet) add(name string) {
	s[name] = true
	s[strings.ToLower(name)] = true
}

// has reports whether a raw JSON key (escapes undone when present) is in the set.
func (s fieldSet) has(key []byte) bool {
	if s[string(key)] {
		return true
	}
	name := string(key)
	if bytes.IndexByte(key, '\\') >= 0 {
		if err := json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &name); err != nil {
			return false
		}
	}
	return s[strings.ToLower(name)]
}

// objectMembers calls fn with each top-level key (raw, without quotes) and
// value (raw JSON) of the JSON object b. b has already been checked to be
// valid JSON; the scan stops quietly at anything unexpected.
func objectMembers(b []byte, fn func(key, value []byte)) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '"' {
			return
		}
		end := stringEnd(b, i)
		if end < 0 {
			return
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return
		}
		from := skipSpace(b, i+1)
		to := skipValue(b, from)
		if to < 0 {
			return
		}
		fn(key, b[from:to])
		i = to
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just after the string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just after the JSON value that starts at or
// after b[i], or -1.
func skipValue(b []byte, i int) int {
	i = skipSpace(b, i)
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = stringEnd(b, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
		i++
	}
	return i
}
