package ingest

// Telling JSON bodies apart by their keys, counting the keys a normaliser
// does not read, and keeping one of the records a body holds twice.

import (
	"bytes"
	"encoding/json"

	"github.com/wearstream/wearstream/schemas"
)

// ObjectKeys decodes a JSON object's top level; ok is false for anything
// that is not an object.
func ObjectKeys(raw []byte) (keys map[string]json.RawMessage, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	if json.Unmarshal(raw, &keys) != nil {
		return nil, false
	}
	return keys, true
}

// SetOf builds a set of names, such as the fields a normaliser reads.
func SetOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, name := range names {
		m[name] = true
	}
	return m
}

// SkipUnknown counts the keys of an item of kind that are not among known,
// each as "unknown <kind> field <key>".
func (r *Records) SkipUnknown(kind string, keys map[string]json.RawMessage, known map[string]bool) {
	for k := range keys {
		if !known[k] {
			r.Skip("unknown " + kind + " field " + Truncate(k, 60))
		}
	}
}

// Dedupe keeps the last of the records that share an id (a list that
// holds one record twice), in the order of their first appearance, and
// counts each dropped one in out under reason.
func Dedupe[T any](out *Records, recs []T, id func(*T) string, reason string) []T {
	if len(recs) < 2 {
		return recs
	}
	at := make(map[string]int, len(recs))
	kept := recs[:0]
	for i := range recs {
		k := id(&recs[i])
		if j, seen := at[k]; seen {
			out.Skip(reason)
			kept[j] = recs[i]
			continue
		}
		at[k] = len(kept)
		kept = append(kept, recs[i])
	}
	return kept
}

// DedupeByID drops the workouts and sleep sessions whose id came earlier in
// the same body, counting them as skipped ("duplicate workout", "duplicate
// sleep"); as with Dedupe, the last copy wins, at the place of the first.
func (r *Records) DedupeByID() {
	r.Workouts = Dedupe(r, r.Workouts, func(w *schemas.Workout) string { return w.ID }, "duplicate workout")
	r.Sleep = Dedupe(r, r.Sleep, func(s *schemas.Sleep) string { return s.ID }, "duplicate sleep")
}
