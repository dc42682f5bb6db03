package sdk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseLogs(t *testing.T) {
	req, err := ParseLogs([]byte(`{"sdkVersion":" 1.2 ","provider":"Samsung","events":[
	  {"eventType":"device_state","timestamp":"2026-03-01T08:00:00+02:00","batteryLevel":0.5,"extra":{"new":"field"}},
	  {"eventType":"historical_data_sync_start","timestamp":"2026-03-01T08:00:00Z","dataTypeCounts":[],"timeRange":{"startDate":"2026-01-01T00:00:00Z","endDate":"2026-03-01T00:00:00Z"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if req.SDKVersion != "1.2" || req.Provider != "samsung" || len(req.Events) != 2 || req.Events[0].Time.Hour() != 6 ||
		!strings.Contains(string(req.Events[0].Raw), `"extra":{"new":"field"}`) {
		t.Fatalf("ParseLogs = %+v", req)
	}

	f := func(body, field string) {
		t.Helper()
		_, err := ParseLogs([]byte(body))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("ParseLogs(%s) = %v, want an error on %s", body, err, field)
		}
	}
	f(`{"sdkVersion":1,"events":[]}`, "sdkVersion")
	f(`{"sdkVersion":"1"}`, "events")
	f(`{"sdkVersion":"1","events":{}}`, "events")
	f(`{"sdkVersion":"1","events":[1]}`, "events[0]")
	f(`{"sdkVersion":"1","events":[{"eventType":"device_state","timestamp":"yesterday"}]}`, "events[0].timestamp")
	f(`{"sdkVersion":"1","events":[{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z","isLowPowerMode":"yes"}]}`, "events[0].isLowPowerMode")
	f(`{"sdkVersion":"1","events":[{"eventType":"historical_data_sync_start","timestamp":"2026-03-01T08:00:00Z","dataTypeCounts":[{"type":"x","count":-1}]}]}`, "events[0].dataTypeCounts[0].count")
	f(`{"sdkVersion":"1","events":[{"eventType":"historical_data_sync_start","timestamp":"2026-03-01T08:00:00Z","timeRange":{}}]}`, "events[0].timeRange.endDate")
	f(`{"sdkVersion":"1","events":[{"eventType":"historical_data_type_sync_end","timestamp":"2026-03-01T08:00:00Z","success":true}]}`, "events[0].dataType")
	if _, err := ParseLogs([]byte(`[]`)); err == nil {
		t.Error("an array body was accepted")
	}
}

func FuzzParseLogs(f *testing.F) {
	f.Add([]byte(`{"sdkVersion":"1","events":[{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z","batteryLevel":0.5}]}`))
	f.Add([]byte(`{"sdkVersion":"1","provider":"apple","events":[{"eventType":"historical_data_type_sync_end","timestamp":"2026-03-01T08:00:00Z","dataType":"steps","success":false,"timeRange":{"endDate":"2026-03-01T08:00:00Z"}}]}`))
	f.Add([]byte(`{"sdkVersion":"1","events":[{"eventType":"historical_data_sync_start","timestamp":"2026-03-01T08:00:00Z","dataTypeCounts":[{"type":"a","count":1}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseLogs(body)
		if err != nil {
			return
		}
		if req.SDKVersion == "" || len(req.Events) == 0 || len(req.Events) > MaxLogEvents {
			t.Fatalf("accepted %+v", req)
		}
		for _, ev := range req.Events {
			if ev.Type == "" || ev.Time.IsZero() || !json.Valid(ev.Raw) {
				t.Fatalf("accepted event %+v", ev)
			}
		}
	})
}
