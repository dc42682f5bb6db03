package gateway

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

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

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, b := range map[string][]byte{"a.fit": one, "b.fit": two} {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(b)
	}
	_ = mw.Close()
	r := h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": mw.FormDataContentType()}, buf.Bytes())
	if r.status != http.StatusAccepted || r.body["items_processed"] != float64(2) || r.body["workouts"] != float64(3) || r.body["laps"] != float64(8) {
		t.Fatalf("import: %d %s", r.status, r.rawBody)
	}
	runID := r.body["run_id"].(string)

	// The files are in Kafka untouched and normalise through the processor.
	raws := h.consumeRaw(fit.Provider, 2)
	workouts := 0
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
	}
	if workouts != 3 {
		t.Fatalf("%d workouts", workouts)
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
