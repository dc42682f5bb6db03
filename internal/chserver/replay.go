package chserver

// Tests check the SQL the code sends on current ClickHouse too (through
// internal/chdb): SentQueries reads back the exact text the server received,
// after clickhouse-go bound the arguments into it, and Query answers a
// statement in the text format chdb answers in, so the two can be compared.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/wearstream/wearstream/internal/chdb"
)

// Query runs one statement on database over HTTP and returns its result in
// TSVWithNamesAndTypes, the format of chdb.Result.Out.
func (s *Server) Query(tb testing.TB, database, statement string) string {
	tb.Helper()
	out, err := s.query(database, statement, "TSVWithNamesAndTypes")
	if err != nil {
		tb.Fatalf("ClickHouse 18.16 refused %s: %v", statement, err)
	}
	return out
}

func (s *Server) query(database, statement, format string) (string, error) {
	q := url.Values{"database": {database}, "default_format": {format}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.HTTPAddr+"/?"+q.Encode(), strings.NewReader(statement))
	if err != nil {
		return "", fmt.Errorf("cannot build a query request: %w", err)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot query clickhouse over HTTP: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("cannot read the query result: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

// Tagged is a connection option (sinks/clickhouse.Option) that names database
// in the client name the server logs with every query, which is how
// SentQueries tells a test's queries apart: 18.16's query_log has no
// database column.
func Tagged(database string) func(*clickhouse.Options) {
	return func(o *clickhouse.Options) {
		o.ClientInfo.Products = append(o.ClientInfo.Products, struct{ Name, Version string }{"database", database})
	}
}

func clientTag(database string) string { return "database/" + database }

// SentQueries returns, ordered by the second they started in, the statements
// sent over a Tagged connection of database that start with one of prefixes
// (e.g. "SELECT", "INSERT INTO samples"), with the text the server saw, after
// clickhouse-go bound the arguments in. The server must log queries
// (Options.LogQueries; TestServer does).
func (s *Server) SentQueries(tb testing.TB, database string, prefixes ...string) []string {
	tb.Helper()
	if _, err := s.query("system", "SYSTEM FLUSH LOGS", "TSV"); err != nil {
		tb.Fatalf("cannot flush the query log: %v", err)
	}
	out, err := s.query("system", "SELECT query FROM system.query_log WHERE type = 1 AND position(client_name, '"+
		clientTag(database)+" ') > 0 ORDER BY event_time FORMAT JSONEachRow", "JSONEachRow")
	if err != nil {
		tb.Fatalf("cannot read the query log: %v", err)
	}
	var sent []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var row struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			tb.Fatalf("cannot read the query log: %v", err)
		}
		for _, p := range prefixes {
			if strings.HasPrefix(code(row.Query), p) {
				sent = append(sent, row.Query)
				break
			}
		}
	}
	return sent
}

// Rows holds, for each native INSERT a database received, the rows of its
// table at one moment, in VALUES format (see Snapshot).
type Rows map[string]string

// Snapshot reads the rows the tables of database hold now, for the native
// inserts it has received so far. Give it to ReplayOnCurrent when later
// statements (an INSERT ... SELECT) change those tables and the replay must
// start from the rows as they were before.
func (s *Server) Snapshot(tb testing.TB, database string) Rows {
	tb.Helper()
	rows := Rows{}
	for _, q := range s.SentQueries(tb, database, "INSERT") {
		m := nativeInsert.FindStringSubmatch(q)
		if m == nil || rows[q] != "" {
			continue
		}
		types, err := s.query(database, "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '"+m[1]+"'", "TSV")
		if err != nil {
			tb.Fatalf("cannot read the columns of %s: %v", m[1], err)
		}
		out, err := s.query(database, "SELECT "+exactColumns(m[2], types)+" FROM "+m[1]+" FORMAT Values", "Values")
		if err != nil {
			tb.Fatalf("cannot read the rows of %s: %v", m[1], err)
		}
		rows[q] = strings.TrimSpace(out)
	}
	return rows
}

// 18.16 writes the epoch as 0000-00-00 00:00:00 in its text formats, which
// current ClickHouse does not read back as the epoch: times are copied as
// seconds (which a DateTime column takes in VALUES), and answers are
// compared with the epoch written out.
const (
	zeroTime  = "0000-00-00 00:00:00"
	epochTime = "1970-01-01 00:00:00"
)

// exactColumns is the select list that copies columns (a comma-separated
// list) of a table with types (TSV name, type) without loss.
func exactColumns(columns, types string) string {
	typeOf := map[string]string{}
	for _, line := range strings.Split(types, "\n") {
		if name, typ, ok := strings.Cut(line, "\t"); ok {
			typeOf[name] = typ
		}
	}
	var out []string
	for _, c := range strings.Split(columns, ",") {
		c = strings.TrimSpace(c)
		switch typ := typeOf[c]; {
		case strings.HasPrefix(typ, "DateTime"):
			c = "toUInt32(" + c + ")"
		case strings.HasPrefix(typ, "Array(DateTime"):
			c = "arrayMap(x -> toUInt32(x), " + c + ")"
		}
		out = append(out, c)
	}
	return strings.Join(out, ", ")
}

// ReplayOnCurrent runs on current ClickHouse (chdb) what database received
// from the code, in the text the server received it: schema first (the
// migrations' statements), then each native INSERT (its column list) with the
// rows of its table (from before, when given, else now) in VALUES, then the
// other writes (INSERT ... SELECT) and last the reads. It fails the test when
// the current engine refuses a statement, or answers a read differently from
// 18.16, which answers it again now, on the same rows. The query log keeps
// start times to the second only, so writes run before reads and reads are
// compared on the final rows. It returns the statements it ran.
func (s *Server) ReplayOnCurrent(tb testing.TB, database string, schema []string, before Rows) []string {
	tb.Helper()
	var sent []string
	for _, q := range s.SentQueries(tb, database, "INSERT", "SELECT", "EXISTS") {
		if !slices.Contains(schema, q) { // the migrations ran already
			sent = append(sent, q)
		}
	}
	now := s.Snapshot(tb, database)
	// The same database name, so currentDatabase() answers alike.
	script := append([]string{"CREATE DATABASE IF NOT EXISTS `" + database + "`", "USE `" + database + "`"}, schema...)
	inserted := map[string]bool{}
	for _, q := range sent {
		if !nativeInsert.MatchString(q) || inserted[q] {
			continue
		}
		inserted[q] = true
		rows, ok := before[q]
		if !ok {
			rows = now[q]
		}
		if rows != "" {
			script = append(script, withValues(q, rows))
		}
	}
	for _, q := range sent {
		if strings.HasPrefix(code(q), "INSERT") && !nativeInsert.MatchString(q) {
			script = append(script, q)
		}
	}
	compared := map[int]string{} // script index -> 18.16's answer
	for _, q := range sent {
		if !strings.HasPrefix(code(q), "INSERT") {
			compared[len(script)] = s.Query(tb, database, q)
			script = append(script, q)
		}
	}
	run := chdb.MustRun(tb, nil, script...)
	for i, want := range compared {
		if got := run.Results[i].Out; !sameResult(script[i], got, want) {
			tb.Errorf("ClickHouse %s and 18.16 answer differently to\n%s\n26.x:\n%s\n18.16:\n%s", run.Version, script[i], got, want)
		}
	}
	return script
}

// nativeInsert is how clickhouse-go's PrepareBatch sends an INSERT: the
// column list, then FORMAT Native, with the rows following in native blocks.
// The replay sends the same statement with the rows in VALUES.
var nativeInsert = regexp.MustCompile(`^INSERT INTO ([A-Za-z_][A-Za-z0-9_]*) \(([^)]*)\) (?:VALUES|FORMAT Native)$`)

// code is statement without the comment lines that open it (migrations'
// statements carry their documentation).
func code(statement string) string {
	for {
		statement = strings.TrimSpace(statement)
		if !strings.HasPrefix(statement, "--") {
			return statement
		}
		_, statement, _ = strings.Cut(statement, "\n")
	}
}

// withValues is insert with rows in VALUES. The rows of several inserts
// arrive in one block, so the block is not deduplicated on insert
// (optimize_on_insert): the table keeps every revision, as on 18.16.
func withValues(insert, rows string) string {
	return strings.TrimSuffix(strings.TrimSuffix(insert, " FORMAT Native"), " VALUES") +
		" SETTINGS optimize_on_insert = 0 VALUES " + rows
}

// sameResult compares a current engine's and 18.16's TSVWithNamesAndTypes
// results: names, types and rows, in order when the query orders them, else
// as sets of rows.
// utcDateTime is a DateTime type in UTC, as TSVWithNamesAndTypes writes it.
var utcDateTime = regexp.MustCompile(`DateTime\(\\'(Etc/)?UTC\\'\)`)

func sameResult(query, a, b string) bool {
	// The engines name UTC differently through date arithmetic
	// (DateTime('UTC'), DateTime('Etc/UTC'), or no zone on 18.16). Both
	// servers run in UTC and the driver reads each as UTC times: the same
	// answer.
	a, b = utcDateTime.ReplaceAllString(a, "DateTime"), utcDateTime.ReplaceAllString(b, "DateTime")
	if strings.Contains(query, "ORDER BY") {
		return a == strings.ReplaceAll(b, zeroTime, epochTime)
	}
	sorted := func(s string) string {
		lines := strings.Split(s, "\n")
		if len(lines) > 2 {
			slices.Sort(lines[2:])
		}
		return strings.Join(lines, "\n")
	}
	b = strings.ReplaceAll(b, zeroTime, epochTime)
	return sorted(a) == sorted(b)
}
