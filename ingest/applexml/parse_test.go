package applexml

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func record(typ, start, end, value string) string {
	return fmt.Sprintf(`<Record type=%q sourceName="Jane’s Apple Watch" sourceVersion="11.2" device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, model:Watch, hardware:Watch7,5&gt;" unit="count/min" creationDate=%q startDate=%q endDate=%q value=%q/>`+"\n", typ, end, start, end, value)
}

func TestSplitChunksAndSources(t *testing.T) {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout)*)>\n<!ATTLIST HealthData locale CDATA #REQUIRED>\n]>\n<HealthData locale=\"en_US\">\n<ExportDate value=\"2026-01-14 08:12:45 +0100\"/>\n")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3600))
	for i := range 25 {
		ts := t0.Add(time.Duration(i) * time.Minute).Format(exportTime)
		b.WriteString(record("HKQuantityTypeIdentifierHeartRate", ts, ts, "60"))
	}
	// A correlation repeats records that are also at the top level: the
	// nested ones are not read again.
	b.WriteString(`<Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="X" startDate="2026-01-01 08:00:00 +0100" endDate="2026-01-01 08:00:00 +0100">` + "\n")
	b.WriteString(record("HKQuantityTypeIdentifierBloodPressureSystolic", "2026-01-01 08:00:00 +0100", "2026-01-01 08:00:00 +0100", "120"))
	b.WriteString("</Correlation>\n")
	b.WriteString(`<Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min" sourceName="Jane’s Apple Watch" startDate="2026-01-01 09:00:00 +0100" endDate="2026-01-01 09:30:00 +0100">
 <MetadataEntry key="HKWeatherTemperature" value="20 degC"/>
 <MetadataEntry key="HKIgnoredKey" value="1"/>
 <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" average="150" minimum="90" maximum="180" unit="count/min"/>
 <WorkoutRoute sourceName="x"><MetadataEntry key="HKMetadataKeySyncVersion" value="2"/><FileReference path="/workout-routes/r.gpx"/></WorkoutRoute>
</Workout>
<ActivitySummary dateComponents="2026-01-13" activeEnergyBurned="512.3"/>
</HealthData>
`)
	var chunks []*Chunk
	var counts []int
	st, err := Split(strings.NewReader(b.String()), Options{ChunkRecords: 10}, func(body []byte, n int) error {
		c, err := Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, c)
		counts = append(counts, n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 25 || st.Workouts != 1 || st.Chunks != 3 || st.Other != 2 || st.Items() != 26 {
		t.Fatalf("stats = %+v", st)
	}
	if fmt.Sprint(counts) != "[10 10 6]" {
		t.Fatalf("chunk sizes %v", counts)
	}
	for i, c := range chunks {
		if c.Seq != i || c.Format != Format {
			t.Fatalf("chunk %d: seq %d format %q", i, c.Seq, c.Format)
		}
		// The workout's source has no device: a second source.
		if len(c.Sources) != 1+i/2 || !strings.HasPrefix(c.Sources[0].Device, "<<HKDevice") {
			t.Fatalf("chunk %d sources %+v", i, c.Sources)
		}
	}
	w := chunks[2].Workouts[0]
	if w.Type != "HKWorkoutActivityTypeRunning" || w.Duration != "30" || len(w.Statistics) != 1 || w.Statistics[0].Maximum != "180" ||
		len(w.Metadata) != 1 || w.Metadata["HKWeatherTemperature"] != "20 degC" {
		t.Fatalf("workout %+v", w)
	}
}

// Sleep stages are cut into chunks only between nights, so that the SDK's
// sleep sessions see a whole night in one raw event.
func TestSplitKeepsNightsTogether(t *testing.T) {
	var b strings.Builder
	b.WriteString("<HealthData>\n")
	night := time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)
	for n := range 5 {
		start := night.AddDate(0, 0, n)
		for s := range 7 { // 7 stages of 1 h
			st := start.Add(time.Duration(s) * time.Hour)
			b.WriteString(strings.Replace(record(sleepType, st.Format(exportTime), st.Add(time.Hour).Format(exportTime), "HKCategoryValueSleepAnalysisAsleepCore"), `unit="count/min" `, "", 1))
			if s == 3 {
				// Other records between the stages are chunked apart.
				b.WriteString(record("HKQuantityTypeIdentifierHeartRate", st.Format(exportTime), st.Format(exportTime), "50"))
			}
		}
	}
	b.WriteString("</HealthData>\n")
	var sleepChunks [][]Record
	_, err := Split(strings.NewReader(b.String()), Options{ChunkRecords: 10}, func(body []byte, n int) error {
		c, err := Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Records) > 0 && c.Records[0].Type == sleepType {
			sleepChunks = append(sleepChunks, c.Records)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sleepChunks) < 2 {
		t.Fatalf("got %d sleep chunks", len(sleepChunks))
	}
	total := 0
	for _, recs := range sleepChunks {
		if len(recs)%7 != 0 {
			t.Fatalf("a sleep chunk of %d records splits a night", len(recs))
		}
		total += len(recs)
	}
	if total != 35 {
		t.Fatalf("%d sleep records in chunks, want 35", total)
	}
}

func TestSplitErrors(t *testing.T) {
	f := func(input string, want error, contains string) {
		t.Helper()
		emitted := 0
		_, err := Split(strings.NewReader(input), Options{ChunkRecords: 1}, func([]byte, int) error { emitted++; return nil })
		if err == nil {
			t.Fatalf("Split(%.40q) succeeded", input)
		}
		if want != nil && !errors.Is(err, want) {
			t.Fatalf("Split(%.40q) = %v, want %v", input, err, want)
		}
		if !strings.Contains(err.Error(), contains) {
			t.Fatalf("Split(%.40q) = %v, want it to mention %q", input, err, contains)
		}
	}
	f(`<Other/>`, ErrNotExport, "HealthData")
	f(``, ErrNotExport, "HealthData")
	f(`{"provider":"apple"}`, ErrNotExport, "HealthData")
	f("<HealthData>\n"+record("HKQuantityTypeIdentifierHeartRate", "2026-01-01 00:00:00 +0000", "2026-01-01 00:00:00 +0000", "1"), nil, "truncated")
	f("<HealthData>\n<Record type=\"x\" value=\"1\n", nil, "line")

	stop := errors.New("stop")
	_, err := Split(strings.NewReader("<HealthData>"+record("a", "", "", "1")+record("b", "", "", "1")+"</HealthData>"), Options{ChunkRecords: 1},
		func([]byte, int) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("emit error not returned: %v", err)
	}
}
