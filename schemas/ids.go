package schemas

import (
	"strings"

	"github.com/google/uuid"
)

// Namespace is the UUIDv5 namespace of every deterministic id wearstream makes.
var Namespace = uuid.MustParse("6f1c7a52-3a0e-5d8e-9b64-7e2f1d0c4a10")

// RecordID returns the deterministic id of a canonical record: a UUIDv5 over
// the tenant, the user, the provider, the record kind (workout, sleep,
// samples, ...) and the provider's own id of the record (or, where the
// provider gives none, a string built from start, end and type). The same
// input always gives the same id, so re-ingesting data is idempotent.
func RecordID(tenant, userID, provider, kind, providerRecordID string) string {
	return NameID(tenant, userID, provider, kind, providerRecordID)
}

// NameID returns a UUIDv5 over parts joined with a separator that cannot
// appear in any part's meaning ("\x1f", the ASCII unit separator).
func NameID(parts ...string) string {
	return uuid.NewSHA1(Namespace, []byte(strings.Join(parts, "\x1f"))).String()
}
