package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestNormalizePrintsSummaries checks that `wearstream normalize` prints
// the provider's scores and Open Wearables' sleep score of each main
// session as summary lines.
func TestNormalizePrintsSummaries(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := normalizeFile(&out, &errOut, "garmin", "../../ingest/garmin/testdata/garmin_push_sleeps.json"); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var line struct {
			Kind     string   `json:"kind"`
			Category string   `json:"category"`
			Value    *float64 `json:"value"`
			Source   struct {
				Provider string `json:"provider"`
			} `json:"source"`
		}
		if err := dec.Decode(&line); err != nil {
			t.Fatal(err)
		}
		if line.Kind == "summary" && line.Value != nil {
			got[line.Source.Provider+"/"+line.Category+"/"+jsonNumber(*line.Value)] = *line.Value
		}
	}
	// Garmin's own score of the first night; the internal score of both
	// nights (the nap has none): the first 8 h with full stages, 80 without
	// earlier bedtimes; the second 6.6 h without stages: 0.4 × 96 + 0.2 × 100
	// = 58.
	for _, want := range []string{"garmin/sleep/83", "internal/sleep/80", "internal/sleep/58"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no summary line %s; got %v", want, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("summary lines %v, want 3", got)
	}
}

func jsonNumber(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
