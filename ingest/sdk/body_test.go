package sdk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	f := func(body, wantField, wantInMessage string, unknownProvider bool) {
		t.Helper()
		req, err := Parse([]byte(body))
		if err == nil {
			t.Fatalf("Parse(%s) = %+v, want an error", body, req)
		}
		var fe *FieldError
		if wantField != "" {
			if !errors.As(err, &fe) || fe.Field != wantField {
				t.Errorf("Parse(%s): %v, want a FieldError on %q", body, err, wantField)
			}
		} else if errors.As(err, &fe) {
			t.Errorf("Parse(%s): FieldError %v, want a decoding error", body, err)
		}
		if !strings.Contains(err.Error(), wantInMessage) {
			t.Errorf("Parse(%s): %q does not say %q", body, err, wantInMessage)
		}
		if errors.Is(err, ErrUnknownProvider) != unknownProvider {
			t.Errorf("Parse(%s): errors.Is(ErrUnknownProvider) = %v", body, !unknownProvider)
		}
	}
	f(``, "", "empty body", false)
	f(`   `, "", "empty body", false)
	f(`{"provider":"apple",`, "", "cannot decode sdk sync body", false)
	f(`{"provider":"apple" "data":{}}`, "", "at offset 21", false)
	f(`{"provider":"apple"} trailing`, "", "at offset 22", false)
	f(`nope`, "", "at offset 2", false)
	f(`null`, "", "want a JSON object, got null", false)
	f(`[{"provider":"apple"}]`, "", "want a JSON object, got an array", false)
	f(`"apple"`, "", "want a JSON object, got a string", false)
	f(`{}`, "provider", "missing", true)
	f(`{"provider":""}`, "provider", "missing", true)
	f(`{"provider":"fitbit"}`, "provider", `unknown provider "fitbit"`, true)
	f(`{"provider":5}`, "provider", "want a string, got JSON number", true)
	f(`{"provider":"apple","data":[]}`, "data", "want an object, got JSON array", false)
	f(`{"provider":"apple","data":{"records":{}}}`, "data.records", "want an array, got JSON object", false)
	f(`{"provider":"apple","data":{"sleep":"x"}}`, "data.sleep", "want an array, got JSON string", false)
	f(`{"provider":"apple","sdkVersion":1}`, "sdkVersion", "want a string", false)
}

func TestParseAccepts(t *testing.T) {
	f := func(body, wantProvider string, wantRecords int, wantDropped map[string]int) {
		t.Helper()
		req, err := Parse([]byte(body))
		if err != nil {
			t.Fatalf("Parse(%s): %v", body, err)
		}
		if req.Provider != wantProvider || len(req.Data.Records) != wantRecords {
			t.Errorf("Parse(%s) = provider %q, %d records", body, req.Provider, len(req.Data.Records))
		}
		if len(req.Dropped) != len(wantDropped) {
			t.Errorf("Parse(%s) dropped %v, want %v", body, req.Dropped, wantDropped)
		}
		for k, v := range wantDropped {
			if req.Dropped[k] != v {
				t.Errorf("Parse(%s) dropped %v, want %v", body, req.Dropped, wantDropped)
			}
		}
	}
	f(`{"provider":"apple"}`, "apple", 0, nil)
	f(` {"provider":"GOOGLE","data":null}`, "google", 0, nil)
	f(`{"provider":"Samsung","data":{"records":null,"sleep":[],"workouts":[]},"future":{"x":[1]}}`, "samsung", 0, nil)
	f(`{"provider":"apple","data":{"records":[{"type":"X","value":1,"metadata":[1,2]},{"type":"Y","metadata":{"a":1}}]}}`, "apple", 2, nil)
	f(`{"provider":"apple","data":{"records":[{"type":"X","value":true}]}}`, "apple", 1, nil)
	f(`{"provider":"apple","data":{"records":[{"type":"X"},{"type":7},5,null,{"source":{"name":[]}}],"sleep":[{"stage":{}}],"workouts":[{"values":{}}]}}`,
		"apple", 2, map[string]int{"records": 3, "sleep": 1, "workouts": 1})
}

func TestNumber(t *testing.T) {
	f := func(in string, want float64, valid bool) {
		t.Helper()
		var n Number
		if err := json.Unmarshal([]byte(in), &n); err != nil {
			t.Fatalf("Unmarshal(%s): %v", in, err)
		}
		if n.Valid != valid || (valid && n.Float != want) {
			t.Errorf("Unmarshal(%s) = %+v, want %v valid=%v", in, n, want, valid)
		}
	}
	f(`58`, 58, true)
	f(`-3.5e2`, -350, true)
	f(`0.97`, 0.97, true)
	f(`"1.5"`, 1.5, true)
	f(`" 42 "`, 42, true)
	f(`1e400`, 0, false)
	f(`"NaN"`, 0, false)
	f(`"Inf"`, 0, false)
	f(`"0x10"`, 0, false)
	f(`"1_000"`, 0, false)
	f(`"fast"`, 0, false)
	f(`""`, 0, false)
	f(`null`, 0, false)
	f(`true`, 0, false)
	f(`{"v":1}`, 0, false)
	f(`[1]`, 0, false)
}
