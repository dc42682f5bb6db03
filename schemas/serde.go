package schemas

// Every Kafka value is Avro in the Confluent wire format (magic byte 0, a
// 4-byte schema id, the Avro body), registered under "<topic>-value". Register
// puts the embedded schemas into the registry, refusing changes that are not
// BACKWARD compatible with what the registry already holds, and returns a
// Serde that encodes the canonical structs and decodes any registered id.

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

//go:embed avro/*.avsc
var avroFS embed.FS

// schemaFiles maps each Go record type to its schema file.
var schemaFiles = map[reflect.Type]string{
	reflect.TypeOf(RawEvent{}):       "raw_event.avsc",
	reflect.TypeOf(SampleBatch{}):    "sample_batch.avsc",
	reflect.TypeOf(Workout{}):        "workout.avsc",
	reflect.TypeOf(Sleep{}):          "sleep.avsc",
	reflect.TypeOf(Lifecycle{}):      "lifecycle.avsc",
	reflect.TypeOf(DeadLetter{}):     "dead_letter.avsc",
	reflect.TypeOf(Attempt{}):        "attempt.avsc",
	reflect.TypeOf(Tenant{}):         "tenant.avsc",
	reflect.TypeOf(APIKey{}):         "api_key.avsc",
	reflect.TypeOf(User{}):           "user.avsc",
	reflect.TypeOf(Endpoint{}):       "endpoint.avsc",
	reflect.TypeOf(EndpointHealth{}): "endpoint_health.avsc",
	reflect.TypeOf(SyncRun{}):        "sync_run.avsc",
	reflect.TypeOf(Connection{}):     "connection.avsc",
	reflect.TypeOf(IngestJob{}):      "ingest_job.avsc",
}

// SchemaText returns the embedded Avro schema of a record type, given a value
// of that type.
func SchemaText(v any) (string, error) {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	file, ok := schemaFiles[t]
	if !ok {
		return "", fmt.Errorf("no schema for %s", t)
	}
	b, err := avroFS.ReadFile("avro/" + file)
	if err != nil {
		return "", fmt.Errorf("cannot read schema %s: %w", file, err)
	}
	return string(b), nil
}

// Binding says which record type a topic carries.
type Binding struct {
	Topic string
	Value any // a zero value of the record type
}

// Bindings lists every topic with its record type; rawProviders names the
// providers whose raw topics exist.
func (t Topics) Bindings(rawProviders []string) []Binding {
	b := []Binding{
		{t.Samples(), SampleBatch{}},
		{t.Workouts(), Workout{}},
		{t.Sleep(), Sleep{}},
		{t.Summaries(), Summary{}},
		{t.Lifecycle(), Lifecycle{}},
		{t.Deliveries(), Attempt{}},
		{t.DLQ(), DeadLetter{}},
		{t.State(StateTenants), Tenant{}},
		{t.State(StateAPIKeys), APIKey{}},
		{t.State(StateUsers), User{}},
		{t.State(StateEndpoints), Endpoint{}},
	}
	for _, topic := range t.DeliveryRetries() {
		b = append(b, Binding{topic, Attempt{}})
	}
	b = append(b, Binding{t.State(StateEndpointHealth), EndpointHealth{}})
	b = append(b, Binding{t.State(StateSyncRuns), SyncRun{}})
	b = append(b, Binding{t.State(StatePriorities), SourcePriorities{}})
	b = append(b, Binding{t.State(StateConnections), Connection{}}, Binding{t.IngestJobs(), IngestJob{}})
	b = append(b, t.sdkBindings()...)
	b = append(b, t.changeBindings()...)
	b = append(b, t.auditBindings()...)
	b = append(b, t.providerBindings()...)
	b = append(b, t.backfillBindings()...)
	b = append(b, t.subscriptionBindings()...)
	b = append(b, t.erasureBindings()...)
	b = append(b, t.retentionBindings()...)
	for _, p := range rawProviders {
		b = append(b, Binding{t.Raw(p), RawEvent{}})
	}
	return b
}

// ErrIncompatible is returned when a schema change would break readers.
var ErrIncompatible = errors.New("schema change is not backward compatible")

// Serde encodes canonical records to the Confluent wire format and decodes them.
type Serde struct {
	serde    sr.Serde
	registry *sr.Client
	subjects map[string]reflect.Type // subject -> record type, for lazy lookups
	mu       sync.Mutex              // serialises lazy registrations
}

