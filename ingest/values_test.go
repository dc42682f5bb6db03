package ingest

import (
	"encoding/json"
	"testing"
)

func TestNumber(t *testing.T) {
	f := func(in string, want Number) {
		t.Helper()
		var x Number
		if err := json.Unmarshal([]byte(in), &x); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if x != want {
			t.Errorf("%s: %+v, want %+v", in, x, want)
		}
	}
	f(`12.5`, Number{Value: 12.5, Set: true})
	f(`"12.5"`, Number{Value: 12.5, Set: true})
	f(`null`, Number{})
	f(`""`, Number{})
	f(`"NaN"`, Number{Bad: true})
	f(`"high"`, Number{Bad: true})
	f(`true`, Number{Bad: true})
	f(`{}`, Number{Bad: true})
	f(`1e999`, Number{Bad: true})
}
