package gateway

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/applexml"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// multipartBody wraps a file as the "file" field of a multipart form.
func multipartBody(t *testing.T, name string, file []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("note", "ignored")
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func zipped(t *testing.T, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range entries {
		fw, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(b)
	}
	_ = zw.Close()
	return buf.Bytes()
}

func (h *harness) runs(key, userID string) []map[string]any {
	h.t.Helper()
	r := h.do("GET", "/api/v1/users/"+userID+"/sync/runs", keyHeader(key), nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("sync runs: %d %s", r.status, r.rawBody)
	}
	var runs []map[string]any
	if err := json.Unmarshal(r.rawBody, &runs); err != nil {
		h.t.Fatal(err)
	}
	return runs
}

func TestImportAppleXML(t *testing.T) {
	// The import routes are not bound by the 64 KiB body limit.
	h := start(t, map[string]string{"WEARSTREAM_MAX_BODY_BYTES": "65536"})
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	export, err := os.ReadFile("testdata/apple_health_export.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/users/" + id + "/import/apple/xml/direct"

	// The export.zip of the Health app, as a multipart upload.
	zipFile := zipped(t, map[string][]byte{
		"apple_health_export/export_cda.xml": []byte("<ClinicalDocument/>"),
		"apple_health_export/export.xml":     export,
	})
	body, ct := multipartBody(t, "export.zip", zipFile)
	r := h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": ct}, body)
	if r.status != http.StatusAccepted || r.body["items_processed"] != float64(19) || r.body["workouts"] != float64(2) {
		t.Fatalf("import: %d %s", r.status, r.rawBody)
	}
	runID, _ := r.body["run_id"].(string)
	if !strings.HasPrefix(runID, "run_") || r.body["task_id"] != runID {
		t.Fatalf("run id %q", runID)
	}

	// Every chunk is in Kafka, and the processor's code makes the SDK's
	// canonical records of them (SpO2 in percent, distance in metres).
	raws := h.consumeRaw("apple", 2)
	var recs int
	for _, raw := range raws {
		if raw.Kind != "import" || raw.ContentType != applexml.ContentType || raw.UserID != id || raw.Headers["run_id"] != runID {
			t.Fatalf("raw event %+v", raw)
		}
		out, err := processors.Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Samples {
			if b.SeriesType == "oxygen_saturation" && b.Samples[0].Value != 97 {
				t.Fatalf("SpO2 %v, want 97", b.Samples[0].Value)
			}
			if !strings.HasPrefix(b.Source.ID, applexml.SourcePrefix) {
				t.Fatalf("source %+v", b.Source)
			}
		}
		recs += out.Len()
	}
	if recs == 0 {
		t.Fatal("no canonical records")
	}

	// The run is listed with its final state, and sync.started and
	// sync.completed are on the lifecycle topic.
	runs := h.runs(key, id)
	if len(runs) != 1 || runs[0]["run_id"] != runID || runs[0]["status"] != "success" || runs[0]["items_processed"] != float64(19) ||
		runs[0]["source"] != "xml_import" || runs[0]["ended_at"] == nil {
		t.Fatalf("runs = %v", runs)
	}
	events := h.lifecycle(2)
	if events[0].Type != "sync.started" || events[1].Type != "sync.completed" || events[1].RunID != runID || events[1].ItemsProcessed != 19 {
		t.Fatalf("lifecycle = %+v", events)
	}

	// export.xml itself, as a raw body.
	r = h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": "application/xml"}, export)
	if r.status != http.StatusAccepted || r.body["items_processed"] != float64(19) {
		t.Fatalf("raw xml import: %d %s", r.status, r.rawBody)
	}

	// Garbage is refused with the field named, and the run is failed.
	body, ct = multipartBody(t, "export.xml", []byte(`{"provider":"apple"}`))
	wantError(t, h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": ct}, body), 400, "invalid_export")
	body, ct = multipartBody(t, "export.zip", zipped(t, map[string][]byte{"other.txt": []byte("x")}))
	wantError(t, h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": ct}, body), 400, "invalid_export")
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("note", "no file")
	_ = mw.Close()
	wantError(t, h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": mw.FormDataContentType()}, form.Bytes()), 400, "missing_file")
	truncated := export[:len(export)/2]
	wantError(t, h.do("POST", path, map[string]string{"X-API-Key": key, "Content-Type": "text/xml"}, truncated), 400, "invalid_export")
	wantError(t, h.do("POST", "/api/v1/users/00000000-0000-0000-0000-000000000000/import/apple/xml/direct", keyHeader(key), export), 404, "not_found")
	wantError(t, h.do("POST", path, nil, export), 401, "unauthorized")

	runs = h.runs(key, id)
	if len(runs) != 4 || runs[0]["status"] != "failed" || runs[0]["error"] == nil {
		t.Fatalf("runs after failures = %v", runs)
	}
	// Another tenant sees nothing of this user.
	other := h.tenantKey("other")
	wantError(t, h.do("GET", "/api/v1/users/"+id+"/sync/runs", keyHeader(other), nil), 404, "not_found")
	wantError(t, h.do("GET", "/api/v1/users/"+id+"/sync/runs?limit=0", keyHeader(key), nil), 400, "invalid_limit")
}

// A large export streams through the gateway in one request, sent in
// chunked transfer encoding as the command line tool sends it.
func TestImportLargeExportStreams(t *testing.T) {
	h := start(t, map[string]string{"WEARSTREAM_MAX_BODY_BYTES": "65536"})
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	const records = 60000
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "export.xml")
		if err == nil {
			_, err = io.Copy(fw, applexml.NewSyntheticExport(records))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", h.url+"/api/v1/users/"+id+"/import/apple/xml/direct", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusAccepted || out["items_processed"] != float64(records) || out["chunks"].(float64) < records/applexml.DefaultChunkRecords {
		t.Fatalf("import: %d %v", resp.StatusCode, out)
	}
}

func TestImportLimits(t *testing.T) {
	h := start(t, map[string]string{"WEARSTREAM_MAX_BODY_BYTES": "4096", "WEARSTREAM_IMPORT_MAX_BYTES": "20000"})
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	big, _ := io.ReadAll(applexml.NewSyntheticExport(200))
	wantError(t, h.do("POST", "/api/v1/users/"+id+"/import/apple/xml/direct", map[string]string{"X-API-Key": key, "Content-Type": "text/xml"}, big), 413, "payload_too_large")

	// Other routes keep their body limit when the body is sent in chunks.
	req, _ := http.NewRequest("POST", h.url+"/api/v1/sdk/users/"+id+"/sync", io.MultiReader(strings.NewReader(`{"provider":"apple","pad":"`), strings.NewReader(strings.Repeat("x", 10000)), strings.NewReader(`"}`)))
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked body over the limit: %d", resp.StatusCode)
	}
	// And a small chunked body still goes through.
	req, _ = http.NewRequest("POST", h.url+"/api/v1/sdk/users/"+id+"/sync", io.MultiReader(strings.NewReader(`{"provider":"apple",`), strings.NewReader(`"data":{"records":[]}}`)))
	req.Header.Set("X-API-Key", key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("small chunked body: %d", resp.StatusCode)
	}
}

func (h *harness) lifecycle(n int) []schemas.Lifecycle {
	h.t.Helper()
	env := h.stack.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.Lifecycle()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []schemas.Lifecycle
	for len(out) < n {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			h.t.Fatalf("got %d lifecycle events, want %d", len(out), n)
		}
		f.EachRecord(func(r *kgo.Record) {
			var ev schemas.Lifecycle
			if err := env.Serde.Decode(r.Value, &ev); err != nil {
				h.t.Fatal(err)
			}
			out = append(out, ev)
		})
	}
	return out
}

// An export whose chunks Kafka refuses fails with 503 naming the first
// chunk that was not stored, its items, and what was stored.
func TestImportAppleXMLNamesWhatWasLost(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	h.limitTopic(h.stack.Env.Topics.Raw("apple"), 1024)
	export, _ := io.ReadAll(applexml.NewSyntheticExport(12000))
	r := h.do("POST", "/api/v1/users/"+id+"/import/apple/xml/direct", map[string]string{"X-API-Key": key, "Content-Type": "text/xml"}, export)
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	// The first chunk as the parser cuts it (by size: 4,749 items).
	first := 0
	opts := applexml.Options{ChunkBytes: min(applexml.DefaultChunkBytes, h.stack.Env.Config.MaxBodyBytes/2)}
	_, _ = applexml.Split(bytes.NewReader(export), opts, func(_ []byte, n int) error {
		first = n
		return io.EOF
	})
	msg := r.body["error"].(map[string]any)["message"].(string)
	for _, want := range []string{
		fmt.Sprintf("chunk 0 (items 1 to %d of the upload) was not stored: MESSAGE_TOO_LARGE", first),
		"nothing of it was stored; the rest of the upload was not read",
	} {
		if !strings.Contains(msg, want) {
			t.Fatalf("message %q does not say %q", msg, want)
		}
	}
	runs := h.runs(key, id)
	if len(runs) != 1 || runs[0]["status"] != "failed" || runs[0]["items_processed"] != float64(0) || runs[0]["message"] != msg {
		t.Fatalf("runs = %v", runs)
	}
}

func TestImportAccount(t *testing.T) {
	f := func(acct importAccount, chunk chunkSpan, want string) {
		t.Helper()
		if got := acct.describe(&produceError{chunk: chunk, err: errors.New("MESSAGE_TOO_LARGE")}); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	f(importAccount{chunksSent: 3, itemsSent: 15000}, chunkSpan{seq: 0, first: 0, items: 5000},
		"chunk 0 (items 1 to 5000 of the upload) was not stored: MESSAGE_TOO_LARGE; nothing of it was stored; the rest of the upload was not read")
	f(importAccount{chunksSent: 4, chunksStored: 2, itemsSent: 17000, itemsStored: 10000}, chunkSpan{seq: 2, first: 10000, items: 5000},
		"chunk 2 (items 10001 to 15000 of the upload) was not stored: MESSAGE_TOO_LARGE; stored: 2 of the 4 chunks sent, 10000 of the 17000 items sent; the rest of the upload was not read")
}
