package sdk

// SDK diagnostic events: the body of POST /api/v1/sdk/users/{user_id}/logs,
// as Open Wearables' sdk_log_events.py defines it (open-wearables.md §4.7).
// ParseLogs checks it strictly, since a client gets the answer at once:
// 1 to 100 events, each with a known eventType, a timestamp and fields of
// the right JSON types. Unknown fields are allowed, so newer SDKs keep
// working.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

// MaxLogEvents is the most events one logs request may carry.
const MaxLogEvents = 100

// The SDK log event types.
const (
	LogSyncStart   = "historical_data_sync_start"
	LogTypeSyncEnd = "historical_data_type_sync_end"
	LogDeviceState = "device_state"
)

// LogRequest is a checked logs body.
type LogRequest struct {
	SDKVersion string
	Provider   string // lower-cased, "" when absent
	SessionID  string
	Events     []LogEvent
}

// LogEvent is one checked event: its type, time and JSON object as sent.
type LogEvent struct {
	Type string
	Time time.Time
	Raw  json.RawMessage
}

type logEnvelope struct {
	SDKVersion *string           `json:"sdkVersion"`
	Provider   *string           `json:"provider"`
	SessionID  *string           `json:"syncSessionId"`
	Events     []json.RawMessage `json:"events"`
}

type timeRange struct {
	StartDate *string `json:"startDate"`
	EndDate   *string `json:"endDate"`
}

type logEventFields struct {
	EventType string  `json:"eventType"`
	Timestamp *string `json:"timestamp"`

	DataTypeCounts []struct {
		Type  *string `json:"type"`
		Count *int64  `json:"count"`
	} `json:"dataTypeCounts"`
	TimeRange *timeRange `json:"timeRange"`

	DataType     *string `json:"dataType"`
	Success      *bool   `json:"success"`
	RecordCount  *int64  `json:"recordCount"`
	DurationMS   *int64  `json:"durationMs"`
	ErrorCode    *string `json:"errorCode"`
	ErrorMessage *string `json:"errorMessage"`

	BatteryLevel      *float64 `json:"batteryLevel"`
	BatteryState      *string  `json:"batteryState"`
	IsLowPowerMode    *bool    `json:"isLowPowerMode"`
	ThermalState      *string  `json:"thermalState"`
	TaskType          *string  `json:"taskType"`
	AvailableRAMBytes *int64   `json:"availableRamBytes"`
	TotalRAMBytes     *int64   `json:"totalRamBytes"`
}

// ParseLogs decodes and checks a logs body. Errors are a *FieldError
// naming the field (events[3].timestamp, ...) or a decoding error.
func ParseLogs(body []byte) (*LogRequest, error) {
	if err := checkObject(body); err != nil {
		return nil, err
	}
	var env logEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, typeError("", err)
	}
	out := &LogRequest{}
	if env.SDKVersion == nil || strings.TrimSpace(*env.SDKVersion) == "" {
		return nil, &FieldError{Field: "sdkVersion", Reason: "required"}
	}
	out.SDKVersion = ingest.Truncate(strings.TrimSpace(*env.SDKVersion), 64)
	if env.Provider != nil && *env.Provider != "" {
		req := SyncRequest{Provider: *env.Provider}
		if err := checkProvider(&req); err != nil {
			return nil, err
		}
		out.Provider = req.Provider
	}
	if env.SessionID != nil {
		out.SessionID = ingest.Truncate(strings.TrimSpace(*env.SessionID), 128)
	}
	switch n := len(env.Events); {
	case env.Events == nil:
		return nil, &FieldError{Field: "events", Reason: "required (1 to 100 events)"}
	case n == 0 || n > MaxLogEvents:
		return nil, &FieldError{Field: "events", Reason: fmt.Sprintf("want 1 to %d events, got %d", MaxLogEvents, n)}
	}
	for i, raw := range env.Events {
		ev, err := parseLogEvent(raw)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field = "events[" + strconv.Itoa(i) + "]" + dot(fe.Field)
				return nil, fe
			}
			return nil, err
		}
		out.Events = append(out.Events, ev)
	}
	return out, nil
}

func dot(field string) string {
	if field == "" {
		return ""
	}
	return "." + field
}

func typeError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &FieldError{Field: prefix + te.Field, Reason: "want " + wantKind(te.Type) + ", got JSON " + te.Value}
	}
	return decodeError(err)
}

func parseLogEvent(raw json.RawMessage) (LogEvent, error) {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return LogEvent{}, &FieldError{Field: "", Reason: "want an object"}
	}
	var f logEventFields
	if err := json.Unmarshal(raw, &f); err != nil {
		return LogEvent{}, typeError("", err)
	}
	switch f.EventType {
	case LogSyncStart, LogTypeSyncEnd, LogDeviceState:
	case "":
		return LogEvent{}, &FieldError{Field: "eventType", Reason: "required (" + LogSyncStart + ", " + LogTypeSyncEnd + " or " + LogDeviceState + ")"}
	default:
		return LogEvent{}, &FieldError{Field: "eventType", Reason: fmt.Sprintf("unknown event type %q", ingest.Truncate(f.EventType, 64))}
	}
	if f.Timestamp == nil {
		return LogEvent{}, &FieldError{Field: "timestamp", Reason: "required"}
	}
	ts, _, ok := parseTime(*f.Timestamp)
	if !ok {
		return LogEvent{}, &FieldError{Field: "timestamp", Reason: "not an ISO-8601 date-time"}
	}
	if err := checkTimeRange(f.TimeRange); err != nil {
		return LogEvent{}, err
	}
	switch f.EventType {
	case LogSyncStart:
		for i, d := range f.DataTypeCounts {
			field := "dataTypeCounts[" + strconv.Itoa(i) + "]"
			if d.Type == nil {
				return LogEvent{}, &FieldError{Field: field + ".type", Reason: "required"}
			}
			if d.Count == nil || *d.Count < 0 {
				return LogEvent{}, &FieldError{Field: field + ".count", Reason: "required, a whole number of at least 0"}
			}
		}
	case LogTypeSyncEnd:
		if f.DataType == nil {
			return LogEvent{}, &FieldError{Field: "dataType", Reason: "required"}
		}
		if f.Success == nil {
			return LogEvent{}, &FieldError{Field: "success", Reason: "required"}
		}
	case LogDeviceState:
		if f.BatteryLevel != nil && (*f.BatteryLevel < 0 || *f.BatteryLevel > 1) {
			return LogEvent{}, &FieldError{Field: "batteryLevel", Reason: "want a fraction from 0 to 1"}
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return LogEvent{}, decodeError(err)
	}
	return LogEvent{Type: f.EventType, Time: ts, Raw: compact.Bytes()}, nil
}

func checkTimeRange(r *timeRange) error {
	if r == nil {
		return nil
	}
	if r.EndDate == nil {
		return &FieldError{Field: "timeRange.endDate", Reason: "required"}
	}
	if _, _, ok := parseTime(*r.EndDate); !ok {
		return &FieldError{Field: "timeRange.endDate", Reason: "not an ISO-8601 date-time"}
	}
	if r.StartDate != nil {
		if _, _, ok := parseTime(*r.StartDate); !ok {
			return &FieldError{Field: "timeRange.startDate", Reason: "not an ISO-8601 date-time"}
		}
	}
	return nil
}
