package schemas_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/wearstream/wearstream/schemas"
)

// plainRegistry is srfake as it is: it accepts any schema change, so what
// these tests see refused is refused by the project's own check.
func plainRegistry(t *testing.T) *sr.Client {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestRegisterRefusesIncompatibleChange(t *testing.T) {
	ctx := context.Background()
	cl := plainRegistry(t)
	topics := schemas.NewTopics("")
	// An older workout schema in which duration_seconds was a string: data
	// written with it cannot be read by the current schema (a double).
	current, err := schemas.SchemaText(schemas.Workout{})
	if err != nil {
		t.Fatal(err)
	}
	older := strings.Replace(current, `{"name":"duration_seconds","type":"double"`, `{"name":"duration_seconds","type":"string"`, 1)
	if older == current {
		t.Fatal("test schema edit did not apply")
	}
	if _, err := cl.CreateSchema(ctx, schemas.Subject(topics.Workouts()), sr.Schema{Schema: older, Type: sr.TypeAvro}); err != nil {
		t.Fatal(err)
	}
	_, err = schemas.Register(ctx, cl, topics.Bindings([]string{"apple"}))
	if !errors.Is(err, schemas.ErrIncompatible) || !strings.Contains(err.Error(), "wearables.workouts-value") {
		t.Fatalf("Register over an incompatible older schema: %v, want ErrIncompatible naming the subject", err)
	}
}

func TestRegisterAcceptsCompatibleChangeAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	cl := plainRegistry(t)
	topics := schemas.NewTopics("")
	current, _ := schemas.SchemaText(schemas.Workout{})
	// An older schema without a field that the current one adds with a default.
	var kept []string
	for _, line := range strings.Split(current, "\n") {
		if !strings.Contains(line, `{"name":"avg_power_watts",`) {
			kept = append(kept, line)
		}
	}
	older := strings.Join(kept, "\n")
	if older == current {
		t.Fatal("test schema edit did not apply")
	}
	if _, err := cl.CreateSchema(ctx, schemas.Subject(topics.Workouts()), sr.Schema{Schema: older, Type: sr.TypeAvro}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := schemas.Register(ctx, cl, topics.Bindings([]string{"apple", "samsung"})); err != nil {
			t.Fatalf("Register #%d: %v", i+1, err)
		}
	}
}

func TestSerdeRoundTrip(t *testing.T) {
	ctx := context.Background()
	cl := plainRegistry(t)
	serde, err := schemas.Register(ctx, cl, schemas.NewTopics("").Bindings([]string{"apple"}))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 14, 5, 30, 12, 250e6, time.UTC)
	yes, f := true, 97.5
	records := []any{
		schemas.SampleBatch{ID: "b", Tenant: "t", UserID: "u", Source: schemas.Source{Provider: "apple", ID: "apple:x", Device: "Watch7,5"},
			SeriesType: "heart_rate", Unit: "bpm", Version: 7, IngestedAt: at,
			Samples: []schemas.Sample{{Time: at, Value: 58, ZoneOffset: 60, IsDailyTotal: &yes}, {Time: at.Add(time.Second), Value: 59}}},
		schemas.Workout{ID: "w", Type: "running", StartTime: at, EndTime: at.Add(time.Hour), CaloriesKcal: &f, Deleted: true,
			Laps: []schemas.WorkoutLap{{Kind: "lap", StartTime: at, EndTime: at.Add(5 * time.Minute), DistanceMeters: &f, SwimmingStroke: "freestyle"}}},
		schemas.Sleep{ID: "s", StartTime: at, EndTime: at.Add(8 * time.Hour), Stages: &schemas.SleepStages{DeepMinutes: 90},
			Intervals: []schemas.SleepInterval{{Stage: "deep", Start: at, End: at.Add(90 * time.Minute)}}},
		schemas.Summary{ID: "sc", Category: schemas.SummaryReadiness, Date: "2026-01-14", RecordedAt: at, ZoneOffset: -300, Value: &f,
			Qualifier: "good", Components: []schemas.SummaryComponent{{Name: "hrv_balance", Value: &f}, {Name: "sleep_balance", Qualifier: "fair"}},
			Version: 3, Change: schemas.ChangeUpdated, IngestedAt: at},
		schemas.RawEvent{ID: "r", Provider: "apple", Body: []byte(`{"a":1}`), Headers: map[string]string{"user-agent": "x"}, Parts: 1, ReceivedAt: at},
		schemas.Endpoint{ID: "ep", FilterTypes: []string{"workout.created"}, SecretEnc: []byte{1, 2}, CreatedAt: at, UpdatedAt: at},
	}
	for _, rec := range records {
		b, err := serde.Encode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != 0 {
			t.Fatalf("%T: not the Confluent wire format (magic %d)", rec, b[0])
		}
		got, err := serde.DecodeNew(b)
		if err != nil {
			t.Fatal(err)
		}
		if g := reflect.ValueOf(got).Elem().Interface(); !reflect.DeepEqual(g, rec) {
			t.Fatalf("round trip of %T:\n got %+v\nwant %+v", rec, g, rec)
		}
	}
	if err := serde.Decode([]byte{0, 0, 0, 0, 99, 1}, &schemas.Workout{}); err == nil {
		t.Fatal("decoding an unknown schema id succeeded")
	}
}

func BenchmarkEncodeSampleBatch(b *testing.B) {
	cl, _ := sr.NewClient(sr.URLs(srfake.New().URL()))
	serde, err := schemas.Register(context.Background(), cl, schemas.NewTopics("").Bindings(nil))
	if err != nil {
		b.Fatal(err)
	}
	batch := schemas.SampleBatch{ID: "b", Tenant: "t", UserID: "u", SeriesType: "heart_rate", Unit: "bpm"}
	at := time.Now()
	for i := 0; i < 1000; i++ {
		batch.Samples = append(batch.Samples, schemas.Sample{Time: at.Add(time.Duration(i) * time.Second), Value: 60 + float64(i%40)})
	}
	out, _ := serde.Encode(batch)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := serde.Encode(batch); err != nil {
			b.Fatal(err)
		}
	}
}
