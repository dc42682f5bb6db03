package applexml

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/schemas"
)

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "acme", UserID: "9b2f4c1e-0000-4000-8000-000000000001", Provider: "apple",
		RawEventID: "raw-1", ReceivedAt: time.Date(2026, 1, 14, 9, 0, 0, 0, time.UTC),
		Kind: string(schemas.KindImport), ContentType: ContentType,
	}
}

// splitAll splits an export and returns its chunks.
func splitAll(t testing.TB, export string, opts Options) ([][]byte, Stats) {
	t.Helper()
	var chunks [][]byte
	st, err := Split(strings.NewReader(export), opts, func(b []byte, n int) error {
		chunks = append(chunks, b)
		return nil
	})
	if err != nil {
		t.Fatalf("Split: %v", err)
	}
	return chunks, st
}

// normalizeExport splits and normalises a whole export.
func normalizeExport(t testing.TB, export string) ingest.Records {
	t.Helper()
	chunks, _ := splitAll(t, export, Options{})
	var all ingest.Records
	for _, c := range chunks {
		recs, err := Normalize(testContext(), c)
		if err != nil {
			t.Fatalf("Normalize: %v", err)
		}
		all.Samples = append(all.Samples, recs.Samples...)
		all.Workouts = append(all.Workouts, recs.Workouts...)
		all.Sleep = append(all.Sleep, recs.Sleep...)
		for reason, n := range recs.Skipped {
			for range n {
				all.Skip(reason)
			}
		}
	}
	return all
}

// The fixture's canonical output is written down in testdata/ and was
// reviewed by hand: SpO2 and body fat in percent, distance in metres, the
// workout's statistics, the watch's night with stages and the iPhone's
// in-bed record folded into it, AutoSleep's 2019 night in its own zone.
func TestNormalizeFixture(t *testing.T) {
	recs := normalizeExport(t, string(ingesttest.ReadFixture(t, "apple_health_export.xml")))
	ingesttest.Golden(t, "export.golden.json", recs)
}

func TestNormalizeIsDeterministic(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "apple_health_export.xml"))
	if err != nil {
		t.Fatal(err)
	}
	first := normalizeExport(t, string(b))
	second := normalizeExport(t, string(b))
	for i := range first.Workouts {
		if first.Workouts[i].ID != second.Workouts[i].ID {
			t.Fatalf("workout ids differ between imports: %s, %s", first.Workouts[i].ID, second.Workouts[i].ID)
		}
	}
	for i := range first.Sleep {
		if first.Sleep[i].ID != second.Sleep[i].ID {
			t.Fatalf("sleep ids differ between imports")
		}
	}
	for _, bt := range first.Samples {
		if !strings.HasPrefix(bt.Source.ID, SourcePrefix) {
			t.Fatalf("source id %q does not start with %q", bt.Source.ID, SourcePrefix)
		}
	}
}

// An export record and the same record uploaded by the SDK give the same
// value in the same unit: the export path uses the SDK's conversions.
func TestUnitsMatchTheSDKPath(t *testing.T) {
	f := func(typ, unit, value string, want float64) {
		t.Helper()
		var esc strings.Builder
		_ = xml.EscapeText(&esc, []byte(unit))
		export := `<HealthData><Record type="` + typ + `" sourceName="S" unit="` + esc.String() + `" startDate="2026-01-14 07:20:00 +0100" endDate="2026-01-14 07:20:00 +0100" value="` + value + `"/></HealthData>`
		recs := normalizeExport(t, export)
		if len(recs.Samples) != 1 || len(recs.Samples[0].Samples) != 1 {
			t.Fatalf("%s %s: got %+v", typ, unit, recs)
		}
		got := recs.Samples[0].Samples[0].Value
		body := fmt.Sprintf(`{"provider":"apple","data":{"records":[{"type":%q,"startDate":"2026-01-14T07:20:00+01:00","endDate":"2026-01-14T07:20:00+01:00","unit":%q,"value":%s,"source":{"name":"S"}}]}}`, typ, unit, value)
		viaSDK, err := sdk.Normalize(testContext(), []byte(body))
		if err != nil || len(viaSDK.Samples) != 1 {
			t.Fatalf("sdk: %v %+v", err, viaSDK)
		}
		if sdkValue := viaSDK.Samples[0].Samples[0].Value; got != sdkValue || got != want {
			t.Errorf("%s %s %s: export %v, sdk %v, want %v", typ, value, unit, got, sdkValue, want)
		}
		if recs.Samples[0].Unit != viaSDK.Samples[0].Unit || recs.Samples[0].SeriesType != viaSDK.Samples[0].SeriesType {
			t.Errorf("%s: export %s/%s, sdk %s/%s", typ, recs.Samples[0].SeriesType, recs.Samples[0].Unit, viaSDK.Samples[0].SeriesType, viaSDK.Samples[0].Unit)
		}
		if z := recs.Samples[0].Samples[0].ZoneOffset; z != 60 {
			t.Errorf("%s: zone offset %d, want 60", typ, z)
		}
	}
	f("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", "1.5", 1500)
	f("HKQuantityTypeIdentifierDistanceWalkingRunning", "mi", "1", 1609.344)
	f("HKQuantityTypeIdentifierBodyMass", "lb", "150", 68.0388555)
	f("HKQuantityTypeIdentifierBodyMass", "kg", "71.4", 71.4)
	f("HKQuantityTypeIdentifierBodyTemperature", "degF", "98.6", 37)
	f("HKQuantityTypeIdentifierOxygenSaturation", "%", "0.97", 97)
	f("HKQuantityTypeIdentifierBodyFatPercentage", "%", "0.214", 21.4)
	f("HKQuantityTypeIdentifierHeight", "cm", "175", 175)
	f("HKQuantityTypeIdentifierHeight", "ft", "6", 182.88)
	f("HKQuantityTypeIdentifierActiveEnergyBurned", "kJ", "418.4", 100)
	f("HKQuantityTypeIdentifierBloodGlucose", "mmol<180.1558800000541>/L", "5.5", 99.1001)
	f("HKQuantityTypeIdentifierBloodGlucose", "mg/dL", "99", 99)
	f("HKQuantityTypeIdentifierWalkingSpeed", "km/hr", "3.6", 1)
	f("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", "ms", "48.7", 48.7)
	f("HKQuantityTypeIdentifierDietaryWater", "mL", "250", 250)
}

