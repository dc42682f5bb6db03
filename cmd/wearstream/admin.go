package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/audit"
	"github.com/wearstream/wearstream/internal/config"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
)

const adminUsage = `Usage: wearstream admin <command>

  tenant create ID [-name NAME]               create a tenant (ID: lower-case letters, digits, - and _)
  tenant list                                 list tenants
  key create -tenant ID [-name N] [-role R]   create an API key (R: admin, member or read); the key is printed once
  key list [-tenant ID]                       list API keys (never the keys themselves)

With no KAFKA_BROKERS and SCHEMA_REGISTRY_URL set, admin talks to a running
'wearstream dev' on its default addresses and data directory.
`

func runAdmin(ctx context.Context, args []string) error {
	if len(args) < 2 {
		fmt.Print(adminUsage)
		if len(args) == 0 || args[0] == "help" {
			return nil
		}
		return errors.New("missing command")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if err := useDevDefaults(&cfg); err != nil {
		return err
	}
	env, err := app.Open(ctx, cfg, app.NewLogger(cfg))
	if err != nil {
		return err
	}
	defer env.Close()
	switch args[0] + " " + args[1] {
	case "tenant create":
		return adminTenantCreate(ctx, env, args[2:])
	case "tenant list":
		return adminTenantList(env)
	case "key create":
		return adminKeyCreate(ctx, env, args[2:])
	case "key list":
		return adminKeyList(env, args[2:])
	}
	fmt.Print(adminUsage)
	return fmt.Errorf("unknown admin command %q", strings.Join(args[:2], " "))
}

// useDevDefaults points a command at a local `wearstream dev` when no
// cluster is configured.
func useDevDefaults(cfg *config.Config) error {
	if len(cfg.KafkaBrokers) == 0 {
		cfg.KafkaBrokers = []string{cfg.DevKafkaAddr}
	}
	if cfg.SchemaRegistryURL == "" {
		cfg.SchemaRegistryURL = "http://" + cfg.DevSchemaRegistryAddr
	}
	if cfg.SecretKey == "" {
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, secretKeyFile))
		if err != nil {
			return fmt.Errorf("WEARSTREAM_SECRET_KEY is not set and there is no dev key in %s: %w", cfg.DataDir, err)
		}
		cfg.SecretKey = strings.TrimSpace(string(b))
	}
	return nil
}

var tenantID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func adminTenantCreate(ctx context.Context, env *app.Env, args []string) error {
	fs := flag.NewFlagSet("tenant create", flag.ContinueOnError)
	name := fs.String("name", "", "tenant name for people")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: wearstream admin tenant create ID [-name NAME]")
	}
	id := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !tenantID.MatchString(id) {
		return fmt.Errorf("tenant id %q: use 1-63 lower-case letters, digits, - and _", id)
	}
	if _, ok := env.Tables.Tenants.Get(id); ok {
		return fmt.Errorf("tenant %q already exists", id)
	}
	if *name == "" {
		*name = id
	}
	now := time.Now().UTC()
	if err := env.Tables.Tenants.Put(ctx, id, schemas.Tenant{ID: id, Name: *name, CreatedAt: now}); err != nil {
		return err
	}
	ch := audit.Change{Tenant: id, Actor: audit.ActorCLI, Action: "tenant.created", TargetType: "tenant", TargetID: id, Detail: map[string]any{"name": *name}}
	if err := audit.Record(ctx, env, ch, now); err != nil {
		return err
	}
	fmt.Printf("created tenant %s\n", id)
	return nil
}

func adminTenantList(env *app.Env) error {
	var ts []schemas.Tenant
	env.Tables.Tenants.Range(func(_ string, t schemas.Tenant) bool { ts = append(ts, t); return true })
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tCREATED")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}

func adminKeyCreate(ctx context.Context, env *app.Env, args []string) error {
	fs := flag.NewFlagSet("key create", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant id (required)")
	name := fs.String("name", "", "what the key is for")
	role := fs.String("role", "member", "admin, member or read (see the README's roles table)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkRole(*role); err != nil {
		return err
	}
	key, err := createAPIKey(ctx, env, *tenant, *name, *role, "")
	if err != nil {
		return err
	}
	fmt.Printf("created API key for tenant %s (shown once, store it now):\n%s\n", *tenant, key)
	return nil
}

// checkRole accepts exactly the roles the gateway knows.
func checkRole(role string) error {
	if gateway.ParseRole(role) == gateway.RoleNone {
		return fmt.Errorf("-role must be one of %s, got %q", strings.Join(gateway.RoleNames, ", "), role)
	}
	return nil
}

// createAPIKey stores the hash of an API key for tenant; with key empty a new
// key is generated. It returns the key.
func createAPIKey(ctx context.Context, env *app.Env, tenant, name, role, key string) (string, error) {
	if _, ok := env.Tables.Tenants.Get(tenant); !ok {
		return "", fmt.Errorf("tenant %q does not exist (create it with: wearstream admin tenant create %s)", tenant, tenant)
	}
	if key == "" {
		key = secrets.NewAPIKey()
	}
	hash := secrets.Hash(key)
	k := schemas.APIKey{Hash: hash, ID: "key_" + hash[:12], Tenant: tenant, Name: name, Role: role, Prefix: key[:min(len(key), 7)], CreatedAt: time.Now().UTC()}
	if err := env.Tables.APIKeys.Put(ctx, hash, k); err != nil {
		return "", err
	}
	ch := audit.Change{Tenant: tenant, Actor: audit.ActorCLI, Action: "api_key.created", TargetType: "api_key", TargetID: k.ID,
		Detail: map[string]any{"name": name, "role": role, "prefix": k.Prefix}}
	if err := audit.Record(ctx, env, ch, k.CreatedAt); err != nil {
		return "", err
	}
	return key, nil
}

func adminKeyList(env *app.Env, args []string) error {
	fs := flag.NewFlagSet("key list", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "only this tenant's keys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ks []schemas.APIKey
	env.Tables.APIKeys.Range(func(_ string, k schemas.APIKey) bool {
		if *tenant == "" || k.Tenant == *tenant {
			ks = append(ks, k)
		}
		return true
	})
	sort.Slice(ks, func(i, j int) bool { return ks[i].CreatedAt.Before(ks[j].CreatedAt) })
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTENANT\tROLE\tPREFIX\tNAME\tCREATED")
	for _, k := range ks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s…\t%s\t%s\n", k.ID, k.Tenant, k.Role, k.Prefix, k.Name, k.CreatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}
