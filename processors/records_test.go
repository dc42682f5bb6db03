package processors

import (
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func TestDecide(t *testing.T) {
	a, b := [16]byte{1}, [16]byte{2}
	f := func(prev tracked, known bool, r revision, wantChange string, wantVersion int64) {
		t.Helper()
		change, version := decide(prev, known, r)
		if change != wantChange || version != wantVersion {
			t.Fatalf("decide(%+v, %v, %+v) = %q %d, want %q %d", prev, known, r, change, version, wantChange, wantVersion)
		}
	}
	// First sight.
	f(tracked{}, false, revision{fingerprint: a, version: 5}, schemas.ChangeCreated, 5)
	f(tracked{}, false, revision{deleted: true, version: 5}, schemas.ChangeDeleted, 5)
	// The same content again, whatever its version.
	f(tracked{fingerprint: a, version: 5}, true, revision{fingerprint: a, version: 9}, "", 0)
	// New content: an update above the last version.
	f(tracked{fingerprint: a, version: 5}, true, revision{fingerprint: b, version: 9}, schemas.ChangeUpdated, 9)
	f(tracked{fingerprint: a, version: 5}, true, revision{fingerprint: b, version: 5}, schemas.ChangeUpdated, 6)
	// Older than what was emitted: dropped.
	f(tracked{fingerprint: a, version: 5}, true, revision{fingerprint: b, version: 4}, "", 0)
	// A delete once, then never again.
	f(tracked{fingerprint: a, version: 5}, true, revision{deleted: true, version: 1}, schemas.ChangeDeleted, 6)
	f(tracked{version: 6, deleted: true}, true, revision{deleted: true, version: 7}, "", 0)
	// Content after a delete comes back as created.
	f(tracked{version: 6, deleted: true}, true, revision{fingerprint: a, version: 7}, schemas.ChangeCreated, 7)
	f(tracked{version: 6, deleted: true}, true, revision{fingerprint: a, version: 3}, "", 0)
}
