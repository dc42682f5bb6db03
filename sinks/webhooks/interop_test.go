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

	"github.com/wearstream/wearstream/internal/npmtest"
)

// TestInteropWithPublicLibraries verifies real deliveries, captured at a
// receiver, with the npm packages standardwebhooks and svix (versions pinned
// by testdata/receivers/package-lock.json), which is what
// Standard Webhooks and Open Wearables receivers use.
func TestInteropWithPublicLibraries(t *testing.T) {
	if testing.Short() {
		t.Skip("installs npm packages")
	}
	// The versions are pinned in testdata/receivers/package-lock.json.
	receivers, err := filepath.Abs(filepath.Join("testdata", "receivers"))
	if err != nil {
		t.Fatal(err)
	}
	node := npmtest.Install(t, receivers)
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

	casesFile := filepath.Join(t.TempDir(), "cases.json")
	b, _ := json.Marshal(cases)
	if err := os.WriteFile(casesFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(receivers, "verify.js"), casesFile)
	cmd.Dir = receivers
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node verification failed: %v\n%s", err, out)
	}
	if want := "verified 6"; !strings.Contains(string(out), want) {
		t.Fatalf("node said %q, want %q", out, want)
	}
}
