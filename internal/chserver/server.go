// Package chserver runs a ClickHouse server as a child process, for
// `wearstream dev` and for integration tests.
//
// The server is the Debian clickhouse-server 18.16 binary: it has no systemd
// here, so Start writes a single self-contained config file (server settings,
// the default user, its profile and quota) into the data directory, starts the
// binary in its own process group on loopback ports and waits until HTTP /ping
// answers. On 18.x and 19.x, LowCardinality is enabled in the server profile
// (allow_experimental_low_cardinality_type), never from the client; a current
// binary refuses to start with that obsolete setting, so Start asks the binary
// its version first and writes the setting only for those old servers. Data
// persists in the directory across restarts.
package chserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBinary is where the Debian package installs the server.
const DefaultBinary = "/usr/sbin/clickhouse-server"

const (
	startTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
	logTailLines = 20
	// startAttempts bounds retries when a port picked by us was taken by
	// someone else between picking and binding.
	startAttempts = 3
)

// Options configures Start.
type Options struct {
	// Binary is the clickhouse-server executable; empty means DefaultBinary.
	Binary string
	// Dir holds the config file, the log files and the data; it is created
	// if missing and reused (with its data) on the next Start.
	Dir string
	// TCPPort is the native protocol port; 0 picks a free one.
	TCPPort int
	// HTTPPort is the HTTP port; 0 picks a free one.
	HTTPPort int
	// Logger receives start and stop events; nil discards them.
	Logger *slog.Logger
	// Stdout, when set, receives the server's console output as well.
	Stdout io.Writer
	// LogQueries records every query the server receives, with its final
	// text, in system.query_log (flushed by SYSTEM FLUSH LOGS).
	LogQueries bool
}

// Server is a running clickhouse-server child process.
type Server struct {
	// Addr is the native protocol address, host:port.
	Addr string
	// HTTPAddr is the HTTP address, host:port.
	HTTPAddr string
	// PID is the process id (and process group id) of the server.
	PID int
	// Dir is the data and config directory.
	Dir string

	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logger   *slog.Logger
	stopOnce sync.Once
	stopErr  error
}

