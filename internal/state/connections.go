package state

import (
	"slices"
	"sync"

	"github.com/wearstream/wearstream/schemas"
)

// ProviderUsers indexes the connections table by provider and provider user
// id: a provider's webhook names its own user id, and one provider account
// may be linked to several users (of one tenant or several).
type ProviderUsers struct {
	mu   sync.RWMutex
	keys map[[2]string][]string // (provider, provider user id) -> connection keys
	of   map[string][2]string   // connection key -> its index entry
}

func newProviderUsers(t *Table[schemas.Connection]) *ProviderUsers {
	ix := &ProviderUsers{keys: map[[2]string][]string{}, of: map[string][2]string{}}
	t.Watch(ix.update)
	return ix
}

func (ix *ProviderUsers) update(key string, c *schemas.Connection) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old, ok := ix.of[key]; ok {
		ix.keys[old] = slices.DeleteFunc(ix.keys[old], func(k string) bool { return k == key })
		if len(ix.keys[old]) == 0 {
			delete(ix.keys, old)
		}
		delete(ix.of, key)
	}
	if c == nil || c.ProviderUserID == "" {
		return
	}
	e := [2]string{c.Provider, c.ProviderUserID}
	ix.keys[e] = append(ix.keys[e], key)
	ix.of[key] = e
}

// Keys returns the keys of the connections of provider whose provider user
// id is providerUserID, revoked ones included.
func (ix *ProviderUsers) Keys(provider, providerUserID string) []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return slices.Clone(ix.keys[[2]string{provider, providerUserID}])
}
