package ingesttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// FITCorpusDir is the testdata folder that the FIT decoder's module ships
// (big_activity.fit and the FIT SDK's examples). The module is a
// dependency, so `go mod download` brings it; where it cannot be found the
// test is skipped, except in CI (CI=true), where it fails: the corpus tests
// must never pass by not running.
func FITCorpusDir(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/muktihari/fit").Output()
	dir := strings.TrimSpace(string(out))
	if err == nil && dir == "" {
		err = os.ErrNotExist
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("cannot locate the FIT module, and CI=true requires its corpus: %v", err)
		}
		tb.Skipf("cannot locate the FIT module: %v", err)
	}
	return filepath.Join(dir, "testdata")
}

// FITCorpus reads one file of FITCorpusDir.
func FITCorpus(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(FITCorpusDir(tb), name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
