package devstack

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

const (
	readingV1 = `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"string"}]}`
	// readingV2 adds a field with a default: compatible with v1.
	readingV2 = `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"string"},
 {"name":"zone_offset","type":"int","default":0}]}`
	// readingBroken changes unit to long and adds a required field.
	readingBroken = `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"long"},
 {"name":"zone_offset","type":"int","default":0},
 {"name":"source","type":"string"}]}`
	// readingNoUnit drops unit: compatible with v2, but v1 cannot read it.
	readingNoUnit = `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"zone_offset","type":"int","default":0}]}`
	deviceV1 = `{"type":"record","name":"Device","namespace":"io.wearstream.test","fields":[{"name":"model","type":"string"}]}`
)

func startRegistry(t *testing.T, opts RegistryOptions) (*Registry, *sr.Client) {
	t.Helper()
	reg, err := StartRegistry(opts)
	if err != nil {
		t.Fatalf("StartRegistry() = %v", err)
	}
	t.Cleanup(reg.Close)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatalf("sr.NewClient() = %v", err)
	}
	return reg, cl
}

func avroSchema(text string) sr.Schema { return sr.Schema{Schema: text, Type: sr.TypeAvro} }

// responseError returns err as a registry error response, failing otherwise.
func responseError(t *testing.T, err error, status, code int) *sr.ResponseError {
	t.Helper()
	var re *sr.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v, want an HTTP %d response", err, status)
	}
	if re.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("response = HTTP %d, error_code %d (%s), want HTTP %d, error_code %d", re.StatusCode, re.ErrorCode, re.Message, status, code)
	}
	return re
}

func TestRegistryEnforcesBackwardCompatibility(t *testing.T) {
	ctx := testContext(t)
	_, cl := startRegistry(t, RegistryOptions{})
	const subject = "wearables.readings-value"

	v1, err := cl.CreateSchema(ctx, subject, avroSchema(readingV1))
	if err != nil {
		t.Fatalf("CreateSchema(v1) = %v", err)
	}
	v2, err := cl.CreateSchema(ctx, subject, avroSchema(readingV2))
	if err != nil {
		t.Fatalf("CreateSchema(v2) = %v", err)
	}
	if v1.Version != 1 || v2.Version != 2 || v2.ID == v1.ID {
		t.Fatalf("registered v1 = %d/id %d, v2 = %d/id %d", v1.Version, v1.ID, v2.Version, v2.ID)
	}

	_, err = cl.CreateSchema(ctx, subject, avroSchema(readingBroken))
	re := responseError(t, err, http.StatusConflict, 409)
	if !strings.HasPrefix(re.Message, "Schema being registered is incompatible with an earlier schema: ") {
		t.Fatalf("409 message = %q", re.Message)
	}
	if versions, err := cl.SubjectVersions(ctx, subject); err != nil || !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("SubjectVersions() = %v, %v; want [1 2]", versions, err)
	}

	// Registering a version the subject already has returns it, even when
	// it could not read the latest version.
	if _, err := cl.CreateSchema(ctx, subject, avroSchema(readingNoUnit)); err != nil {
		t.Fatalf("CreateSchema(no unit) = %v", err)
	}
	again, err := cl.CreateSchema(ctx, subject, avroSchema(readingV1))
	if err != nil || again.ID != v1.ID || again.Version != 1 {
		t.Fatalf("CreateSchema(v1 again) = %+v, %v; want id %d version 1", again, err, v1.ID)
	}
	if versions, _ := cl.SubjectVersions(ctx, subject); !slices.Equal(versions, []int{1, 2, 3}) {
		t.Fatalf("SubjectVersions() = %v, want [1 2 3]", versions)
	}

	_, err = cl.CreateSchema(ctx, subject, avroSchema(`{"type":"nosuchtype"}`))
	re = responseError(t, err, http.StatusUnprocessableEntity, 42201)
	if !strings.Contains(re.Message, "nosuchtype") {
		t.Fatalf("422 message = %q", re.Message)
	}
	_, err = cl.CreateSchema(ctx, "other-value", sr.Schema{Schema: `{"type":"object"}`, Type: sr.TypeJSON})
	responseError(t, err, http.StatusUnprocessableEntity, 42201)

	check := func(version int, text string, want bool) {
		t.Helper()
		res, err := cl.CheckCompatibility(ctx, subject, version, avroSchema(text))
		if err != nil {
			t.Fatalf("CheckCompatibility(%d) = %v", version, err)
		}
		if res.Is != want || (want == (len(res.Messages) > 0)) {
			t.Fatalf("CheckCompatibility(%d) = %+v, want is_compatible %v", version, res, want)
		}
	}
	check(-1, readingNoUnit, true) // against v3, the latest
	check(-1, readingV2, false)    // v3 has no unit, which v2 needs
	check(-1, readingBroken, false)
	check(2, readingNoUnit, true)
	check(1, readingNoUnit, true)
	check(3, readingV1, false)
	check(-2, readingV2, false) // every version, so v3 as well
	check(-2, readingNoUnit, true)

	_, err = cl.CheckCompatibility(ctx, subject, 9, avroSchema(readingV2))
	responseError(t, err, http.StatusNotFound, 40402)
	_, err = cl.CheckCompatibility(ctx, subject, -1, avroSchema(`{"type":"record"}`))
	responseError(t, err, http.StatusUnprocessableEntity, 42201)
}

