// Package harness starts backend plugins the way Grafana does and hands out the SDK's gRPC clients.
//
// Grafana's host (pkg/plugins/backendplugin/grpcplugin/client.go) builds a go-plugin client with
// exec.Command, the handshake {ProtocolVersion 2, grafana_plugin_type=datasource}, gRPC only, no
// AutoMTLS and the SDK's plugin set under protocol version 2. We do exactly that here, so every
// call in the suite goes through the same client code Grafana runs.
package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	plugin "github.com/hashicorp/go-plugin"
)

// Handshake is Grafana's go-plugin handshake config.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  grpcplugin.ProtocolVersion,
	MagicCookieKey:   grpcplugin.MagicCookieKey,
	MagicCookieValue: grpcplugin.MagicCookieValue,
}

// grafanaPluginSet mirrors the plugin set Grafana registers under protocol version 2
// (diagnostics, resource, data, stream, admission, conversion; "renderer" is not in the SDK).
func grafanaPluginSet() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
			"stream":      &grpcplugin.StreamGRPCPlugin{},
			"admission":   &grpcplugin.AdmissionGRPCPlugin{},
			"conversion":  &grpcplugin.ConversionGRPCPlugin{},
		},
	}
}

// LaunchOptions say which executable to start and with what environment.
type LaunchOptions struct {
	// Executable is the plugin file Grafana would find: <plugin dir>/<executable>_<os>_<arch>.
	Executable string
	// Env is the environment Grafana prepares (GF_VERSION, GF_PLUGIN_*, ...). go-plugin adds the
	// magic cookie and PLUGIN_* variables itself.
	Env []string
	// SkipHostEnv reproduces Grafana >= 12.4, which no longer forwards its own environment.
	SkipHostEnv bool
	// Name labels the log capture.
	Name string
}

// Plugin is one started plugin process with the clients Grafana would dispense.
type Plugin struct {
	Client      *plugin.Client
	Cmd         *exec.Cmd
	Logs        *LogCapture
	Diagnostics grpcplugin.DiagnosticsClient
	Resource    grpcplugin.ResourceClient
	Data        grpcplugin.DataClient
	Stream      grpcplugin.StreamClient
	// Started is when exec happened; Ready is when the handshake had been read and clients dispensed.
	Started, Ready time.Time
}

// Launch starts the executable through go-plugin and dispenses the SDK clients.
func Launch(opts LaunchOptions) (*Plugin, error) {
	logs := NewLogCapture(opts.Name, filepath.Base(opts.Executable))
	cmd := exec.Command(opts.Executable)
	cmd.Env = append([]string{"GF_VERSION=13.2.3"}, opts.Env...)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: grafanaPluginSet(),
		Cmd:              cmd,
		SkipHostEnv:      opts.SkipHostEnv,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logs.Logger(),
	})
	p := &Plugin{Client: client, Cmd: cmd, Logs: logs, Started: time.Now()}
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("go-plugin could not start %s: %w\n%s", opts.Executable, err, logs.Dump())
	}
	dispense := func(name string) (any, error) {
		raw, err := rpc.Dispense(name)
		if err != nil {
			return nil, fmt.Errorf("dispense %q: %w", name, err)
		}
		return raw, nil
	}
	var raw any
	if raw, err = dispense("diagnostics"); err == nil {
		p.Diagnostics = raw.(grpcplugin.DiagnosticsClient)
	}
	if raw, err = dispense("resource"); err == nil {
		p.Resource = raw.(grpcplugin.ResourceClient)
	}
	if raw, err = dispense("data"); err == nil {
		p.Data = raw.(grpcplugin.DataClient)
	}
	if raw, err = dispense("stream"); err == nil {
		p.Stream = raw.(grpcplugin.StreamClient)
	}
	if err != nil {
		client.Kill()
		return nil, err
	}
	p.Ready = time.Now()
	return p, nil
}

// Kill stops the plugin the way Grafana does (go-plugin Kill: Shutdown, wait 2 s, then SIGKILL).
func (p *Plugin) Kill() { p.Client.Kill() }

// KilledBySignal reports whether the launched process ended by SIGKILL (go-plugin's last resort).
func (p *Plugin) KilledBySignal() (bool, string) {
	state := p.Cmd.ProcessState
	if state == nil {
		return false, "process state unknown"
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal() == syscall.SIGKILL, state.String()
	}
	return false, state.String()
}

// PID of the launched process.
func (p *Plugin) PID() int {
	if p.Cmd.Process == nil {
		return 0
	}
	return p.Cmd.Process.Pid
}

// ProcessAlive reports whether a PID still exists (signal 0 probe).
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return proc.Signal(syscall.Signal(0)) == nil
}
