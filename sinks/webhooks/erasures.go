package webhooks

import "github.com/wearstream/wearstream/schemas"

// Erasures is the erasure list as the delivery consumer asks it
// (*state.Erasures).
type Erasures interface {
	Erased(userID string) bool
}

// withheld reports whether m must not be sent because its user was erased.
// The user.deleted event itself goes out, so that receivers erase too. The
// check runs just before each attempt (first attempts, retries, resends and
// recovers all pass there), so an attempt queued before the erasure is
// dropped when its turn comes; a recover does not even queue such messages.
func withheld(e Erasures, m Message) bool {
	return e != nil && m.UserID != "" && m.Type != schemas.EventUserDeleted && e.Erased(m.UserID)
}
