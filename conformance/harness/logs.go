package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// LogLine is one line the go-plugin client logged: its own messages (module "host", "host.stdio")
// and the plugin's stderr lines it re-logs (module "host.<executable name>").
type LogLine struct {
	Level   string
	Module  string
	Message string
	Raw     string
}

// LogCapture collects everything the go-plugin client logs, as Grafana's log wrapper would see it.
type LogCapture struct {
	name string
	// pluginModule is the hclog module under which go-plugin re-logs the plugin's stderr.
	pluginModule string
	mu           sync.Mutex
	buf          bytes.Buffer
	lines        []LogLine
	// waiters are woken on every new line (event-driven waits on log output).
	waiters []chan struct{}
}

// NewLogCapture makes a capture for a plugin whose executable has the given base name.
func NewLogCapture(name, executableBase string) *LogCapture {
	return &LogCapture{name: name, pluginModule: "host." + executableBase}
}

// Logger is an hclog logger at Trace level writing JSON into the capture.
func (c *LogCapture) Logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "host",
		Level:      hclog.Trace,
		JSONFormat: true,
		Output:     c,
	})
}

// Write receives hclog's JSON lines.
func (c *LogCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	for {
		data := c.buf.Bytes()
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			break
		}
		raw := string(data[:nl])
		c.buf.Next(nl + 1)
		var entry map[string]any
		line := LogLine{Raw: raw}
		if json.Unmarshal([]byte(raw), &entry) == nil {
			line.Level, _ = entry["@level"].(string)
			line.Module, _ = entry["@module"].(string)
			line.Message, _ = entry["@message"].(string)
		}
		c.lines = append(c.lines, line)
	}
	for _, w := range c.waiters {
		close(w)
	}
	c.waiters = nil
	return len(p), nil
}

// Lines returns a copy of what was logged so far.
func (c *LogCapture) Lines() []LogLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]LogLine(nil), c.lines...)
}

// Changed returns a channel closed at the next logged line.
func (c *LogCapture) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	c.waiters = append(c.waiters, ch)
	return ch
}

// HostProblems are WARN/ERROR lines logged by go-plugin itself (not re-logged plugin stderr):
// these are what Grafana would show as warnings about the plugin connection (stdio, broker, kill).
func (c *LogCapture) HostProblems() []LogLine {
	var out []LogLine
	for _, l := range c.Lines() {
		if !isProblem(l.Level) {
			continue
		}
		if l.Module != c.pluginModule {
			out = append(out, l)
		}
	}
	return out
}

// PluginProblems are WARN/ERROR lines that came from the plugin's own stderr.
func (c *LogCapture) PluginProblems() []LogLine {
	var out []LogLine
	for _, l := range c.Lines() {
		if isProblem(l.Level) && l.Module == c.pluginModule {
			out = append(out, l)
		}
	}
	return out
}

// Contains reports whether any line's message contains s.
func (c *LogCapture) Contains(s string) bool {
	for _, l := range c.Lines() {
		if strings.Contains(l.Message, s) {
			return true
		}
	}
	return false
}

// Dump renders the capture for failure messages.
func (c *LogCapture) Dump() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- go-plugin client log (%s) ---\n", c.name)
	lines := c.Lines()
	if len(lines) > 80 {
		fmt.Fprintf(&sb, "(%d earlier lines omitted)\n", len(lines)-80)
		lines = lines[len(lines)-80:]
	}
	for _, l := range lines {
		sb.WriteString(l.Raw)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func isProblem(level string) bool {
	l := strings.ToLower(level)
	return l == "warn" || l == "error"
}
