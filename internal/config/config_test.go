package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./.wearstream" || c.HTTPAddr != "127.0.0.1:8000" || c.DevClickHousePort != 19000 ||
		c.TopicPrefix != "wearables." || c.ClickHouseDatabase != "wearables" || c.WebhookTimeout != 15*time.Second ||
		c.WebhooksAllowPrivate || len(c.KafkaBrokers) != 0 {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	env := map[string]string{
		"KAFKA_BROKERS":                     " a:9092, b:9092 ,",
		"WEARSTREAM_PARTITIONS":             "zero",
		"WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE": "maybe",
		"WEARSTREAM_SINK_BATCH_WAIT":        "-1s",
		"WEARSTREAM_LOG_LEVEL":              "loud",
		"CLICKHOUSE_DATABASE":               "bad-name",
	}
	c, err := Parse(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"WEARSTREAM_PARTITIONS", "WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE", "WEARSTREAM_SINK_BATCH_WAIT", "WEARSTREAM_LOG_LEVEL", "CLICKHOUSE_DATABASE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if len(c.KafkaBrokers) != 2 || c.KafkaBrokers[1] != "b:9092" {
		t.Fatalf("brokers = %q", c.KafkaBrokers)
	}
}

// The README's configuration table is the documentation of Vars: every
// variable must be in it.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(b), "| `"+v.Name+"` |") {
			t.Errorf("README.md has no table row for %s", v.Name)
		}
	}
}
