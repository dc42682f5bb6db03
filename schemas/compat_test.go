package schemas

import (
	"strings"
	"testing"
)

const compatV1 = `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"string"}]}`

func TestCompatCheckBackward(t *testing.T) {
	f := func(name, previous, next, wantErr string) {
		t.Helper()
		err := CheckBackward(previous, next)
		if wantErr == "" {
			if err != nil {
				t.Fatalf("%s: CheckBackward() = %v, want nil", name, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("%s: CheckBackward() = nil, want an error containing %q", name, wantErr)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s: CheckBackward() = %q, want it to contain %q", name, err, wantErr)
		}
	}

	f("unchanged", compatV1, compatV1, "")
	f("field added with a default", compatV1, `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"string"},
 {"name":"zone_offset","type":"int","default":0}]}`, "")
	f("field removed", compatV1, `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"}]}`, "")
	f("int widened to long", `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"n","type":"int"}]}`, `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"n","type":"long"}]}`, "")
	f("field added without a default", compatV1, `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"string"},
 {"name":"zone_offset","type":"int"}]}`, "zone_offset")
	f("string changed to long", compatV1, `{"type":"record","name":"Reading","namespace":"io.wearstream.test","fields":[
 {"name":"id","type":"string"},
 {"name":"unit","type":"long"}]}`, "cannot read data written with the previous schema")
	f("invalid next schema", compatV1, `{"type":"nosuchtype"}`, "cannot parse next schema")
	f("invalid previous schema", `{"type":"record","name":"Reading"`, compatV1, "cannot parse previous schema")
}

func TestCompatSchemasDoNotShareNames(t *testing.T) {
	// A name defined by one schema must not leak into the parse of another,
	// or a schema referring to a type it never defines would pass.
	if err := CheckBackward(compatV1, compatV1); err != nil {
		t.Fatal(err)
	}
	if err := ValidateAvro(`{"type":"record","name":"Holder","fields":[{"name":"r","type":"io.wearstream.test.Reading"}]}`); err == nil {
		t.Fatal("ValidateAvro() = nil for a schema using a type defined elsewhere")
	}
}

func TestCompatValidateAvro(t *testing.T) {
	if err := ValidateAvro(compatV1); err != nil {
		t.Fatalf("ValidateAvro(valid) = %v", err)
	}
	for _, s := range []string{`{"type":"nosuchtype"}`, `not json`, `{"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]}`} {
		if err := ValidateAvro(s); err == nil {
			t.Fatalf("ValidateAvro(%s) = nil, want an error", s)
		}
	}
}
