package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// Mosquitto is a real MQTT broker on 127.0.0.1 and a free port, with a quiet config of its own,
// stopped by its PID. Messages are published with mosquitto_pub (Debian's mosquitto-clients), so
// the suite needs no Go MQTT client.
type Mosquitto struct {
	Port int
	cmd  *exec.Cmd
	dir  string
}

// MosquittoMissing says which command is not installed ("" when both are).
func MosquittoMissing() string {
	for _, c := range []string{"mosquitto", "mosquitto_pub"} {
		if _, err := exec.LookPath(c); err != nil {
			if _, err := os.Stat("/usr/sbin/" + c); err != nil {
				return c
			}
		}
	}
	return ""
}

// StartMosquitto starts the broker in dir and waits until it accepts TCP connections.
func StartMosquitto(dir string) (*Mosquitto, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	lines := []string{fmt.Sprintf("listener %d 127.0.0.1", port), "allow_anonymous true", "persistence false", "log_dest stderr", "log_type error", "log_type warning"}
	if u, err := user.Current(); err == nil {
		// As root, mosquitto would switch to its own user otherwise.
		lines = append(lines, "user "+u.Username)
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
	}
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mosquitto: %w", err)
	}
	m := &Mosquitto{Port: port, cmd: cmd, dir: dir}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return m, nil
		}
		if time.Now().After(deadline) {
			m.Stop()
			return nil, fmt.Errorf("mosquitto did not listen on 127.0.0.1:%d within 10 s", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// URL is the broker's mqtt:// address.
func (m *Mosquitto) URL() string { return fmt.Sprintf("mqtt://127.0.0.1:%d", m.Port) }

// Publish sends each payload to topic with QoS 1, in order, through one mosquitto_pub connection.
func (m *Mosquitto) Publish(topic string, payloads ...string) error {
	for _, p := range payloads {
		if strings.Contains(p, "\n") {
			return fmt.Errorf("payload %q: one line per message", p)
		}
	}
	cmd := exec.Command("mosquitto_pub", "-h", "127.0.0.1", "-p", fmt.Sprint(m.Port), "-q", "1", "-t", topic, "-l")
	cmd.Stdin = strings.NewReader(strings.Join(payloads, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mosquitto_pub %s: %w: %s", topic, err, out)
	}
	return nil
}

// Stop ends the broker by its PID and waits for it.
func (m *Mosquitto) Stop() {
	if m.cmd.Process != nil && m.cmd.ProcessState == nil {
		_ = m.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = m.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = m.cmd.Process.Kill()
			<-done
		}
	}
}
