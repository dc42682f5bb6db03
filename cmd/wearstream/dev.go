package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/config"
	"github.com/wearstream/wearstream/internal/devstack"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
)

// secretKeyFile holds the dev encryption key inside the data directory.
const secretKeyFile = "secret.key"

// defaultTenant is the tenant `wearstream dev` creates on first start.
const defaultTenant = "default"

// runDev runs every component in one process on an embedded Kafka (kfake),
// schema registry (srfake) and a child ClickHouse, all keeping their data
// under WEARSTREAM_DATA_DIR so that a restart continues where it stopped.
// With --infra-only it runs the embedded infrastructure alone and prints the
// environment that components started as separate processes need.
func runDev(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	infraOnly := fs.Bool("infra-only", false, "run only the embedded Kafka, schema registry and ClickHouse, and print the environment components need")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if !config.Set("WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE") {
		cfg.WebhooksAllowPrivate = true
	}
	if !config.Set("WEARSTREAM_REPLICATION_FACTOR") {
		cfg.ReplicationFactor = 1
	}
	logger := app.NewLogger(cfg)
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()
	if cfg, err = startInfra(ctx, cfg, logger, &stops); err != nil {
		return err
	}

	env, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	stops = append(stops, env.Close)
	conn, err := connectClickHouse(ctx, cfg, logger)
	if err != nil {
		return err
	}
	stops = append(stops, func() { conn.Close() })

	key, err := bootstrap(ctx, env)
	if err != nil {
		return err
	}
	if *infraOnly {
		printInfra(cfg, key)
		<-ctx.Done()
		logger.Info("stopping")
		return nil
	}
	ln, err := listen(env)
	if err != nil {
		return err
	}
	printDev(cfg, key)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 5)
	for name, run := range map[string]func(context.Context) error{
		"gateway": func(ctx context.Context) error { return serveGateway(ctx, env, ln, conn, clickHouseCheck(conn)) },
		"process": func(ctx context.Context) error { return process(ctx, env) },
		"sink":    func(ctx context.Context) error { return sink(ctx, env, conn) },
		"deliver": func(ctx context.Context) error { return deliver(ctx, env) },
		"ingest":  func(ctx context.Context) error { return ingestWorker(ctx, env) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	<-ctx.Done()
	logger.Info("stopping")
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// startInfra starts what cfg does not point at: the embedded Kafka, the
// schema registry and a child ClickHouse, and the dev secret key. It returns
// cfg with their addresses; stops gets what stops them, in start order.
func startInfra(ctx context.Context, cfg config.Config, logger *slog.Logger, stops *[]func()) (config.Config, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return cfg, fmt.Errorf("cannot create data directory: %w", err)
	}
	var err error
	if cfg.SecretKey == "" {
		if cfg.SecretKey, err = devSecretKey(cfg.DataDir); err != nil {
			return cfg, err
		}
	}

	if len(cfg.KafkaBrokers) == 0 {
		k, err := devstack.StartKafka(devstack.KafkaOptions{Addr: cfg.DevKafkaAddr, DataDir: filepath.Join(cfg.DataDir, "kafka"), Logger: logger})
		if err != nil {
			return cfg, fmt.Errorf("cannot start embedded kafka on %s (set WEARSTREAM_DEV_KAFKA_ADDR to use another address): %w", cfg.DevKafkaAddr, err)
		}
		*stops = append(*stops, k.Close)
		cfg.KafkaBrokers = k.Addrs()
	}

	if cfg.SchemaRegistryURL == "" {
		cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.KafkaBrokers...))
		if err != nil {
			return cfg, err
		}
		*stops = append(*stops, cl.Close)
		persist, load := devstack.SchemaLog(cl, "")
		stored, err := load(ctx)
		if err != nil {
			return cfg, fmt.Errorf("cannot load stored schemas: %w", err)
		}
		reg, err := devstack.StartRegistry(devstack.RegistryOptions{Addr: cfg.DevSchemaRegistryAddr, Persist: persist, Seed: stored})
		if err != nil {
			return cfg, fmt.Errorf("cannot start embedded schema registry on %s (set WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR to use another address): %w", cfg.DevSchemaRegistryAddr, err)
		}
		*stops = append(*stops, reg.Close)
		cfg.SchemaRegistryURL = reg.URL()
	}

	if cfg.ClickHouseAddr == "" {
		if !chserver.Available("") {
			return cfg, errors.New("no ClickHouse: install it (apt-get install clickhouse-server) or set CLICKHOUSE_ADDR to a running server")
		}
		ch, err := chserver.Start(ctx, chserver.Options{
			Dir:      filepath.Join(cfg.DataDir, "clickhouse"),
			TCPPort:  cfg.DevClickHousePort,
			HTTPPort: cfg.DevClickHousePort + 1,
			Logger:   logger,
		})
		if err != nil {
			return cfg, fmt.Errorf("cannot start clickhouse: %w", err)
		}
		*stops = append(*stops, func() {
			if err := ch.Stop(); err != nil {
				logger.Warn("clickhouse did not stop cleanly", "err", err)
			}
		})
		cfg.ClickHouseAddr = ch.Addr
	}
	return cfg, nil
}

