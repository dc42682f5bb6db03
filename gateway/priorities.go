package gateway

// Data-source priorities: each tenant's provider and device-type ranks for
// the daily summaries (lower wins, 1 to 100), in Open Wearables' routes
// and shapes, stored in the compacted state topic
// wearables.state.source_priorities like the rest of the configuration. A
// name the tenant never set keeps Open Wearables' default (unknown names
// rank 99). Open Wearables keeps one global table; here each tenant has
// its own.

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/reads"
	"github.com/wearstream/wearstream/schemas"
)

// priorityKind is one of the two priority tables.
type priorityKind struct {
	field    string // JSON name of an entry's name: provider, device_type
	defaults func() map[string]int
	list     func(*schemas.SourcePriorities) *[]schemas.Priority
}

var (
	providerPriorities = priorityKind{"provider", reads.DefaultProviderPriorities,
		func(p *schemas.SourcePriorities) *[]schemas.Priority { return &p.Providers }}
	deviceTypePriorities = priorityKind{"device_type", reads.DefaultDeviceTypePriorities,
		func(p *schemas.SourcePriorities) *[]schemas.Priority { return &p.DeviceTypes }}
)

// priorityTable is the tenant's effective table of kind k: defaults, then the
// tenant's own values.
func (g *Gateway) priorityTable(tenant string, k priorityKind) map[string]int {
	out := k.defaults()
	if stored, ok := g.env.Tables.Priorities.Get(tenant); ok {
		for _, p := range *k.list(&stored) {
			out[p.Name] = int(p.Priority)
		}
	}
	return out
}

// priorities are the tenant's source priorities for the read side.
func (g *Gateway) priorities(tenant string) reads.Priorities {
	if stored, ok := g.env.Tables.Priorities.Get(tenant); ok {
		return reads.TenantPriorities(&stored)
	}
	return reads.TenantPriorities(nil)
}

func priorityList(k priorityKind, table map[string]int) []fiber.Map {
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if table[a] != table[b] {
			return table[a] - table[b]
		}
		return strings.Compare(a, b)
	})
	out := make([]fiber.Map, 0, len(names))
	for _, n := range names {
		out = append(out, fiber.Map{k.field: n, "priority": table[n]})
	}
	return out
}

// getPriorities answers GET /priorities/{providers,device-types}:
// {"items": [{provider|device_type, priority}]}, best first.
func (g *Gateway) getPriorities(k priorityKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"items": priorityList(k, g.priorityTable(who(c).Tenant, k))})
	}
}

// putPriorities answers PUT /priorities/{providers,device-types} with
// {"priorities": [{provider|device_type, priority}]}: the named entries
// change, the others keep their value.
func (g *Gateway) putPriorities(k priorityKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var body struct {
			Priorities []map[string]any `json:"priorities"`
		}
		if err := json.Unmarshal(c.Body(), &body); err != nil || body.Priorities == nil {
			return badRequest("invalid_body", "priorities: required, a list of {"+k.field+", priority}")
		}
		set := map[string]int{}
		for i, e := range body.Priorities {
			name, _ := e[k.field].(string)
			p, ok := e["priority"].(float64)
			if name == "" || !ok || p != float64(int(p)) || p < 1 || p > 100 {
				return badRequest("invalid_body", "priorities["+itoa(i)+"]: needs "+k.field+" and a whole priority from 1 to 100")
			}
			set[strings.ToLower(name)] = int(p)
		}
		return g.savePriorities(c, k, set)
	}
}

// putPriority answers PUT /priorities/{providers,device-types}/{name}
// with {"priority"}.
func (g *Gateway) putPriority(k priorityKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var body struct {
			Priority *float64 `json:"priority"`
		}
		if err := json.Unmarshal(c.Body(), &body); err != nil || body.Priority == nil || *body.Priority != float64(int(*body.Priority)) ||
			*body.Priority < 1 || *body.Priority > 100 {
			return badRequest("invalid_body", "priority: required, a whole number from 1 to 100")
		}
		return g.savePriorities(c, k, map[string]int{strings.ToLower(c.Params("name")): int(*body.Priority)})
	}
}

// savePriorities writes set into the tenant's table of kind k and answers
// the whole table once the state topic holds it.
func (g *Gateway) savePriorities(c *fiber.Ctx, k priorityKind, set map[string]int) error {
	tenant := who(c).Tenant
	stored, _ := g.env.Tables.Priorities.Get(tenant)
	stored.Tenant, stored.UpdatedAt = tenant, g.now().UTC()
	list := k.list(&stored)
	for name, p := range set {
		i := slices.IndexFunc(*list, func(e schemas.Priority) bool { return e.Name == name })
		if i < 0 {
			*list = append(*list, schemas.Priority{Name: name, Priority: int32(p)})
		} else {
			(*list)[i].Priority = int32(p)
		}
	}
	slices.SortFunc(*list, func(a, b schemas.Priority) int { return strings.Compare(a.Name, b.Name) })
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	if err := g.env.Tables.Priorities.Put(ctx, tenant, stored); err != nil {
		g.env.Logger.Warn("priorities not saved", "tenant", tenant, "err", err)
		return unavailable("the configuration store is unavailable; nothing was saved, retry later")
	}
	return c.Status(http.StatusOK).JSON(fiber.Map{"items": priorityList(k, g.priorityTable(tenant, k))})
}
