package reads

// Keyset paging. A cursor is the position of an item in a query's order
// (the values of the order's keys at that item), plus a direction and the
// digest of the query it belongs to. The next page is the rows after the
// last item's position; the previous page is the rows before the first
// item's position, read backwards. Nothing is skipped or repeated when rows
// arrive between two pages, and no page costs more than its own rows.
//
// The digest binds a cursor to the tenant, user, route and filters it was
// made for, so a cursor of another user or of other filters is refused
// instead of silently paging something else. It needs no secret: the caller
// is already allowed to read every row of its own query, and the position's
// values are bound as typed arguments, so a hand-made cursor can only
// choose where to start inside that query.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// cursor is a position in one query's order.
type cursor struct {
	Query string `json:"q"`           // digest of the query (binding)
	Back  bool   `json:"b,omitempty"` // page backwards from here
	Type  string `json:"t,omitempty"` // series type, for samples
	Sec   int64  `json:"s"`           // time key, Unix seconds
	MS    int64  `json:"m,omitempty"` // millisecond part, for raw samples
	ID    string `json:"i"`           // last key: source id or record id
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// binding is the digest of a query: its route and every filter that
// decides which rows it returns, in a fixed order.
func binding(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}

// decodeCursor reads s, which must be a cursor of the query whose digest
// is query; "" is no cursor.
func decodeCursor(s, query string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, paramError("cursor", "not a cursor from a previous page")
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Query == "" {
		return nil, paramError("cursor", "not a cursor from a previous page")
	}
	if c.Query != query {
		return nil, paramError("cursor", "the cursor belongs to another user or to other filters; page with the same user_id and parameters that produced it")
	}
	return &c, nil
}

// key is one column of a query's order: the expression, and the SQL that
// binds a value compared with it.
type key struct {
	column string
	bind   string // "?" or, for times, "toDateTime(?, 'UTC')"
	value  any
}

// beyond returns the condition that keeps the rows strictly after the
// position of keys in ascending order of their columns (strictly before
// it when back), with its arguments:
// c1 > v1 OR (c1 = v1 AND (c2 > v2 OR (c2 = v2 AND ...))).
func beyond(keys []key, back bool) (string, []any) {
	op := " > "
	if back {
		op = " < "
	}
	k := keys[0]
	if len(keys) == 1 {
		return k.column + op + k.bind, []any{k.value}
	}
	rest, args := beyond(keys[1:], back)
	return "(" + k.column + op + k.bind + " OR (" + k.column + " = " + k.bind + " AND " + rest + "))",
		append([]any{k.value, k.value}, args...)
}

// pager turns the rows a page query read into a Page: the query asks for
// limit+1 rows in its direction; the extra row only says that more exist.
type pager[T any] struct {
	limit int
	in    *cursor // the cursor the page was asked with, if any
	query string
	pos   func(T) cursor // the position of an item
}

func (p pager[T]) page(rows []T, total uint64) Page[T] {
	back := p.in != nil && p.in.Back
	more := len(rows) > p.limit
	if more {
		rows = rows[:p.limit]
	}
	if back { // read in descending order: put the page back in order
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	out := Page[T]{Items: rows, Total: total}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(rows) == 0 {
		return out
	}
	first, last := p.pos(rows[0]), p.pos(rows[len(rows)-1])
	first.Query, last.Query, first.Back = p.query, p.query, true
	// Forward: more rows after this page when the extra row came; rows
	// before it when the page was asked with a cursor. Backward: the
	// reverse, since the page was reached from a later one.
	hasNext, hasPrev := more, p.in != nil
	if back {
		hasNext, hasPrev = true, more
	}
	if hasNext {
		out.Next = last.encode()
	}
	if hasPrev {
		out.Previous = first.encode()
	}
	return out
}