// devSecretKey reads the dev encryption key from the data directory, making
// one on first start.
func devSecretKey(dir string) (string, error) {
	path := filepath.Join(dir, secretKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	key := secrets.NewKey()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	return key, nil
}

// bootstrap creates the default tenant and an admin API key on first start.
// It returns the key when one was generated now and must be shown, or the
// configured bootstrap key.
func bootstrap(ctx context.Context, env *app.Env) (string, error) {
	if _, ok := env.Tables.Tenants.Get(defaultTenant); !ok {
		t := schemas.Tenant{ID: defaultTenant, Name: "Default tenant", CreatedAt: time.Now().UTC()}
		if err := env.Tables.Tenants.Put(ctx, t.ID, t); err != nil {
			return "", err
		}
	}
	if want := env.Config.BootstrapAPIKey; want != "" {
		if _, ok := env.Tables.APIKeys.Get(secrets.Hash(want)); ok {
			return want, nil
		}
		return createAPIKey(ctx, env, defaultTenant, "bootstrap", "admin", want)
	}
	if env.Tables.APIKeys.Len() > 0 {
		return "", nil
	}
	return createAPIKey(ctx, env, defaultTenant, "bootstrap", "admin", "")
}

func printDev(cfg config.Config, key string) {
	fmt.Printf(`
wearstream dev is running (Ctrl-C stops everything)

  HTTP API         http://%s   (GET /readyz, /api/v1/...)
  Console          http://%s/console/   (log in with the API key)
  Kafka            %s
  Schema registry  %s
  ClickHouse       %s  (native protocol, database %s)
  Data directory   %s
`, cfg.HTTPAddr, cfg.HTTPAddr, strings.Join(cfg.KafkaBrokers, ","), cfg.SchemaRegistryURL, cfg.ClickHouseAddr, cfg.ClickHouseDatabase, cfg.DataDir)
	switch {
	case key != "" && key == cfg.BootstrapAPIKey:
		fmt.Printf("  API key          the value of WEARSTREAM_BOOTSTRAP_API_KEY (tenant %q)\n\n", defaultTenant)
	case key != "":
		fmt.Printf("  API key          %s   (tenant %q, admin; shown once, store it now)\n\n", key, defaultTenant)
	default:
		fmt.Printf("  API key          created on first start; make another with: wearstream admin key create -tenant %s\n\n", defaultTenant)
	}
	slog.Debug("dev configuration", "config", cfg.DataDir)
}

// printInfra prints the environment of a component that runs against the
// embedded infrastructure, as shell exports.
func printInfra(cfg config.Config, key string) {
	fmt.Printf(`
wearstream dev --infra-only is running (Ctrl-C stops it); start components with this environment:

export KAFKA_BROKERS=%s
export SCHEMA_REGISTRY_URL=%s
export CLICKHOUSE_ADDR=%s
export CLICKHOUSE_DATABASE=%s
export WEARSTREAM_SECRET_KEY=%s
export WEARSTREAM_TOPIC_PREFIX=%s
export WEARSTREAM_PARTITIONS=%d
export WEARSTREAM_REPLICATION_FACTOR=%d
export WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE=%t
`, strings.Join(cfg.KafkaBrokers, ","), cfg.SchemaRegistryURL, cfg.ClickHouseAddr, cfg.ClickHouseDatabase,
		cfg.SecretKey, cfg.TopicPrefix, cfg.Partitions, cfg.ReplicationFactor, cfg.WebhooksAllowPrivate)
	switch {
	case key != "" && key == cfg.BootstrapAPIKey:
		fmt.Printf("# API key: the value of WEARSTREAM_BOOTSTRAP_API_KEY (tenant %q)\n\n", defaultTenant)
	case key != "":
		fmt.Printf("# API key: %s   (tenant %q, admin; shown once, store it now)\n\n", key, defaultTenant)
	default:
		fmt.Printf("# API key: created on first start; make another with: wearstream admin key create -tenant %s\n\n", defaultTenant)
	}
}
