package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/processors"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// promtool is the path of Debian's promtool; CI must have it.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is required in CI (make deps installs Debian's prometheus package)")
		}
		t.Skip("promtool is not installed")
	}
	return path
}

// scrape reads GET /metrics and parses it.
func (s *providerStack) scrape() (string, map[string]*dto.MetricFamily) {
	s.t.Helper()
	resp, err := http.Get(s.api + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	checkOpenAPI(s.t, nil, resp, body)
	if resp.StatusCode != 200 {
		s.t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("cannot parse the metrics: %v", err)
	}
	return string(body), families
}

// value sums the samples of a family whose labels include want.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := families[name]
	if f == nil {
		return 0
	}
	total := 0.0
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// TestMetrics runs the whole pipeline, sends one SDK upload and reads
// GET /metrics before and after: promtool accepts the exposition, and each
// stage's counters moved by exactly what the upload made (the counters
// are per process, so the test compares differences).
func TestMetrics(t *testing.T) {
	tool := promtool(t)
	s := startProviderStack(t, withEvents("heart_rate.created"))
	_, before := s.scrape()

	user := s.user("metrics@example.com")
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/api/v1/sdk/users/"+user+"/sync", body, map[string]string{"Content-Type": "application/json"}, 202)
	var samples uint64
	waitFor(t, "the upload in clickhouse and delivered", func() bool {
		samples = count(t, s.conn, "samples FINAL WHERE user_id = toUUID('"+user+"')")
		return samples > 0 && s.rc.count("heart_rate.created") >= 2
	})
	var text string
	var after map[string]*dto.MetricFamily
	delta := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - value(before, name, labels)
	}
	waitFor(t, "the metrics of every stage", func() bool {
		text, after = s.scrape()
		return delta("wearstream_sink_rows_total", map[string]string{"table": "samples"}) >= float64(samples) &&
			delta("wearstream_sink_rows_total", map[string]string{"table": "workouts"}) >= 3 &&
			delta("wearstream_delivery_attempts_total", map[string]string{"outcome": "success"}) >= 1 &&
			value(after, "wearstream_consumer_lag_records", map[string]string{"group": "wearstream-processors"}) == 0 &&
			value(after, "wearstream_consumer_lag_polled_timestamp_seconds", nil) > 0
	})

	// Every row the sink inserted for the upload, before any merge.
	samples = count(t, s.conn, "samples WHERE user_id = toUUID('"+user+"')")
	check := exec.Command(tool, "check", "metrics")
	check.Stdin = strings.NewReader(text)
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	f := func(name string, labels map[string]string, want float64) {
		t.Helper()
		if got := delta(name, labels); got != want {
			t.Errorf("%s%v moved by %v, want %v", name, labels, got, want)
		}
	}
	f("wearstream_http_requests_total", map[string]string{"route": "/api/v1/sdk/users/:user_id/sync", "method": "POST", "status": "202"}, 1)
	f("wearstream_http_request_duration_seconds", map[string]string{"route": "/api/v1/sdk/users/:user_id/sync", "method": "POST"}, 1)
	f("wearstream_processor_raw_events_total", map[string]string{"provider": "apple"}, 1)
	f("wearstream_processor_transactions_total", map[string]string{"outcome": "aborted"}, 0)
	f("wearstream_sink_rows_total", map[string]string{"table": "samples"}, float64(samples))
	f("wearstream_sink_rows_total", map[string]string{"table": "workouts"}, 3)
	f("wearstream_dead_letters_total", nil, 0)
	s.rc.mu.Lock()
	delivered := len(s.rc.ids)
	s.rc.mu.Unlock()
	f("wearstream_delivery_attempts_total", map[string]string{"outcome": "success"}, float64(delivered))
	checkReferencedMetrics(t, after)
	for _, name := range []string{
		"wearstream_processor_records_total", "wearstream_sink_insert_duration_seconds", "wearstream_delivery_attempt_duration_seconds",
		"wearstream_ready", "wearstream_kafka_produce_bytes_total", "go_goroutines", "process_resident_memory_bytes",
	} {
		if after[name] == nil {
			t.Errorf("no %s in /metrics", name)
		}
	}
}

// TestAlertRules checks deploy/prometheus/alerts.yml with promtool and runs
// its unit tests (alerts_test.yml: input series and the alerts they fire).
func TestAlertRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		cmd := exec.Command(tool, args...)
		cmd.Dir = "../../deploy/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// declaredNames are the metric names the pipeline's collectors declare,
// with the series names of histograms.
func declaredNames(cs ...prometheus.Collector) map[string]bool {
	names := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for _, c := range cs {
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			if m := fq.FindStringSubmatch(d.String()); m != nil {
				for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
					names[m[1]+suffix] = true
				}
			}
		}
	}
	return names
}

// checkReferencedMetrics fails for every wearstream metric that the alert
// rules or the Grafana dashboard use and no collector declares, nor the
// scrape holds (franz-go's client metrics exist only with a client).
func checkReferencedMetrics(t *testing.T, scraped map[string]*dto.MetricFamily) {
	t.Helper()
	known := declaredNames(append(append(append(append(processors.Collectors(), chsink.Collectors()...), webhooks.Collectors()...),
		gateway.Collectors()...), (&metrics.LagPoller{}).Collectors()...)...)
	for name, f := range scraped {
		known[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			known[name+"_bucket"], known[name+"_sum"], known[name+"_count"] = true, true, true
		}
	}
	for _, file := range []string{"../../deploy/prometheus/alerts.yml", "../../deploy/grafana/wearstream.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(file, ".json") && !json.Valid(b) {
			t.Fatalf("%s is not JSON", file)
		}
		for _, name := range regexp.MustCompile(`wearstream_[a-z0-9_]+`).FindAllString(string(b), -1) {
			if !known[name] {
				t.Errorf("%s uses %s, which no wearstream collector declares", file, name)
			}
		}
	}
}
