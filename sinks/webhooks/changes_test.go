package webhooks

import (
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

// TestUpdatedAndDeletedDeliveries delivers a workout's created, updated
// and deleted revisions to an endpoint that asked for updates and deletes
// only: it gets workout.updated and workout.deleted, each under the id of
// its revision. Deliveries to one endpoint run concurrently, so, as with
// Svix, their order is not promised; receivers order by the payload.
func TestUpdatedAndDeletedDeliveries(t *testing.T) {
	b := newBench(t)
	h := newHook(t, nil)
	b.endpoint("tenant-a", h.srv.URL, schemas.EventWorkoutUpdated, schemas.EventWorkoutDeleted)
	b.deliverer(DelivererConfig{})

	created := b.workout("tenant-a", "w-1")
	updated, deleted := created, created
	kcal := 700.0
	updated.Version, updated.Change, updated.CaloriesKcal = created.Version+1, schemas.ChangeUpdated, &kcal
	deleted.Version, deleted.Change, deleted.Deleted = created.Version+2, schemas.ChangeDeleted, true
	b.produce(b.st.Env.Topics.Workouts(), updated.UserID, updated)
	b.produce(b.st.Env.Topics.Workouts(), deleted.UserID, deleted)

	waitFor(t, "the update and the delete", func() bool { return h.count() >= 2 })
	got := h.deliveries()
	ids := map[string]bool{}
	for _, d := range got {
		ids[d.id] = true
	}
	if len(got) != 2 || !ids[MessageID(schemas.EventWorkoutUpdated, created.ID, updated.Version, 0)] ||
		!ids[MessageID(schemas.EventWorkoutDeleted, created.ID, deleted.Version, 0)] {
		t.Fatalf("deliveries = %+v, want one workout.updated and one workout.deleted", got)
	}
}
