package sdk

// The sync body of the Open Wearables mobile SDKs, field for field as
// backend/app/schemas/providers/mobile_sdk/sync_request.py defines it.
// Unknown fields are ignored, so newer SDKs keep working.
//
// Parse is called twice for every upload: by the gateway, to reject garbage
// with a precise 400 before anything is acknowledged, and by the normaliser.
// It therefore decodes once with encoding/json into plain structs (the fast
// path) and only when a field somewhere has the wrong JSON type does it
// decode again item by item, so that one bad record is dropped and counted
// instead of failing the whole body (Open Wearables' "per-record salvage").

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/wearstream/wearstream/ingest"
)

// ErrUnknownProvider is the error of a body whose provider is missing or is
// not one of apple, samsung and google.
var ErrUnknownProvider = errors.New("unknown sdk provider")

// providerNames are the provider names an SDK body may carry, in lower case.
var providerNames = [...]string{"apple", "samsung", "google"}

// FieldError is an envelope field that is missing or has the wrong shape;
// Field is its JSON path (provider, data.records, ...).
type FieldError struct {
	Field  string
	Reason string
	Err    error
}

// Error says which field is wrong and why.
func (e *FieldError) Error() string {
	return "invalid sdk sync body: " + e.Field + ": " + e.Reason
}

// Unwrap returns the sentinel behind the error, if any.
func (e *FieldError) Unwrap() error { return e.Err }

// SyncRequest is the body of POST /api/v1/sdk/users/{user_id}/sync.
type SyncRequest struct {
	// Provider is apple, samsung or google; Parse lower-cases it.
	Provider      string   `json:"provider"`
	SDKVersion    string   `json:"sdkVersion"`
	SyncTimestamp string   `json:"syncTimestamp"`
	Data          SyncData `json:"data"`
	// Dropped counts the items of Data that had a field of the wrong JSON
	// type and were left out, by collection (records, sleep, workouts).
	Dropped map[string]int `json:"-"`
}

// SyncData holds the three collections of a sync body, each optional.
type SyncData struct {
	Records  []MetricRecord `json:"records"`
	Sleep    []SleepRecord  `json:"sleep"`
	Workouts []Workout      `json:"workouts"`
}

// Source describes the app and device that wrote an item, all optional.
type Source struct {
	AppID                  string    `json:"appId"`
	Name                   string    `json:"name"`
	BundleIdentifier       string    `json:"bundleIdentifier"`
	Version                string    `json:"version"`
	ProductType            string    `json:"productType"`
	OperatingSystemVersion OSVersion `json:"operatingSystemVersion"`
	DeviceID               string    `json:"deviceId"`
	DeviceName             string    `json:"deviceName"`
	DeviceManufacturer     string    `json:"deviceManufacturer"`
	DeviceType             string    `json:"deviceType"`
	DeviceModel            string    `json:"deviceModel"`
	DeviceHardwareVersion  string    `json:"deviceHardwareVersion"`
	DeviceSoftwareVersion  string    `json:"deviceSoftwareVersion"`
	RecordingMethod        string    `json:"recordingMethod"`
}

// OSVersion is the operating system version of the writing device.
type OSVersion struct {
	MajorVersion Number `json:"majorVersion"`
	MinorVersion Number `json:"minorVersion"`
	PatchVersion Number `json:"patchVersion"`
}

// MetricRecord is one quantity sample (HealthKit quantity sample, Health
// Connect or Samsung record).
type MetricRecord struct {
	ID         string          `json:"id"`
	ParentID   string          `json:"parentId"`
	Type       string          `json:"type"`
	StartDate  string          `json:"startDate"`
	EndDate    string          `json:"endDate"`
	ZoneOffset string          `json:"zoneOffset"`
	Source     Source          `json:"source"`
	Value      Number          `json:"value"`
	Unit       string          `json:"unit"`
	Metadata   json.RawMessage `json:"metadata"`
}

// SleepRecord is one sleep stage segment.
type SleepRecord struct {
	ID         string          `json:"id"`
	ParentID   string          `json:"parentId"`
	Stage      string          `json:"stage"`
	StartDate  string          `json:"startDate"`
	EndDate    string          `json:"endDate"`
	ZoneOffset string          `json:"zoneOffset"`
	Source     Source          `json:"source"`
	Values     []Statistic     `json:"values"`
	Metadata   json.RawMessage `json:"metadata"`
}

