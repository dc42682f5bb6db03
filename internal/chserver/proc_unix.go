//go:build unix && !linux

package chserver

import (
	"os"
	"syscall"
)

// sysProcAttr puts the server in its own process group, so that signals
// reach it and nothing else.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func terminate(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGTERM) }

func kill(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }

// runsWith cannot tell here whether a process runs on a directory; an
// orphaned server is not looked for.
func runsWith(int, string) bool { return false }

func signalGroup(int, bool) error { return nil }
