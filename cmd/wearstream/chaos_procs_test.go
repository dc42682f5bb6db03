package main

// The processes of the chaos test: the built wearstream binary, run as
// `dev --infra-only` for the embedded infrastructure and once per
// component, each component under a stable WEARSTREAM_INSTANCE_ID so that a
// restart takes over its predecessor's group membership and transactions.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmd/wearstream into dir and returns its path.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "wearstream")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("cannot build wearstream: %v\n%s", err, out)
	}
	return bin
}

// proc is one component run as a separate process, restartable.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	log  string // file that collects the output of every run

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{} // closed when the current run has exited
	kills int
}

// newProc describes a process; start runs it.
func newProc(name, bin, logDir string, env map[string]string, args ...string) *proc {
	p := &proc{name: name, bin: bin, args: args, log: filepath.Join(logDir, name+".log")}
	p.env = os.Environ()
	for k, v := range env {
		p.env = append(p.env, k+"="+v)
	}
	return p
}

// start runs the process with its output appended to its log file.
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "==== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("cannot start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

// kill sends SIGKILL and waits until the process is gone.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.kills++
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// terminate sends SIGTERM and returns how long the process took to exit,
// or false when it still ran after wait (it is then killed).
func (p *proc) terminate(wait time.Duration) (time.Duration, bool) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	began := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return time.Since(began), true
	case <-time.After(wait):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return time.Since(began), false
	}
}

// running reports whether the current run has not exited.
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop ends the process if it runs: SIGTERM, then SIGKILL.
func (p *proc) stop() {
	if p.cmd != nil && p.running() {
		p.terminate(15 * time.Second)
	}
}

// logTail is the end of the process's log, for failure messages.
func (p *proc) logTail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// runInfra runs `wearstream dev --infra-only` on dir and returns the
// process and the environment it printed.
func runInfra(t *testing.T, bin, dir string, env map[string]string) (*exec.Cmd, map[string]string) {
	t.Helper()
	cmd := exec.Command(bin, "dev", "--infra-only")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logf, err := os.Create(filepath.Join(dir, "infra.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start dev --infra-only: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logf.Close()
	})
	printed := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			printed[k] = v
		}
		if strings.HasPrefix(line, "# API key") {
			break
		}
	}
	go func() { _, _ = io.Copy(logf, out) }()
	if printed["KAFKA_BROKERS"] == "" {
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("dev --infra-only printed no environment: %v\n%s", sc.Err(), b)
	}
	return cmd, printed
}