// Available reports whether binary (empty means DefaultBinary) exists and is
// executable.
func Available(binary string) bool {
	if binary == "" {
		binary = DefaultBinary
	}
	path, err := exec.LookPath(binary)
	if err != nil {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start writes the config into opts.Dir, starts clickhouse-server and waits
// until it answers /ping.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Binary == "" {
		opts.Binary = DefaultBinary
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Dir == "" {
		return nil, errors.New("cannot start clickhouse: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve clickhouse dir %q: %w", opts.Dir, err)
	}
	opts.Dir = dir
	if err := os.MkdirAll(filepath.Join(dir, "data", "tmp"), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create clickhouse dir: %w", err)
	}
	if err := stopOrphan(dir, opts.Logger); err != nil {
		return nil, err
	}
	settings := configSettings{
		console:     opts.Stdout != nil,
		lowCardFlag: needsLowCardinalityFlag(binaryVersion(ctx, opts.Binary)),
		logQueries:  opts.LogQueries,
	}
	picked := opts.TCPPort == 0 || opts.HTTPPort == 0
	for attempt := 1; ; attempt++ {
		s, err := start(ctx, opts, settings)
		if err == nil {
			return s, nil
		}
		if !picked || attempt == startAttempts || !errors.Is(err, errAddrInUse) || ctx.Err() != nil {
			return nil, err
		}
		opts.Logger.Warn("clickhouse port taken, retrying with other ports", "attempt", attempt)
	}
}

var errAddrInUse = errors.New("address already in use")

func start(ctx context.Context, opts Options, settings configSettings) (*Server, error) {
	tcpPort, httpPort := opts.TCPPort, opts.HTTPPort
	var err error
	if tcpPort == 0 {
		if tcpPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	if httpPort == 0 {
		if httpPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	configPath := filepath.Join(opts.Dir, "clickhouse.xml")
	if err := os.WriteFile(configPath, []byte(config(opts.Dir, tcpPort, httpPort, settings)), 0o644); err != nil {
		return nil, fmt.Errorf("cannot write clickhouse config: %w", err)
	}
	logPath := filepath.Join(opts.Dir, "clickhouse-server.log")
	logStart := fileSize(logPath)

	cmd := exec.Command(opts.Binary, "--config-file="+configPath)
	cmd.Dir = opts.Dir
	cmd.SysProcAttr = sysProcAttr()
	if opts.Stdout != nil {
		cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stdout
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", opts.Binary, err)
	}
	s := &Server{
		Addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(tcpPort)),
		HTTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
		PID:      cmd.Process.Pid,
		Dir:      opts.Dir,
		cmd:      cmd,
		exited:   make(chan struct{}),
		logger:   opts.Logger,
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := writePID(opts.Dir, s.PID); err != nil {
		_ = s.Stop()
		return nil, err
	}

	began := time.Now()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		tail := logTail(logPath, logStart, logTailLines)
		if strings.Contains(tail, "Address already in use") {
			err = fmt.Errorf("%w: %w", err, errAddrInUse)
		}
		return nil, fmt.Errorf("cannot start clickhouse in %s: %w; last lines of %s:\n%s", opts.Dir, err, logPath, tail)
	}
	opts.Logger.Info("clickhouse started", "addr", s.Addr, "http", s.HTTPAddr, "pid", s.PID,
		"dir", opts.Dir, "took", time.Since(began).Round(time.Millisecond))
	return s, nil
}

// waitReady polls /ping until it answers "Ok.", the process exits, or the
// start timeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// No keep-alive: an idle HTTP connection would delay the server's shutdown.
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + s.HTTPAddr + "/ping"
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("cannot build ping request: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "Ok." {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("server did not answer %s within %s: %w", url, startTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop sends SIGTERM to the server's process group, waits up to 15 s for it
// to exit and then kills it. It is safe to call more than once. Close client
// connections first: the server waits about 10 s for open ones.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		defer removePID(s.Dir)
		select {
		case <-s.exited:
			return
		default:
		}
		began := time.Now()
		if err := terminate(s.cmd.Process); err != nil {
			s.stopErr = fmt.Errorf("cannot send SIGTERM to clickhouse pid %d: %w", s.PID, err)
		}
		select {
		case <-s.exited:
			s.logger.Info("clickhouse stopped", "pid", s.PID, "took", time.Since(began).Round(time.Millisecond))
			return
		case <-time.After(stopTimeout):
		}
		s.logger.Warn("clickhouse did not stop in time, killing it", "pid", s.PID, "waited", stopTimeout)
		if err := kill(s.cmd.Process); err != nil {
			s.stopErr = fmt.Errorf("cannot kill clickhouse pid %d: %w", s.PID, err)
			return
		}
		<-s.exited
	})
	return s.stopErr
}

// Exited is closed when the server process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot pick a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logTail returns the last n lines written to path after offset from.
func logTail(path string, from int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return "(cannot read log: " + err.Error() + ")"
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return "(log is empty)"
	}
	return strings.Join(lines, "\n")
}

// configSettings are the choices config makes besides paths and ports.
type configSettings struct {
	console     bool // log to the console as well
	lowCardFlag bool // write allow_experimental_low_cardinality_type (18.x, 19.x)
	logQueries  bool // keep system.query_log
}

// config renders the single-file server config: server settings, plus the
// default user with its profile and quota (users_config points at the file
// itself). Every path is absolute under dir.
func config(dir string, tcpPort, httpPort int, settings configSettings) string {
	data := filepath.Join(dir, "data") + "/"
	consoleFlag := 0
	if settings.console {
		consoleFlag = 1
	}
	var profile, queryLog string
	if settings.lowCardFlag {
		profile += "\n            <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>"
	}
	if settings.logQueries {
		profile += "\n            <log_queries>1</log_queries>"
		queryLog = `
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <flush_interval_milliseconds>7500</flush_interval_milliseconds>
    </query_log>`
	}
	if profile != "" {
		profile += "\n        "
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>%[1]s/clickhouse-server.log</log>
        <errorlog>%[1]s/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
        <console>%[5]d</console>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>%[2]d</tcp_port>
    <http_port>%[3]d</http_port>
    <path>%[4]s</path>
    <tmp_path>%[4]stmp/</tmp_path>
    <user_files_path>%[4]suser_files/</user_files_path>
    <format_schema_path>%[4]sformat_schemas/</format_schema_path>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <users_config>%[1]s/clickhouse.xml</users_config>%[7]s
    <profiles>
        <default>%[6]s</default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
`, xmlEscape(dir), tcpPort, httpPort, xmlEscape(data), consoleFlag, profile, queryLog)
	return b.String()
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
