package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/processors"
)

func TestImportFIT(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	path := "/api/v1/users/" + id + "/import/fit"
	one := ingesttest.FITCorpus(t, "from_official_sdk/Activity.fit")
	two := ingesttest.FITCorpus(t, "from_official_sdk/activity_multisport.fit")

	body, ct := fitForm(map[string][]byte{"a.fit": one}, map[string][]byte{"b.fit": two})
	r := h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": ct}, body)
	if r.status != http.StatusAccepted {
		t.Fatalf("import: %d %s", r.status, r.rawBody)
	}
	runID := r.body["run_id"].(string)
	// The figures, exactly: records are the files' record messages;
	// workouts, laps and samples what the processor makes of them
	// (Activity.fit: 3,601 records, 7 series of 3,601 samples).
	wantJSON(t, "totals", map[string]any{
		"items_processed": r.body["items_processed"], "bytes": r.body["bytes"] != nil,
		"records": r.body["records"], "workouts": r.body["workouts"], "laps": r.body["laps"],
		"samples": r.body["samples"], "series": r.body["series"],
	}, `{"bytes":true,"items_processed":2,"laps":8,"records":3679,"samples":25306,"series":{"cadence":3623,"elevation":3601,"heart_rate":3678,"latitude":3601,"longitude":3601,"power":3601,"speed":3601},"workouts":3}`)
	files := r.body["files"].([]any)
	first := files[0].(map[string]any)
	if len(files) != 2 || first["name"] != "a.fit" || first["bytes"] != float64(len(one)) {
		t.Fatalf("files = %v", files)
	}
	delete(first, "raw_event_id")
	delete(first, "bytes")
	wantJSON(t, "a.fit", first, `{"laps":1,"name":"a.fit","records":3601,"samples":25207,"series":{"cadence":3601,"elevation":3601,"heart_rate":3601,"latitude":3601,"longitude":3601,"power":3601,"speed":3601},"workouts":1}`)

	// The files are in Kafka untouched and normalise through the processor
	// into what the answer said.
	raws := h.consumeRaw(fit.Provider, 2)
	workouts, samples := 0, 0
	for _, raw := range raws {
		if raw.Kind != "import" || raw.ContentType != fit.ContentType || raw.Headers["run_id"] != runID ||
			!(bytes.Equal(raw.Body, one) || bytes.Equal(raw.Body, two)) {
			t.Fatalf("raw event %+v", raw.Headers)
		}
		recs, err := processors.Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		workouts += len(recs.Workouts)
		for _, b := range recs.Samples {
			samples += len(b.Samples)
		}
	}
	if workouts != 3 || float64(samples) != r.body["samples"] {
		t.Fatalf("the processor makes %d workouts and %d samples; the answer said %v and %v", workouts, samples, r.body["workouts"], r.body["samples"])
	}

	// One file as the raw body.
	r = h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": "application/octet-stream"}, one)
	if r.status != http.StatusAccepted || r.body["workouts"] != float64(1) {
		t.Fatalf("raw body import: %d %s", r.status, r.rawBody)
	}

	corrupt := bytes.Clone(one)
	corrupt[len(corrupt)/2] ^= 0xFF
	wantError(t, h.do("POST", path, keyHeader(key), corrupt), 400, "invalid_fit")
	wantError(t, h.do("POST", path, keyHeader(key), []byte(`{"not":"fit"}`)), 400, "invalid_fit")
	wantError(t, h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": "multipart/form-data; boundary=x"}, []byte("--x--\r\n")), 400, "missing_file")

	runs := h.runs(key, id)
	if len(runs) != 2 || runs[0]["source"] != "fit_import" || runs[0]["status"] != "success" {
		t.Fatalf("runs = %v", runs)
	}
}

// fitForm is a multipart body with the files as "file" fields, in order.
func fitForm(files ...map[string][]byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		for name, b := range f {
			fw, _ := mw.CreateFormFile("file", name)
			_, _ = fw.Write(b)
		}
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// wantJSON compares got, as JSON, with want.
func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Fatalf("%s = %s\nwant   %s", what, b, want)
	}
}

// limitTopic sets max.message.bytes of a topic on the running broker, so
// that Kafka refuses larger records.
func (h *harness) limitTopic(topic string, maxBytes int) {
	h.t.Helper()
	v := strconv.Itoa(maxBytes)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(h.stack.Env.Producer).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "max.message.bytes", Value: &v}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		h.t.Fatalf("cannot limit %s: %v", topic, err)
	}
}

// A FIT file that Kafka refuses fails the request with 503 and names the
// file that was not stored and those stored before it.
func TestImportFITNamesWhatWasLost(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	small := ingesttest.FITCorpus(t, "from_official_sdk/HrmPluginTestActivity.fit")
	big := ingesttest.FITCorpus(t, "big_activity.fit")
	h.limitTopic(h.stack.Env.Topics.Raw(fit.Provider), 200_000)

	body, ct := fitForm(map[string][]byte{"small.fit": small}, map[string][]byte{"big.fit": big}, map[string][]byte{"never.fit": small})
	r := h.do("POST", "/api/v1/users/"+id+"/import/fit", map[string]string{"X-API-Key": key, "Content-Type": ct}, body)
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	msg := r.body["error"].(map[string]any)["message"].(string)
	for _, want := range []string{
		`file "big.fit" was not stored: MESSAGE_TOO_LARGE`,
		`stored before it: 1 file(s), "small.fit"`,
		"the rest of the request was not read",
	} {
		if !strings.Contains(msg, want) {
			t.Fatalf("message %q does not say %q", msg, want)
		}
	}
	// Kafka holds the one file said to be stored, and the run is failed
	// with one item.
	if raws := h.consumeRaw(fit.Provider, 1); len(raws) != 1 || !bytes.Equal(raws[0].Body, small) {
		t.Fatalf("raw events: %d", len(raws))
	}
	runs := h.runs(key, id)
	if len(runs) != 1 || runs[0]["status"] != "failed" || runs[0]["items_processed"] != float64(1) || runs[0]["message"] != msg {
		t.Fatalf("runs = %v", runs)
	}
}
