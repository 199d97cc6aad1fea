package suite

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/tributary/conformance/harness"
)

// gracefulKillWarning is what go-plugin logs right before it SIGKILLs a plugin that did not exit
// within 2 s of GRPCController.Shutdown.
const gracefulKillWarning = "plugin failed to exit gracefully"

func checkHealthOK(t *testing.T, p *harness.Plugin) *pluginv2.CheckHealthResponse {
	t.Helper()
	resp, err := p.Diagnostics.CheckHealth(ctxTimeout(t, 10*time.Second), &pluginv2.CheckHealthRequest{PluginContext: pluginContext(defaultTestSettings)})
	if err != nil {
		t.Fatalf("CheckHealth: %v\n%s", err, p.Logs.Dump())
	}
	if resp.Status != pluginv2.CheckHealthResponse_OK {
		t.Fatalf("CheckHealth status: expected OK, actual %s (message %q)", resp.Status, resp.Message)
	}
	return resp
}

// Managed mode: Grafana runs the launcher, which execs node; Kill() must end it within go-plugin's
// 2 s grace period (GRPCController.Shutdown), never by SIGKILL, and go-plugin must log no warnings.
func TestManagedLifecycle(t *testing.T) {
	p := launchManaged(t)
	pid := p.PID()
	checkHealthOK(t, p)

	start := time.Now()
	p.Kill()
	took := time.Since(start)
	if took >= 2*time.Second {
		t.Errorf("Kill(): expected the plugin to exit within 2 s of Shutdown, actual %s", took)
	}
	if p.Logs.Contains(gracefulKillWarning) {
		t.Errorf("go-plugin logged %q: the plugin ignored GRPCController.Shutdown and was SIGKILLed", gracefulKillWarning)
	}
	if killed, state := p.KilledBySignal(); killed {
		t.Errorf("plugin exit: expected a clean exit, actual %s", state)
	}
	if !p.Client.Exited() {
		t.Errorf("go-plugin Exited(): expected true after Kill, actual false")
	}
	if harness.ProcessAlive(pid) {
		t.Errorf("process %d: expected gone after Kill, actual still running", pid)
	}
	assertNoHostWarnings(t, p)
	for _, l := range p.Logs.PluginProblems() {
		t.Errorf("plugin logged %s during a clean start/health/stop: %s", l.Level, l.Raw)
	}
	t.Logf("managed: handshake after %s, Kill took %s", p.Ready.Sub(p.Started), took)
}

// The Go reference goes through the same lifecycle check: it shows the checks themselves can pass.
func TestReferenceLifecycle(t *testing.T) {
	p := launchReference(t)
	checkHealthOK(t, p)
	start := time.Now()
	p.Kill()
	if took := time.Since(start); took >= 2*time.Second {
		t.Errorf("reference Kill(): took %s", took)
	}
	if killed, state := p.KilledBySignal(); killed {
		t.Errorf("reference exit: expected clean, actual %s", state)
	}
	assertNoHostWarnings(t, p)
}

// Sidecar mode: the launcher prints a handshake pointing at a running sidecar. Killing the
// launcher (as Grafana does on stop or restart) must leave the sidecar serving, and a new
// launcher must work against it.
func TestSidecarSurvivesLauncher(t *testing.T) {
	sc := startSidecar(t)
	first := launchWithSidecar(t, sc, "launcher-1")
	checkHealthOK(t, first)
	launcherPID := first.PID()

	first.Kill()
	if harness.ProcessAlive(launcherPID) {
		t.Errorf("launcher %d: expected gone after Kill, actual still running", launcherPID)
	}
	if !sc.Alive() {
		t.Fatalf("sidecar: expected alive after its launcher was killed (and GRPCController.Shutdown called), actual exited\n%s", sc.Stderr())
	}
	assertOnlyLocatorKillWarnings(t, first)

	second := launchWithSidecar(t, sc, "launcher-2")
	checkHealthOK(t, second)
	second.Kill()
	assertOnlyLocatorKillWarnings(t, second)
	if !sc.Alive() {
		t.Fatalf("sidecar: expected alive after the second launcher stopped, actual exited\n%s", sc.Stderr())
	}
}

// assertOnlyLocatorKillWarnings: in sidecar mode the launcher blocks in `sleep` and cannot see
// GRPCController.Shutdown (that goes to the sidecar, which must keep serving), so go-plugin waits
// 2 s and SIGKILLs it, logging the two lines below. Grafana treats the Go SDK's own "dummy plugin
// locator" exactly the same way. Any other warning or error is a failure.
func assertOnlyLocatorKillWarnings(t *testing.T, p *harness.Plugin) {
	t.Helper()
	for _, l := range p.Logs.HostProblems() {
		expected := l.Message == gracefulKillWarning ||
			(l.Message == "plugin process exited" && strings.Contains(l.Raw, `"error":"signal: killed"`))
		if !expected {
			t.Errorf("go-plugin client logged %s: %s", l.Level, l.Raw)
		}
	}
}

// Grafana stops plugins while Live streams run (plugin update, Grafana shutdown): Kill() must
// still end the managed process within the 2 s grace period, without SIGKILL.
func TestManagedKillWithActiveStream(t *testing.T) {
	p := launchManaged(t)
	pc := pluginContext(defaultTestSettings)
	path := channelPaths(t, p, pc, []tributaryQuery{streamQuery("A")})[0]
	live := harness.NewLive(p, pc)
	ctx := ctxTimeout(t, 20*time.Second)
	_, sub, err := live.Subscribe(ctx, path)
	if err != nil || sub == nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := sub.WaitRows(ctx, 10); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.Kill()
	took := time.Since(start)
	live.Close()
	if took >= 2*time.Second || p.Logs.Contains(gracefulKillWarning) {
		t.Errorf("Kill() with a running stream: expected a clean exit within 2 s, actual %s (graceful-exit warning logged: %v)", took, p.Logs.Contains(gracefulKillWarning))
	}
	if killed, state := p.KilledBySignal(); killed {
		t.Errorf("plugin exit with a running stream: expected clean, actual %s", state)
	}
	assertNoHostWarnings(t, p)
}