func TestSkipsWhatItCannotRead(t *testing.T) {
	export := `<HealthData>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="W" unit="count/min" startDate="2026-01-14 07:20:00 +0100" endDate="2026-01-14 07:20:00 +0100" value="abc"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="W" unit="count/min" startDate="yesterday" endDate="2026-01-14 07:20:00 +0100" value="60"/>
 <Record type="HKQuantityTypeIdentifierNewThing" sourceName="W" unit="count" startDate="2026-01-14 07:20:00 +0100" endDate="2026-01-14 07:20:00 +0100" value="1"/>
 <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="W" startDate="2026-01-14 01:00:00 +0100" endDate="2026-01-14 02:00:00 +0100" value="HKCategoryValueSleepAnalysisDreaming"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeUnderwaterBasketWeaving" sourceName="W" startDate="2026-01-14 07:00:00 +0100" endDate="2026-01-14 07:30:00 +0100">
  <WorkoutStatistics type="HKQuantityTypeIdentifierSomethingNew" sum="3" unit="count"/>
 </Workout>
 <ActivitySummary dateComponents="2026-01-13" activeEnergyBurned="512.3"/>
</HealthData>`
	recs := normalizeExport(t, export)
	if len(recs.Samples) != 0 || len(recs.Sleep) != 0 || len(recs.Workouts) != 1 {
		t.Fatalf("got %d batches, %d sleep, %d workouts", len(recs.Samples), len(recs.Sleep), len(recs.Workouts))
	}
	if recs.Workouts[0].Type != "other" {
		t.Errorf("unknown activity type became %q, want other", recs.Workouts[0].Type)
	}
	want := map[string]int{
		"invalid record": 2,
		"unknown type HKQuantityTypeIdentifierNewThing":                  1,
		"unknown sleep value HKCategoryValueSleepAnalysisDreaming":       1,
		"unknown workout statistic HKQuantityTypeIdentifierSomethingNew": 1,
	}
	for reason, n := range want {
		if recs.Skipped[reason] != n {
			t.Errorf("skipped[%q] = %d, want %d (all: %v)", reason, recs.Skipped[reason], n, recs.Skipped)
		}
	}
}

// Every unified type of the workout table is a catalog type that the SDK
// normaliser keeps as it is.
func TestWorkoutTypes(t *testing.T) {
	for unified := range workoutTypeTable {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("%s is not a catalog workout type", unified)
		}
		if got := sdk.WorkoutType(unified); got != unified {
			t.Errorf("the SDK normaliser turns %s into %s", unified, got)
		}
	}
	f := func(in, want string) {
		t.Helper()
		if got := WorkoutType(in); got != want {
			t.Errorf("WorkoutType(%q) = %q, want %q", in, got, want)
		}
	}
	f("HKWorkoutActivityTypeRunning", "running")
	f("HKWorkoutActivityTypeTraditionalStrengthTraining", "strength_training")
	f("HKWorkoutActivityTypeHighIntensityIntervalTraining", "cardio_training")
	f("HKWorkoutActivityTypeOther", "generic")
	f("HKWorkoutActivityTypeNew", "other")
}

func TestParseDevice(t *testing.T) {
	d := ParseDevice("<<HKDevice: 0x283f1d4a0>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch7,5, software:11.2, creation date:2026-01-13 21:40:02 +0000>")
	want := map[string]string{"name": "Apple Watch", "manufacturer": "Apple Inc.", "model": "Watch", "hardware": "Watch7,5", "software": "11.2", "creation date": "2026-01-13 21:40:02 +0000"}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Fatalf("ParseDevice = %v, want %v", d, want)
	}
	if ParseDevice("") != nil {
		t.Fatal("empty device string parsed")
	}
}

func TestDecodeRejectsOtherBodies(t *testing.T) {
	f := func(body string) {
		t.Helper()
		if _, err := Normalize(testContext(), []byte(body)); err == nil {
			t.Errorf("Normalize(%s) succeeded", body)
		}
	}
	f(`{"provider":"apple","data":{}}`)
	f(`not json`)
	f(`{"format":"apple-health-export/1","sources":[],"records":[{"type":"x","source":0}]}`)
	f(`{"format":"apple-health-export/1","sources":[],"workouts":[{"type":"x","source":-1}]}`)
}