// Register registers every binding's schema under "<topic>-value", sets the
// subjects to BACKWARD compatibility, and returns a Serde for them. A schema
// that is not backward compatible with the subject's latest version is
// refused with ErrIncompatible, whatever the registry itself would say.
func Register(ctx context.Context, registry *sr.Client, bindings []Binding) (*Serde, error) {
	s := &Serde{registry: registry, subjects: map[string]reflect.Type{}}
	for _, b := range bindings {
		text, err := SchemaText(b.Value)
		if err != nil {
			return nil, err
		}
		subject := Subject(b.Topic)
		if err := checkLatest(ctx, registry, subject, text); err != nil {
			return nil, err
		}
		ss, err := registry.CreateSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro})
		if err != nil {
			return nil, fmt.Errorf("cannot register schema for %s: %w", subject, err)
		}
		for _, r := range registry.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatBackward}, subject) {
			if r.Err != nil {
				return nil, fmt.Errorf("cannot set compatibility of %s: %w", subject, r.Err)
			}
		}
		if err := s.bind(ss.ID, text, b.Value); err != nil {
			return nil, err
		}
		s.subjects[subject] = reflect.TypeOf(b.Value)
	}
	return s, nil
}

// checkLatest refuses text when the subject's latest schema cannot be read with it.
func checkLatest(ctx context.Context, registry *sr.Client, subject, text string) error {
	latest, err := registry.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && (re.ErrorCode == 40401 || re.ErrorCode == 40402) {
			return nil // a new subject
		}
		return fmt.Errorf("cannot read latest schema of %s: %w", subject, err)
	}
	if sameJSON(latest.Schema.Schema, text) {
		return nil
	}
	if err := CheckBackward(latest.Schema.Schema, text); err != nil {
		return fmt.Errorf("%w: %s (version %d): %v", ErrIncompatible, subject, latest.Version, err)
	}
	return nil
}

func sameJSON(a, b string) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, []byte(a)) != nil || json.Compact(&cb, []byte(b)) != nil {
		return a == b
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// bind teaches the serde one schema id of one record type.
func (s *Serde) bind(id int, text string, value any) error {
	codec, err := goavro.NewCodec(text)
	if err != nil {
		return fmt.Errorf("cannot compile schema %d: %w", id, err)
	}
	s.serde.Register(id, value,
		sr.AppendEncodeFn(func(b []byte, v any) ([]byte, error) {
			return codec.BinaryFromNative(b, toNative(v))
		}),
		sr.DecodeFn(func(b []byte, v any) error {
			native, rest, err := codec.NativeFromBinary(b)
			if err != nil {
				return err
			}
			if len(rest) != 0 {
				return fmt.Errorf("%d trailing bytes after the record", len(rest))
			}
			return fromNative(native, v)
		}),
	)
	return nil
}

// Encode encodes a record (a struct value or a pointer to one) with the
// schema registered for its type.
func (s *Serde) Encode(v any) ([]byte, error) {
	return s.AppendEncode(nil, v)
}

// AppendEncode is Encode appending to b.
func (s *Serde) AppendEncode(b []byte, v any) ([]byte, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		v = rv.Elem().Interface()
	}
	out, err := s.serde.AppendEncode(b, v)
	if err != nil {
		return nil, fmt.Errorf("cannot encode %T: %w", v, err)
	}
	return out, nil
}

// Decode decodes a wire-format value into ptr, which must point to the
// record type registered for the value's schema id. Ids the serde has not
// seen (written by a newer or older version) are fetched from the registry.
func (s *Serde) Decode(b []byte, ptr any) error {
	err := s.serde.Decode(b, ptr)
	if errors.Is(err, sr.ErrNotRegistered) && s.learn(b) == nil {
		err = s.serde.Decode(b, ptr)
	}
	if err != nil {
		return fmt.Errorf("cannot decode %T: %w", ptr, err)
	}
	return nil
}

// DecodeNew decodes a wire-format value into a new record of the type
// registered for its schema id and returns a pointer to it.
func (s *Serde) DecodeNew(b []byte) (any, error) {
	v, err := s.serde.DecodeNew(b)
	if errors.Is(err, sr.ErrNotRegistered) && s.learn(b) == nil {
		v, err = s.serde.DecodeNew(b)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot decode record: %w", err)
	}
	return v, nil
}

// learn fetches an unknown schema id from the registry and binds it to the
// record type of a subject that uses it.
func (s *Serde) learn(b []byte) error {
	if s.registry == nil {
		return sr.ErrNotRegistered
	}
	id, _, err := s.serde.DecodeID(b)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := context.Background()
	schema, err := s.registry.SchemaByID(ctx, id)
	if err != nil {
		return err
	}
	subjects, err := s.registry.SubjectsByID(ctx, id)
	if err != nil {
		return err
	}
	for _, subject := range subjects {
		if t, ok := s.subjects[subject]; ok {
			return s.bind(id, schema.Schema, reflect.New(t).Elem().Interface())
		}
	}
	return fmt.Errorf("schema id %d belongs to no known subject", id)
}
