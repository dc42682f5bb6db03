package clickhouse

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Migrations are numbered files, NNNN_name.sql, applied in order and
// recorded in schema_migrations. There is no lock: two processes migrating at
// once may both apply a file, so every statement must be idempotent
// (CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT EXISTS).

//go:embed migrations/*.sql
var migrationFiles embed.FS

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32 COMMENT 'number of the migration file, e.g. 1 for 0001_init.sql',
    name String COMMENT 'file name of the migration',
    applied_at DateTime('UTC') COMMENT 'when the migration was applied, UTC'
)
ENGINE = MergeTree
ORDER BY version`

type migration struct {
	version uint32
	name    string
	sql     string
}

var (
	migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)
	databaseName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// EnsureDatabase creates database name if it does not exist.
func EnsureDatabase(ctx context.Context, conn driver.Conn, name string) error {
	if !databaseName.MatchString(name) {
		return fmt.Errorf("cannot create database %q: the name must match %s", name, databaseName)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"`"); err != nil {
		return fmt.Errorf("cannot create database %s: %w", name, err)
	}
	return nil
}

// Migrate applies the embedded migrations that the connection's database has
// not had yet, in order, and returns the names of those it applied.
func Migrate(ctx context.Context, conn driver.Conn, logger *slog.Logger) ([]string, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	all, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	if err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range all {
		if done[m.version] {
			continue
		}
		began := time.Now()
		for i, stmt := range splitStatements(m.sql) {
			if err := conn.Exec(ctx, stmt); err != nil {
				return applied, fmt.Errorf("cannot apply migration %s (statement %d): %w", m.name, i+1, err)
			}
		}
		if err := recordMigration(ctx, conn, m); err != nil {
			return applied, err
		}
		logger.Info("clickhouse migration applied", "name", m.name, "took", time.Since(began).Round(time.Millisecond))
		applied = append(applied, m.name)
	}
	return applied, nil
}

// Schema returns the statements Migrate runs on an empty database, in order:
// the schema_migrations table, then every migration's statements.
func Schema() ([]string, error) {
	all, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	statements := []string{createMigrationsTable}
	for _, m := range all {
		statements = append(statements, splitStatements(m.sql)...)
	}
	return statements, nil
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot list migrations: %w", err)
	}
	var out []migration
	seen := map[uint32]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("cannot use migration %s: the name must look like 0001_name.sql", e.Name())
		}
		v, _ := strconv.ParseUint(m[1], 10, 32)
		if prev, ok := seen[uint32(v)]; ok {
			return nil, fmt.Errorf("cannot use migration %s: %s has the same number", e.Name(), prev)
		}
		seen[uint32(v)] = e.Name()
		body, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("cannot read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: uint32(v), name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func appliedVersions(ctx context.Context, conn driver.Conn) (map[uint32]bool, error) {
	rows, err := conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	return done, nil
}

// recordMigration inserts the schema_migrations row through a batch: an
// Exec of INSERT ... VALUES hangs on ClickHouse 18.16.
func recordMigration(ctx context.Context, conn driver.Conn, m migration) error {
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, applied_at)")
	if err != nil {
		return fmt.Errorf("cannot record migration %s: %w", m.name, err)
	}
	defer abortUnsent(batch)
	if err := batch.Append(m.version, m.name, time.Now().UTC()); err != nil {
		return fmt.Errorf("cannot record migration %s: %w", m.name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot record migration %s: %w", m.name, err)
	}
	return nil
}

// splitStatements splits a migration file into statements at semicolons
// outside string literals, quoted names and comments. Statements that hold
// only comments are dropped.
func splitStatements(sql string) []string {
	var (
		out   []string
		start int
		code  bool // the current statement has something besides comments
	)
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"' || c == '`':
			code = true
			for i++; i < len(sql) && sql[i] != c; i++ {
				if sql[i] == '\\' {
					i++
				}
			}
		case c == ';':
			if code {
				out = append(out, strings.TrimSpace(sql[start:i]))
			}
			start, code = i+1, false
		case c != ' ' && c != '\t' && c != '\n' && c != '\r':
			code = true
		}
	}
	if code {
		out = append(out, strings.TrimSpace(sql[start:]))
	}
	return out
}

func abortUnsent(batch driver.Batch) {
	if !batch.IsSent() {
		_ = batch.Abort()
	}
}
