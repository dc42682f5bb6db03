package jobs

import (
	"os"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	_ "github.com/wearstream/wearstream/ingest/fitbit"
	_ "github.com/wearstream/wearstream/ingest/garmin"
	_ "github.com/wearstream/wearstream/ingest/googlehealth"
	_ "github.com/wearstream/wearstream/ingest/oura"
	_ "github.com/wearstream/wearstream/ingest/polar"
	_ "github.com/wearstream/wearstream/ingest/strava"
	_ "github.com/wearstream/wearstream/ingest/suunto"
	_ "github.com/wearstream/wearstream/ingest/whoop"
)

// Every variable a provider declares is documented in the README's
// configuration table, like the variables of internal/config.
func TestREADMEDocumentsProviderVariables(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range ingest.All() {
		if p.OAuth == nil || p.Name == pollProvider || p.Name == pingProvider { // they exist only in the tests
			continue
		}
		for _, v := range p.OAuth.Vars(p.DisplayName) {
			n++
			if !strings.Contains(string(b), "| `"+v.Name+"` |") {
				t.Errorf("README.md has no table row for %s", v.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no provider declares variables")
	}
}