// Workout is one exercise session with its statistics.
type Workout struct {
	ID         string      `json:"id"`
	ParentID   string      `json:"parentId"`
	Type       string      `json:"type"`
	StartDate  string      `json:"startDate"`
	EndDate    string      `json:"endDate"`
	ZoneOffset string      `json:"zoneOffset"`
	Source     Source      `json:"source"`
	Title      string      `json:"title"`
	Notes      string      `json:"notes"`
	Values     []Statistic `json:"values"`
	// Segments and Laps ([{startDate, endDate, ...}]), Route ([{timestamp,
	// latitude, longitude, altitudeM, horizontalAccuracyM,
	// verticalAccuracyM}]) and Samples ([{timestamp, type, value, unit}])
	// are kept raw here and read item by item by the normaliser
	// (workout_detail.go), so that one odd point never drops a workout.
	// Metadata is not used.
	Segments json.RawMessage `json:"segments"`
	Laps     json.RawMessage `json:"laps"`
	Route    json.RawMessage `json:"route"`
	Samples  json.RawMessage `json:"samples"`
	Metadata json.RawMessage `json:"metadata"`
}

// Statistic is one {type, unit, value} of a workout or a sleep segment.
type Statistic struct {
	Type  string `json:"type"`
	Unit  string `json:"unit"`
	Value Number `json:"value"`
}

// Number is a JSON value read as a number. A JSON number or a string
// holding a finite decimal number sets Valid; null, booleans, objects,
// arrays, non-numeric strings, NaN and infinities leave it unset. Decoding a
// Number never fails, so one odd value cannot reject a body.
type Number struct {
	Float float64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(b []byte) error {
	*n = Number{}
	if len(b) == 0 {
		return nil
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.ContainsAny(s, "xX_") {
			return nil
		}
		n.set(strconv.ParseFloat(s, 64))
	case c == '-' || (c >= '0' && c <= '9'):
		n.set(strconv.ParseFloat(string(b), 64))
	}
	return nil
}

func (n *Number) set(f float64, err error) {
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	n.Float, n.Valid = f, true
}

// Parse decodes and checks an SDK sync body: it must be one JSON object
// whose provider is apple, samsung or google (any case) and whose data, when
// present, is an object of arrays. Items of data with a field of the wrong
// JSON type are dropped and counted in Dropped; everything else about items
// is left to the normaliser. Errors are a *FieldError naming the field (for
// the provider, wrapping ErrUnknownProvider) or a decoding error with the
// byte offset.
func Parse(body []byte) (*SyncRequest, error) {
	if err := checkObject(body); err != nil {
		return nil, err
	}
	var req SyncRequest
	err := json.Unmarshal(body, &req)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		req = SyncRequest{}
		if err := parseSalvaging(body, &req); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, decodeError(err)
	}
	if err := checkProvider(&req); err != nil {
		return nil, err
	}
	return &req, nil
}

// checkObject rejects bodies that are not a JSON object before decoding, so
// that "null", "[]" and "42" get an error that says so.
func checkObject(body []byte) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return fmt.Errorf("cannot decode sdk sync body: empty body")
	}
	if trimmed[0] != '{' {
		if !json.Valid(body) {
			return decodeError(json.Unmarshal(body, new(json.RawMessage)))
		}
		return fmt.Errorf("cannot decode sdk sync body: want a JSON object, got %s", jsonKind(trimmed[0]))
	}
	return nil
}

func checkProvider(req *SyncRequest) error {
	if req.Provider == "" {
		return &FieldError{Field: "provider", Reason: "missing (want apple, samsung or google)", Err: ErrUnknownProvider}
	}
	p := strings.ToLower(req.Provider)
	for _, known := range providerNames {
		if p == known {
			req.Provider = known
			return nil
		}
	}
	return &FieldError{
		Field:  "provider",
		Reason: fmt.Sprintf("unknown provider %q (want apple, samsung or google)", ingest.Truncate(req.Provider, 64)),
		Err:    ErrUnknownProvider,
	}
}

