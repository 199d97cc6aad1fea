// Package suite is the conformance suite: it drives the built Tributary backend exactly as
// Grafana does (go-plugin client, the SDK's gRPC clients and decoders) and compares it with the
// Go SDK reference plugin in ../reference.
package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/tributary/conformance/harness"
)

const (
	pluginID      = "tributary-streaming-datasource"
	datasourceUID = "conformance-ds"
)

var paths *harness.Paths

func TestMain(m *testing.M) {
	var err error
	paths, err = harness.FindPaths()
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	if err := paths.BuildReference(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	code := m.Run()
	printBenchReport()
	os.Exit(code)
}

// settingsJSON is the datasource jsonData used by the suite (explicit values, not defaults).
type settings struct {
	MaxSeries           int `json:"maxSeries"`
	MinIntervalMs       int `json:"minIntervalMs"`
	MaxPacketsPerSecond int `json:"maxPacketsPerSecond"`
}

var defaultTestSettings = settings{MaxSeries: 20, MinIntervalMs: 10, MaxPacketsPerSecond: 20}

// pluginContext is what Grafana sends with every datasource request.
func pluginContext(s settings) *pluginv2.PluginContext {
	js, _ := json.Marshal(s)
	return pluginContextRaw(js, 1_700_000_000_000)
}

func pluginContextRaw(jsonData []byte, lastUpdated int64) *pluginv2.PluginContext {
	return &pluginv2.PluginContext{
		OrgId:    1,
		PluginId: pluginID,
		User:     &pluginv2.User{Login: "admin", Name: "Admin", Email: "admin@localhost", Role: "Admin"},
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id:            1,
			Uid:           datasourceUID,
			Name:          "Tributary",
			JsonData:      jsonData,
			LastUpdatedMS: lastUpdated,
		},
		GrafanaConfig: map[string]string{"GF_APP_URL": "http://localhost:3000/"},
		PluginVersion: "0.1.0",
		UserAgent:     "Grafana/13.2.3 (linux; amd64)",
	}
}

// which plugin a test talks to
type target struct {
	name   string
	plugin *harness.Plugin
}

// launchManaged starts dist/gpx_tributary_linux_amd64 without a sidecar (the launcher execs
// node on the bundle), with Grafana >= 12.4's environment: no host env forwarded.
func launchManaged(t testing.TB) *harness.Plugin {
	t.Helper()
	p, err := harness.Launch(harness.LaunchOptions{
		Executable:  paths.Launcher,
		Name:        "tributary-managed",
		SkipHostEnv: true,
		Env:         []string{"TRIBUTARY_DEFAULT_SOCKET=" + t.TempDir() + "/absent/plugin.sock"},
	})
	if err != nil {
		t.Fatalf("launch managed Tributary: %v", err)
	}
	t.Cleanup(p.Kill)
	return p
}

// launchReference starts the Go SDK reference plugin through the same go-plugin client.
func launchReference(t testing.TB) *harness.Plugin {
	t.Helper()
	p, err := harness.Launch(harness.LaunchOptions{Executable: paths.Reference, Name: "go-reference", SkipHostEnv: true})
	if err != nil {
		t.Fatalf("launch Go reference: %v", err)
	}
	t.Cleanup(p.Kill)
	return p
}

// startSidecar runs `node dist/backend/main.js --listen unix:<tmp>/plugin.sock`.
func startSidecar(t testing.TB) *harness.Sidecar {
	t.Helper()
	dir, err := os.MkdirTemp("", "trib-sc-") // short path: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s, err := harness.StartSidecar(paths.MainJS, dir)
	if err != nil {
		t.Fatalf("start sidecar: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// launchWithSidecar starts the launcher the way Grafana would, pointed at the sidecar.
func launchWithSidecar(t testing.TB, s *harness.Sidecar, name string) *harness.Plugin {
	t.Helper()
	p, err := harness.Launch(harness.LaunchOptions{
		Executable:  paths.Launcher,
		Name:        name,
		SkipHostEnv: true,
		Env:         []string{"TRIBUTARY_SIDECAR_ADDRESS=" + s.Address()},
	})
	if err != nil {
		t.Fatalf("launch Tributary launcher against sidecar: %v\nsidecar stderr:\n%s", err, s.Stderr())
	}
	t.Cleanup(p.Kill)
	return p
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// reportMismatches fails the test with one line per mismatch (field, expected, actual).
func reportMismatches(t testing.TB, mismatches []harness.Mismatch) {
	t.Helper()
	for _, m := range mismatches {
		t.Errorf("mismatch %s", m)
	}
}

// assertNoHostWarnings fails when go-plugin itself logged a WARN/ERROR (stdio, broker, handshake).
func assertNoHostWarnings(t testing.TB, p *harness.Plugin) {
	t.Helper()
	for _, l := range p.Logs.HostProblems() {
		t.Errorf("go-plugin client logged %s: %s (%s)", l.Level, l.Message, l.Raw)
	}
}

// shortTempDir is a temp dir with a short path (unix socket paths are limited to 108 bytes).
func shortTempDir(t testing.TB) (string, error) {
	dir, err := os.MkdirTemp("", "trib-")
	if err != nil {
		return "", err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, nil
}