func TestRegistryRemovesVersionItCannotPersist(t *testing.T) {
	ctx := testContext(t)
	fail := true
	var persisted []StoredSchema
	_, cl := startRegistry(t, RegistryOptions{Persist: func(subject string, version, id int, schema string) error {
		if fail {
			return errors.New("disk full")
		}
		persisted = append(persisted, StoredSchema{subject, version, id, schema})
		return nil
	}})

	_, err := cl.CreateSchema(ctx, "devices-value", avroSchema(deviceV1))
	re := responseError(t, err, http.StatusInternalServerError, 50001)
	if !strings.Contains(re.Message, "disk full") {
		t.Fatalf("500 message = %q", re.Message)
	}
	if _, err := cl.SchemaByVersion(ctx, "devices-value", -1); err == nil {
		t.Fatal("the version that could not be persisted is still registered")
	}

	fail = false
	ss, err := cl.CreateSchema(ctx, "devices-value", avroSchema(deviceV1))
	if err != nil {
		t.Fatalf("CreateSchema() after the failure = %v", err)
	}
	if _, err := cl.CreateSchema(ctx, "devices-value", avroSchema(deviceV1)); err != nil {
		t.Fatalf("CreateSchema() again = %v", err)
	}
	want := []StoredSchema{{"devices-value", ss.Version, ss.ID, deviceV1}}
	if !slices.Equal(persisted, want) {
		t.Fatalf("persisted %+v, want %+v", persisted, want)
	}
}

func TestRegistryIDsSurviveRestart(t *testing.T) {
	ctx := testContext(t)
	k := startKafka(t, KafkaOptions{})
	persist, load := SchemaLog(newClient(t, k), "")

	reg, cl := startRegistry(t, RegistryOptions{Persist: persist})
	registered := map[int]string{}
	for _, s := range []struct{ subject, text string }{
		{"wearables.readings-value", readingV1},
		{"wearables.readings-value", readingV2},
		{"wearables.devices-value", deviceV1},
		{"wearables.archive-value", readingV1}, // the same schema keeps its id
	} {
		ss, err := cl.CreateSchema(ctx, s.subject, avroSchema(s.text))
		if err != nil {
			t.Fatalf("CreateSchema(%s) = %v", s.subject, err)
		}
		registered[ss.ID] = s.text
	}
	if len(registered) != 3 {
		t.Fatalf("registered ids %v, want 3 distinct ids", registered)
	}
	reg.Close()

	stored, err := load(ctx)
	if err != nil {
		t.Fatalf("load() = %v", err)
	}
	if len(stored) != 4 || !slices.IsSortedFunc(stored, func(a, b StoredSchema) int { return a.ID - b.ID }) {
		t.Fatalf("load() = %+v, want 4 schemas in id order", stored)
	}

	_, cl = startRegistry(t, RegistryOptions{Persist: persist, Seed: stored})
	maxID := 0
	for id, text := range registered {
		got, err := cl.SchemaByID(ctx, id)
		if err != nil || got.Schema != text {
			t.Fatalf("SchemaByID(%d) = %q, %v; want %q", id, got.Schema, err, text)
		}
		maxID = max(maxID, id)
	}
	for _, s := range stored {
		got, err := cl.SchemaByVersion(ctx, s.Subject, s.Version)
		if err != nil || got.ID != s.ID || got.Schema.Schema != s.Schema {
			t.Fatalf("SchemaByVersion(%s, %d) = %+v, %v; want id %d", s.Subject, s.Version, got, err, s.ID)
		}
	}

	_, err = cl.CreateSchema(ctx, "wearables.readings-value", avroSchema(readingBroken))
	responseError(t, err, http.StatusConflict, 409)
	fresh, err := cl.CreateSchema(ctx, "wearables.readings-value", avroSchema(readingNoUnit))
	if err != nil {
		t.Fatalf("CreateSchema() after restart = %v", err)
	}
	if fresh.ID <= maxID || fresh.Version != 3 {
		t.Fatalf("new schema got id %d version %d, want an id above %d and version 3", fresh.ID, fresh.Version, maxID)
	}
	if stored, err = load(ctx); err != nil || len(stored) != 5 || stored[4].ID != fresh.ID {
		t.Fatalf("load() after restart = %+v, %v; want the new schema last", stored, err)
	}
}
