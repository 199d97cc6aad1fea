package harness

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// WebServer is the loopback server of the web-source cases (webserver.mjs, run by Node with the
// repository's node_modules): a WebSocket endpoint /feed, an event stream /events and a JSON
// endpoint /rows. Emit sends one payload to all of them. Stopped by its PID.
type WebServer struct {
	Port  int
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// NodeMissing says why the web server cannot run ("" when it can).
func NodeMissing(repoRoot string) string {
	if _, err := exec.LookPath("node"); err != nil {
		return "node is not installed"
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules", "ws")); err != nil {
		return "node_modules/ws is missing (run npm ci)"
	}
	return ""
}

// StartWebServer starts webserver.mjs and waits for its port.
func StartWebServer(repoRoot string) (*WebServer, error) {
	cmd := exec.Command("node", filepath.Join(repoRoot, "conformance", "harness", "webserver.mjs"))
	cmd.Dir = repoRoot
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the web server: %w", err)
	}
	ports := make(chan int, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			var port int
			if _, err := fmt.Sscanf(scanner.Text(), "port %d", &port); err == nil {
				ports <- port
			}
		}
	}()
	select {
	case port := <-ports:
		return &WebServer{Port: port, cmd: cmd, stdin: stdin}, nil
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the web server did not print its port within 10 s")
	}
}

// Emit sends one payload (one line of JSON) to every client and adds it to the polled rows.
func (s *WebServer) Emit(payload string) error {
	_, err := io.WriteString(s.stdin, strings.ReplaceAll(payload, "\n", " ")+"\n")
	return err
}

// Stop ends the server (closing stdin ends it; killed by PID if it lingers).
func (s *WebServer) Stop() {
	_ = s.stdin.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
