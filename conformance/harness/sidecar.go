package harness

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Sidecar is `node dist/backend/main.js --listen unix:<sock>` started by the suite, as docker
// compose starts the backend service.
type Sidecar struct {
	Cmd    *exec.Cmd
	Socket string
	stderr *lockedBuffer
	exited chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartSidecar starts the bundled backend in sidecar mode (with the product's Node flags) on a unix socket in dir and waits
// until the socket accepts connections.
func StartSidecar(mainJS, dir string) (*Sidecar, error) {
	sock := filepath.Join(dir, "plugin.sock")
	flags, err := NodeFlags()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", append(flags, mainJS, "--listen", "unix:"+sock)...)
	cmd.Env = os.Environ()
	s := &Sidecar{Cmd: cmd, Socket: sock, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	cmd.Stdout = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sidecar: %w", err)
	}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitListening(15 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitListening dials the socket until it answers, the process exits or the deadline passes.
func (s *Sidecar) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("unix", s.Socket, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("sidecar exited before listening on %s: %s\nstderr:\n%s", s.Socket, s.Cmd.ProcessState, s.Stderr())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sidecar did not listen on %s within %s\nstderr:\n%s", s.Socket, timeout, s.Stderr())
		}
	}
}

// Address is the value for TRIBUTARY_SIDECAR_ADDRESS.
func (s *Sidecar) Address() string { return "unix:" + s.Socket }

// Alive reports whether the sidecar process is still running.
func (s *Sidecar) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Stderr is everything the sidecar wrote.
func (s *Sidecar) Stderr() string { return s.stderr.String() }

// Crash SIGKILLs the sidecar (no graceful shutdown) and waits for it.
func (s *Sidecar) Crash() {
	if s.Alive() {
		_ = s.Cmd.Process.Kill()
		<-s.exited
	}
}

// Stop sends SIGTERM and waits (SIGKILL after 5 s).
func (s *Sidecar) Stop() {
	if !s.Alive() {
		return
	}
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	select {
	case <-s.exited:
	case <-ctx.Done():
		_ = s.Cmd.Process.Kill()
		<-s.exited
	}
}
