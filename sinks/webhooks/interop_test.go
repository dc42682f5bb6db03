package webhooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// verifyScript checks every captured delivery with the public receiver
// libraries, standardwebhooks (webhook-* headers) and svix (svix-* headers),
// with each secret alone, and checks that a tampered body is refused.
const verifyScript = `
const fs = require("fs");
const { Webhook } = require("standardwebhooks");
const { Webhook: SvixWebhook } = require("svix");
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let n = 0;
for (const c of cases) {
  for (const secret of c.secrets) {
    const std = new Webhook(secret.replace(/^whsec_/, ""));
    std.verify(c.body, { "webhook-id": c.headers["webhook-id"], "webhook-timestamp": c.headers["webhook-timestamp"], "webhook-signature": c.headers["webhook-signature"] });
    const svix = new SvixWebhook(secret);
    svix.verify(c.body, { "svix-id": c.headers["svix-id"], "svix-timestamp": c.headers["svix-timestamp"], "svix-signature": c.headers["svix-signature"] });
    let refused = false;
    try { svix.verify(c.body + " ", { "svix-id": c.headers["svix-id"], "svix-timestamp": c.headers["svix-timestamp"], "svix-signature": c.headers["svix-signature"] }); } catch (e) { refused = true; }
    if (!refused) { throw new Error("a tampered body verified"); }
    n++;
  }
}
console.log("verified " + n);
`

// TestInteropWithPublicLibraries verifies real deliveries, captured at a
// receiver, with the npm packages standardwebhooks and svix, which is what
// Standard Webhooks and Open Wearables receivers use.
func TestInteropWithPublicLibraries(t *testing.T) {
	node, errNode := exec.LookPath("node")
	npm, errNPM := exec.LookPath("npm")
	if errNode != nil || errNPM != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node and npm are required in CI")
		}
		t.Skip("node or npm not installed")
	}
	if testing.Short() {
		t.Skip("installs npm packages")
	}
	type capture struct {
		Secrets []string          `json:"secrets"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	got := make(chan capture, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"} {
			h[k] = r.Header.Get(k)
		}
		got <- capture{Headers: h, Body: string(body)}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	current, _ := NewSecret()
	previous, _ := NewSecret()
	sender := &Sender{Client: NewClient(true, 10*time.Second)}
	var cases []capture
	send := func(m Message, secrets []string) {
		t.Helper()
		if res := sender.Send(context.Background(), srv.URL, secrets, m, time.Now()); !res.Success {
			t.Fatalf("Send: %+v", res)
		}
		c := <-got
		c.Secrets = secrets
		cases = append(cases, c)
	}
	send(WorkoutMessages(testWorkout())[0], []string{current})
	send(SampleMessages(testBatch(3000))[1], []string{current, previous}) // a chunk, during a rotation
	for _, event := range []string{"sleep.created", "sync.failed", "series.heart_rate.created"} {
		m, err := ExampleMessage(event, "acme", "user-1")
		if err != nil {
			t.Fatal(err)
		}
		send(m, []string{current})
	}

	dir := t.TempDir()
	install := exec.Command(npm, "install", "--no-audit", "--no-fund", "--silent", "standardwebhooks", "svix")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install: %v\n%s", err, out)
	}
	casesFile := filepath.Join(dir, "cases.json")
	b, _ := json.Marshal(cases)
	if err := os.WriteFile(casesFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "verify.js")
	if err := os.WriteFile(script, []byte(verifyScript), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, casesFile)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node verification failed: %v\n%s", err, out)
	}
	if want := "verified 6"; !strings.Contains(string(out), want) {
		t.Fatalf("node said %q, want %q", out, want)
	}
}
