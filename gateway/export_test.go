package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestExportStreamsInFlatMemory exports a user with a million samples (and
// a workout) as NDJSON: every line is a JSON object with its kind, the
// last one says how many records came, another tenant's key gets 404, and
// the test process's peak resident memory grows by far less than the
// export's size while it is read (figures in the README).
func TestExportStreamsInFlatMemory(t *testing.T) {
	h := startRead(t)
	user := h.createUser(h.acme, `{}`)
	const n = 1_000_000
	ctx := context.Background()
	err := h.conn.Exec(ctx, "INSERT INTO samples (tenant_id, user_id, series_type, ts, ts_ms, source_id, provider, value, unit, zone_offset, version, ingested_at)"+
		" SELECT 'acme', toUUID(?), 'heart_rate', toDateTime(1767225600 + number, 'UTC'), 0, 'apple:watch', 'apple', 60 + number % 40, 'bpm', 60, 1, now() FROM system.numbers LIMIT ?", user, n)
	if err != nil {
		t.Fatal(err)
	}
	err = h.conn.Exec(ctx, "INSERT INTO workouts (tenant_id, user_id, id, provider, type, start_time, end_time, version, ingested_at)"+
		" SELECT 'acme', toUUID(?), toUUID(?), 'apple', 'running', toDateTime(1767225600, 'UTC'), toDateTime(1767229200, 'UTC'), 1, now()", user, uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, h.get(h.globex, "/api/v1/users/"+user+"/export", nil), http.StatusNotFound, "not_found")
	if err := h.conn.Exec(ctx, "OPTIMIZE TABLE samples FINAL"); err != nil {
		t.Fatal(err)
	}
	var disk, rows uint64
	if err := h.conn.QueryRow(ctx, "SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE database = currentDatabase() AND table = 'samples' AND active").Scan(&disk, &rows); err != nil {
		t.Fatal(err)
	}
	t.Logf("samples on disk: %d rows, %d bytes, %.1f bytes per sample", rows, disk, float64(disk)/float64(rows))

	resetPeakRSS(t)
	before := peakRSS(t)
	req, _ := http.NewRequest("GET", h.url+"/api/v1/users/"+user+"/export", nil)
	req.Header.Set("X-API-Key", h.acme)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	kinds := map[string]int{}
	var bytes int64
	var last map[string]any
	sc := bufio.NewScanner(resp.Body)
	lines := 0
	for sc.Scan() {
		b := sc.Bytes()
		bytes += int64(len(b)) + 1
		lines++
		if bytesHasPrefix(b, `{"kind":"sample",`) && lines%1000 != 0 {
			kinds["sample"]++ // every 1000th line is decoded whole
			continue
		}
		last = nil
		if err := json.Unmarshal(b, &last); err != nil {
			t.Fatalf("line %d is not JSON: %v", lines, err)
		}
		kinds[last["kind"].(string)]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	growth := peakRSS(t) - before
	t.Logf("exported %d records, %d MB in %s; peak RSS grew by %d MB", kinds["sample"]+kinds["workout"], bytes>>20, time.Since(start).Round(time.Millisecond), growth>>20)
	if kinds["sample"] != n || kinds["workout"] != 1 || last["kind"] != "end" || last["records"].(float64) != n+1 {
		t.Fatalf("kinds %v, last line %v", kinds, last)
	}
	// The export is well over 100 MB; held in memory it would grow the
	// peak by at least that much.
	if growth > bytes/8 {
		t.Fatalf("peak RSS grew by %d MB while %d MB were exported: the export is not streamed", growth>>20, bytes>>20)
	}
}

func bytesHasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}
