package reads

import (
	"cmp"
	"strings"

	"github.com/wearstream/wearstream/schemas"
)

// Priorities rank sources for the daily summaries: lower wins. A tenant
// sets them (GET/PUT /api/v1/priorities/providers and …/device-types);
// what it leaves out keeps Open Wearables' defaults.
type Priorities struct {
	Providers   map[string]int
	DeviceTypes map[string]int
}

// UnknownPriority is the rank of a provider or device type no table names.
const UnknownPriority = 99

// DefaultProviderPriorities are Open Wearables' provider defaults.
func DefaultProviderPriorities() map[string]int {
	return map[string]int{"apple": 1, "garmin": 2, "polar": 3, "suunto": 4, "whoop": 5}
}

// DefaultDeviceTypePriorities are Open Wearables' device-type defaults.
func DefaultDeviceTypePriorities() map[string]int {
	return map[string]int{"watch": 1, "band": 2, "ring": 3, "phone": 4, "scale": 5, "other": 6}
}

// DefaultPriorities are Open Wearables' defaults.
func DefaultPriorities() Priorities {
	return Priorities{Providers: DefaultProviderPriorities(), DeviceTypes: DefaultDeviceTypePriorities()}
}

func (p Priorities) provider(name string) int {
	if v, ok := p.Providers[strings.ToLower(name)]; ok {
		return v
	}
	return UnknownPriority
}

func (p Priorities) deviceType(name string) int {
	if v, ok := p.DeviceTypes[strings.ToLower(name)]; ok {
		return v
	}
	return UnknownPriority
}

// candidate is one source's value of one metric on one day.
type candidate struct {
	source Source
	// daily is true when the value is the provider's own daily total.
	daily bool
}

// better reports whether a outranks b: the provider's priority, then a
// provider's daily total before a sum of its intraday samples (the
// provider counted the whole day; the samples may be partial), then the
// device type's priority, then the source id, so the choice is stable.
func (p Priorities) better(a, b candidate) bool {
	return p.compare(a, b) < 0
}

func (p Priorities) compare(a, b candidate) int {
	dailyRank := func(c candidate) int {
		if c.daily {
			return 0
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(p.provider(a.source.Provider), p.provider(b.source.Provider)),
		cmp.Compare(dailyRank(a), dailyRank(b)),
		cmp.Compare(p.deviceType(a.source.DeviceType), p.deviceType(b.source.DeviceType)),
		cmp.Compare(a.source.ID, b.source.ID),
	)
}

// Rank is a source's place under p: its provider's priority, then its
// device type's, as one number (provider × 100 + device type).
func (p Priorities) Rank(s Source) int {
	return p.provider(s.Provider)*100 + p.deviceType(s.DeviceType)
}

// TenantPriorities are Open Wearables' defaults overridden by what a
// tenant stored (nil: nothing stored).
func TenantPriorities(stored *schemas.SourcePriorities) Priorities {
	p := DefaultPriorities()
	if stored != nil {
		for _, e := range stored.Providers {
			p.Providers[e.Name] = int(e.Priority)
		}
		for _, e := range stored.DeviceTypes {
			p.DeviceTypes[e.Name] = int(e.Priority)
		}
	}
	return p
}
