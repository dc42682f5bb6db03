package fit

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muktihari/fit/encoder"
	"github.com/muktihari/fit/profile/filedef"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "acme", UserID: "9b2f4c1e-0000-4000-8000-000000000001", Provider: Provider,
		RawEventID: "raw-1", ReceivedAt: time.Date(2026, 1, 14, 9, 0, 0, 0, time.UTC), Kind: "import",
	}
}

var t0 = time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)

// encodedActivity is a 20-second run written with the library's encoder:
// one session, two laps, a record per second.
func encodedActivity(t testing.TB) []byte {
	t.Helper()
	act := filedef.NewActivity()
	act.FileId = *mesgdef.NewFileId(nil).SetType(typedef.FileActivity).SetManufacturer(typedef.ManufacturerGarmin).
		SetProduct(3113).SetSerialNumber(3999999999).SetTimeCreated(t0)
	end := t0.Add(20 * time.Second)
	act.Activity = mesgdef.NewActivity(nil).SetTimestamp(end).SetLocalTimestamp(end.Add(time.Hour)).SetNumSessions(1).
		SetType(typedef.ActivityManual).SetEvent(typedef.EventActivity).SetEventType(typedef.EventTypeStop)
	act.Sessions = append(act.Sessions, mesgdef.NewSession(nil).SetTimestamp(end).SetStartTime(t0).
		SetSport(typedef.SportRunning).SetSubSport(typedef.SubSportTrail).
		SetTotalElapsedTime(20_000).SetTotalTimerTime(18_000).SetTotalDistance(6_000).SetTotalCalories(9).
		SetAvgHeartRate(150).SetMaxHeartRate(171).SetEnhancedAvgSpeed(3_000).SetAvgPower(250).SetTotalAscent(4).
		SetEvent(typedef.EventSession).SetEventType(typedef.EventTypeStop))
	act.Laps = append(act.Laps,
		mesgdef.NewLap(nil).SetStartTime(t0).SetTimestamp(t0.Add(10*time.Second)).SetTotalElapsedTime(10_000).SetTotalDistance(3_000).SetAvgHeartRate(145),
		mesgdef.NewLap(nil).SetStartTime(t0.Add(10*time.Second)).SetTimestamp(end).SetTotalElapsedTime(10_000).SetTotalDistance(3_000).SetAvgHeartRate(155))
	for i := range 21 {
		r := mesgdef.NewRecord(nil).SetTimestamp(t0.Add(time.Duration(i) * time.Second)).
			SetHeartRate(uint8(140 + i)).SetPower(uint16(200 + i)).SetCadence(88).SetEnhancedSpeed(3_000).
			SetEnhancedAltitude(uint32((100 + 500) * 5)).
			SetPositionLat(612_553_100 + int32(i)).SetPositionLong(250_116_550)
		act.Records = append(act.Records, r)
	}
	fit := act.ToFIT(nil)
	var buf bytes.Buffer
	if err := encoder.New(&buf).Encode(&fit); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNormalizeEncodedActivity(t *testing.T) {
	recs, err := Normalize(testContext(), encodedActivity(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Workouts) != 1 {
		t.Fatalf("%d workouts", len(recs.Workouts))
	}
	w := recs.Workouts[0]
	f := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if w.Type != "trail_running" || !w.StartTime.Equal(t0) || !w.EndTime.Equal(t0.Add(20*time.Second)) || w.DurationSeconds != 18 || w.ZoneOffset != 60 {
		t.Errorf("workout %+v", w)
	}
	f("distance", w.DistanceMeters, 60)
	f("calories", w.CaloriesKcal, 9)
	f("avg hr", w.AvgHeartRateBPM, 150)
	f("max hr", w.MaxHeartRateBPM, 171)
	f("avg speed", w.AvgSpeedMPS, 3)
	f("pace", w.AvgPaceSecPerKm, 333.333333)
	f("power", w.AvgPowerWatts, 250)
	f("ascent", w.ElevationGainMeters, 4)
	if w.MinHeartRateBPM != nil {
		t.Errorf("min hr %v, want none", *w.MinHeartRateBPM)
	}
	if w.Source.ID != "fit:garmin:3113:3999999999" || w.Source.Name != "garmin" {
		t.Errorf("source %+v", w.Source)
	}
	if len(w.Laps) != 2 || w.Laps[1].Index != 1 || !w.Laps[1].StartTime.Equal(t0.Add(10*time.Second)) || *w.Laps[1].AvgHeartRateBPM != 155 || *w.Laps[0].DistanceMeters != 30 {
		t.Errorf("laps %+v", w.Laps)
	}

	got := map[string][]schemas.Sample{}
	for _, b := range recs.Samples {
		st, _ := schemas.LookupSeriesType(b.SeriesType)
		if b.Unit != st.Unit || b.Source.ID != w.Source.ID {
			t.Errorf("batch %s unit %s source %s", b.SeriesType, b.Unit, b.Source.ID)
		}
		got[b.SeriesType] = b.Samples
	}
	want := map[string][2]float64{ // first value, last value
		"heart_rate": {140, 160},
		"power":      {200, 220},
		"cadence":    {88, 88},
		"speed":      {3, 3},
		"elevation":  {100, 100},
		// 612553100 semicircles × 180 / 2^31, to 7 decimals
		"latitude":  {51.3436077, 51.3436094},
		"longitude": {20.9645270, 20.9645270},
	}
	for name, v := range want {
		s := got[name]
		if len(s) != 21 {
			t.Errorf("%s: %d samples, want 21", name, len(s))
			continue
		}
		if math.Abs(s[0].Value-v[0]) > 1e-7 || math.Abs(s[20].Value-v[1]) > 1e-7 || s[0].ZoneOffset != 60 || !s[0].Time.Equal(t0) {
			t.Errorf("%s: first %+v, last %+v, want %v", name, s[0], s[20], v)
		}
	}

	again, _ := Normalize(testContext(), encodedActivity(t))
	if again.Workouts[0].ID != w.ID {
		t.Error("the same file gives another workout id")
	}
}

func TestDegrees(t *testing.T) {
	f := func(semicircles int32, want float64) {
		t.Helper()
		if got := Degrees(semicircles); math.Abs(got-want) > 1e-7 {
			t.Errorf("Degrees(%d) = %v, want %v", semicircles, got, want)
		}
	}
	f(0, 0)
	f(1<<30, 90)
	f(-1<<30, -90)
	f(math.MaxInt32, 180)
}

// A file whose header has no CRC of its own (12-byte headers) is valid;
// the library's own check would refuse it.
func TestTwelveByteHeader(t *testing.T) {
	b := encodedActivity(t)
	if b[0] != 14 {
		t.Fatalf("header size %d", b[0])
	}
	size := binary.LittleEndian.Uint32(b[4:8])
	old := append([]byte{12}, b[1:12]...)
	old = append(old, b[14:14+size]...)
	old = binary.LittleEndian.AppendUint16(old, crc16(old))
	recs, err := Normalize(testContext(), old)
	if err != nil || len(recs.Workouts) != 1 {
		t.Fatalf("12-byte header: %v, %d workouts", err, len(recs.Workouts))
	}
}

func TestDecodeErrors(t *testing.T) {
	good := encodedActivity(t)
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0xFF
	f := func(name string, b []byte, want string) {
		t.Helper()
		_, err := Normalize(testContext(), b)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error mentioning %q", name, err, want)
		}
	}
	f("empty", nil, "not a FIT file")
	f("json", []byte(`{"provider":"garmin"}`), "not a FIT file")
	f("corrupt", corrupt, "checksum")
	f("truncated", good[:len(good)-100], "truncated")
}

// The FIT SDK's example activities and a large real one, from the
// decoder's module: sessions, laps and records come out as the FIT SDK's
// own decoder reports them.
func TestNormalizeCorpus(t *testing.T) {
	dir := ingesttest.FITCorpusDir(t)
	f := func(name string, workouts, laps, heartRate int, wantType string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Normalize(testContext(), b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		gotLaps, hr := 0, 0
		for _, w := range recs.Workouts {
			gotLaps += len(w.Laps)
			if !schemas.IsWorkoutType(w.Type) || w.EndTime.Before(w.StartTime) {
				t.Errorf("%s: workout %+v", name, w)
			}
		}
		for _, s := range recs.Samples {
			if s.SeriesType == "heart_rate" {
				hr += len(s.Samples)
			}
		}
		if len(recs.Workouts) != workouts || gotLaps != laps || hr != heartRate || recs.Workouts[0].Type != wantType {
			t.Errorf("%s: %d workouts (%s), %d laps, %d heart rate samples; want %d (%s), %d, %d",
				name, len(recs.Workouts), recs.Workouts[0].Type, gotLaps, hr, workouts, wantType, laps, heartRate)
		}
	}
	f("from_official_sdk/Activity.fit", 1, 1, 3601, "stand_up_paddleboarding")
	f("from_official_sdk/activity_multisport.fit", 2, 7, 77, "mountain_biking")
	f("from_official_sdk/activity_poolswim.fit", 1, 9, 0, "pool_swimming")
	f("from_official_sdk/activity_lowbattery.fit", 1, 4, 3976, "cycling")
	f("from_garmin_forums/triathlon_summary_first.fit", 5, 11, 3363, "open_water_swimming")
	f("big_activity.fit", 1, 0, 30877, "cycling")
}