// envelope is the body with the items of data left undecoded.
type envelope struct {
	Provider      string `json:"provider"`
	SDKVersion    string `json:"sdkVersion"`
	SyncTimestamp string `json:"syncTimestamp"`
	Data          struct {
		Records  []json.RawMessage `json:"records"`
		Sleep    []json.RawMessage `json:"sleep"`
		Workouts []json.RawMessage `json:"workouts"`
	} `json:"data"`
}

// parseSalvaging decodes the envelope, where a wrong type is an error
// naming the field, and then every item on its own, dropping the items that
// do not decode.
func parseSalvaging(body []byte, req *SyncRequest) error {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			fe := &FieldError{Field: typeErr.Field, Reason: "want " + wantKind(typeErr.Type) + ", got JSON " + typeErr.Value}
			if fe.Field == "provider" {
				fe.Err = ErrUnknownProvider
			}
			return fe
		}
		return decodeError(err)
	}
	req.Provider, req.SDKVersion, req.SyncTimestamp = env.Provider, env.SDKVersion, env.SyncTimestamp
	req.Data.Records = salvage[MetricRecord](env.Data.Records, req, "records")
	req.Data.Sleep = salvage[SleepRecord](env.Data.Sleep, req, "sleep")
	req.Data.Workouts = salvage[Workout](env.Data.Workouts, req, "workouts")
	return nil
}

func salvage[T any](raw []json.RawMessage, req *SyncRequest, collection string) []T {
	if raw == nil {
		return nil
	}
	out := make([]T, 0, len(raw))
	for _, r := range raw {
		var item T
		if json.Unmarshal(r, &item) != nil {
			if req.Dropped == nil {
				req.Dropped = map[string]int{}
			}
			req.Dropped[collection]++
			continue
		}
		out = append(out, item)
	}
	return out
}

func decodeError(err error) error {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("cannot decode sdk sync body at offset %d: %w", syntaxErr.Offset, err)
	}
	return fmt.Errorf("cannot decode sdk sync body: %w", err)
}

func wantKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64, reflect.Int32:
		return "a number"
	}
	return t.String()
}

func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// CheckEnvelope checks what the gateway must know before it accepts a body:
// syntactically valid JSON, an object, a known provider, and an object under
// data when present. It does not decode the items (the processor does, and
// salvages what it can): one validating scan and a walk over the top-level
// keys, a fraction of the cost of Parse. It returns the provider, lower-cased.
func CheckEnvelope(body []byte) (string, error) {
	if err := checkObject(body); err != nil {
		return "", err
	}
	if !json.Valid(body) {
		return "", decodeError(json.Unmarshal(body, new(json.RawMessage)))
	}
	var provider string
	var err error
	eachTopLevel(body, func(key string, value []byte) bool {
		switch key {
		case "provider":
			if value[0] != '"' {
				err = &FieldError{Field: "provider", Reason: "want a string, got " + jsonKind(value[0]), Err: ErrUnknownProvider}
				return false
			}
			err = json.Unmarshal(value, &provider)
		case "data":
			if value[0] != '{' && string(value) != "null" {
				err = &FieldError{Field: "data", Reason: "want an object, got " + jsonKind(value[0])}
				return false
			}
		}
		return err == nil
	})
	if err != nil {
		return "", err
	}
	req := SyncRequest{Provider: provider}
	if err := checkProvider(&req); err != nil {
		return "", err
	}
	return req.Provider, nil
}

// eachTopLevel calls fn with every key of a valid JSON object and the raw
// bytes of its value, until fn returns false. The body must be valid JSON.
func eachTopLevel(body []byte, fn func(key string, value []byte) bool) {
	i := bytes.IndexByte(body, '{') + 1
	for {
		i = skipSpace(body, i)
		if i >= len(body) || body[i] != '"' {
			return // '}' or malformed
		}
		end := skipValue(body, i)
		var key string
		if json.Unmarshal(body[i:end], &key) != nil {
			return
		}
		i = skipSpace(body, end)
		i = skipSpace(body, i+1) // the ':'
		end = skipValue(body, i)
		if !fn(key, body[i:end]) {
			return
		}
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ',' {
			return
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value starting at i.
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',':
			if depth == 0 {
				return i
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
