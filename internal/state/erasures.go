package state

import (
	"sync/atomic"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// Erasures is the erasure list (wearables.state.erasures): the users who
// were erased, and the providers whose data was deleted for a user, by
// schemas.ErasureKey. Every reader of the pipeline asks it before it emits,
// writes or sends anything of a user.
type Erasures struct {
	*Table[schemas.Erasure]
	gen atomic.Uint64
}

func newErasures(s *Store, t schemas.Topics) *Erasures {
	e := &Erasures{Table: NewTable[schemas.Erasure](s, t.State(schemas.StateErasures))}
	e.Watch(func(string, *schemas.Erasure) { e.gen.Add(1) })
	return e
}

// Erased reports whether the whole user was erased. A nil list erases no
// one.
func (e *Erasures) Erased(userID string) bool {
	if e == nil || userID == "" {
		return false
	}
	_, ok := e.Get(userID)
	return ok
}

// Covers reports whether a record of the user from provider, received at
// at, is erased: the whole user was, or that provider's data received
// before its erasure.
func (e *Erasures) Covers(userID, provider string, at time.Time) bool {
	if e.Erased(userID) {
		return true
	}
	if e == nil || userID == "" || provider == "" {
		return false
	}
	er, ok := e.Get(schemas.ErasureKey(userID, provider))
	return ok && at.Before(er.ErasedAt)
}

// Generation changes whenever the list changes, so that a reader can tell
// cheaply whether there is anything new to apply.
func (e *Erasures) Generation() uint64 {
	if e == nil {
		return 0
	}
	return e.gen.Load()
}

// All returns every erasure on the list.
func (e *Erasures) All() []schemas.Erasure {
	if e == nil {
		return nil
	}
	var out []schemas.Erasure
	e.Range(func(_ string, v schemas.Erasure) bool {
		out = append(out, v)
		return true
	})
	return out
}
