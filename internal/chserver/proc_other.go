//go:build !unix

package chserver

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to set where there are no process groups.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func terminate(p *os.Process) error { return p.Signal(os.Interrupt) }

func kill(p *os.Process) error { return p.Kill() }

// runsWith cannot tell here whether a process runs on a directory; an
// orphaned server is not looked for.
func runsWith(int, string) bool { return false }

func signalGroup(int, bool) error { return nil }
