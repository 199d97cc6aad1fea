package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/tributary/conformance/harness"
)

// webKind is one web source kind: its settings and the query that picks the test server's endpoint.
type webKind struct {
	kind     string
	settings func(port int) map[string]any
	query    map[string]any
}

var webKinds = []webKind{
	{"websocket", func(port int) map[string]any {
		return map[string]any{"websocket": map[string]any{"url": fmt.Sprintf("ws://127.0.0.1:%d/", port)}}
	}, map[string]any{"path": "/feed"}},
	{"sse", func(port int) map[string]any {
		return map[string]any{"sse": map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d/", port)}}
	}, map[string]any{"path": "/events"}},
	{"http-poll", func(port int) map[string]any {
		return map[string]any{"httpPoll": map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d/", port), "minIntervalMs": 100, "intervalMs": 100, "rowsPath": "rows"}}
	}, map[string]any{"path": "/rows", "pollIntervalMs": 100}},
}

func webQuery(k webKind, streaming bool) *pluginv2.DataQuery {
	model := map[string]any{"refId": "W", "withStreaming": streaming, "mapping": map[string]any{"format": "json", "timeSource": "payload", "timeField": "ts"}}
	for key, value := range k.query {
		model[key] = value
	}
	js, _ := json.Marshal(model)
	now := time.Now()
	return rawDataQuery("W", js, now.Add(-time.Hour), now.Add(time.Minute), 1000)
}

func webFrames(t *testing.T, p *harness.Plugin, pc *pluginv2.PluginContext, k webKind, streaming bool) data.Frames {
	t.Helper()
	_, resp, err := queryFrames(ctxTimeout(t, 20*time.Second), p, pc, pluginv2.DataFrameFormat_ARROW, webQuery(k, streaming))
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["W"]
	if r.Error != nil {
		t.Fatalf("QueryData of a %s query: expected frames, actual error %v", k.kind, r.Error)
	}
	return r.Frames
}

// webColumn is the values of the first field whose name is `name` or starts with `name ` (a live
// channel names fields `<field> <topic>`), nulls as nil.
func webColumn(t *testing.T, f *data.Frame, name string) []any {
	t.Helper()
	for _, field := range f.Fields {
		if field.Name == name || strings.HasPrefix(field.Name, name+" ") {
			out := make([]any, field.Len())
			for i := range out {
				if v, ok := field.ConcreteAt(i); ok {
					out[i] = v
				}
			}
			return out
		}
	}
	names := []string{}
	for _, field := range f.Fields {
		names = append(names, field.Name)
	}
	t.Fatalf("frame %q: expected a field %q, actual fields %v", f.Name, name, names)
	return nil
}

type webMessage struct {
	at time.Time
	v  float64
}

func (m webMessage) payload() string {
	return fmt.Sprintf(`{"ts":%d,"v":%v}`, m.at.UnixMilli(), m.v)
}

// TestWebSourcesQueryAndStream: a WebSocket, an SSE and an HTTP polling datasource against loopback
// servers (harness/webserver.mjs), through Grafana's host code. Per kind: QueryData decoded by the
// SDK's Arrow reader holds the messages sent, with their payload times; the live channel, read the way
// Grafana Live does (SDK JSON reader), carries the messages sent after the subscription, in order, each
// once; CheckHealth connects and shows the first message.
func TestWebSourcesQueryAndStream(t *testing.T) {
	if missing := harness.NodeMissing(paths.RepoRoot); missing != "" {
		t.Skipf("web sources: %s", missing)
	}
	for i, k := range webKinds {
		t.Run(k.kind, func(t *testing.T) {
			server, err := harness.StartWebServer(paths.RepoRoot)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(server.Stop)
			p := launchManaged(t)
			jsonData := k.settings(server.Port)
			jsonData["sourceKind"] = k.kind
			js, _ := json.Marshal(jsonData)
			pc := pluginContextRaw(js, 1_700_000_000_100+int64(i))

			// The first query opens the stream; a warm-up message tells when it is live.
			deadline := time.Now().Add(15 * time.Second)
			for {
				frames := webFrames(t, p, pc, k, false)
				if len(frames) > 0 && frames[0].Rows() > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: no message reached the datasource within 15 s", k.kind)
				}
				if err := server.Emit(webMessage{at: time.Now(), v: -1}.payload()); err != nil {
					t.Fatal(err)
				}
				time.Sleep(200 * time.Millisecond)
			}

			base := time.Now().Add(-20 * time.Second).Truncate(time.Millisecond)
			history := []webMessage{{base, 1.5}, {base.Add(100 * time.Millisecond), 2.5}, {base.Add(200 * time.Millisecond), -3.25}}
			for _, m := range history {
				if err := server.Emit(m.payload()); err != nil {
					t.Fatal(err)
				}
			}
			var f *data.Frame
			for deadline := time.Now().Add(10 * time.Second); ; {
				frames := webFrames(t, p, pc, k, false)
				if len(frames) != 1 {
					t.Fatalf("QueryData: expected one frame (one stream is one series), actual %d", len(frames))
				}
				f = frames[0]
				if countValues(webColumn(t, f, "v"), history) == len(history) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("QueryData: expected the 3 messages within 10 s, actual v=%v", webColumn(t, f, "v"))
				}
				time.Sleep(100 * time.Millisecond)
			}
			times, values := webColumn(t, f, "time"), webColumn(t, f, "v")
			for _, m := range history {
				found := false
				for row := range values {
					if values[row] == m.v {
						found = true
						if tm, ok := times[row].(time.Time); !ok || !tm.Equal(m.at) {
							t.Errorf("QueryData row v=%v: expected time %s (the payload's), actual %v", m.v, m.at.UTC().Format(time.RFC3339Nano), times[row])
						}
					}
				}
				if !found {
					t.Errorf("QueryData: expected a row v=%v", m.v)
				}
			}

			// The live channel: QueryData with streaming → meta.channel → SubscribeStream → RunStream.
			streamed := webFrames(t, p, pc, k, true)
			path, err := channelPath(streamed[0])
			if err != nil {
				t.Fatal(err)
			}
			live := harness.NewLive(p, pc)
			defer live.Close()
			ctx := ctxTimeout(t, 30*time.Second)
			res, sub, err := live.Subscribe(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != pluginv2.SubscribeStreamResponse_OK {
				t.Fatalf("SubscribeStream %q: expected OK, actual %s", path, res.Status)
			}
			for deadline := time.Now().Add(10 * time.Second); metricValue(t, p, "tributary_active_channels") < 1; {
				if time.Now().After(deadline) {
					t.Fatalf("channel %q: no active RunStream within 10 s", path)
				}
				time.Sleep(20 * time.Millisecond)
			}
			start := time.Now().Truncate(time.Millisecond)
			var fresh []webMessage
			for i := 0; i < 6; i++ {
				fresh = append(fresh, webMessage{start.Add(time.Duration(i) * 10 * time.Millisecond), 100 + float64(i)})
			}
			for _, m := range fresh {
				if err := server.Emit(m.payload()); err != nil {
					t.Fatal(err)
				}
			}
			if err := sub.WaitRows(ctx, len(fresh)); err != nil {
				t.Fatalf("stream: expected %d rows, actual error %v", len(fresh), err)
			}
			quiet, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
			defer cancel()
			for {
				if _, err := sub.Next(quiet); err != nil {
					break
				}
			}
			got := webColumn(t, sub.Frame, "v")
			if len(got) != len(fresh) {
				t.Fatalf("stream: expected exactly %d rows (sent after the subscription, none twice), actual v=%v", len(fresh), got)
			}
			streamTimes := webColumn(t, sub.Frame, "time")
			for row, m := range fresh {
				if got[row] != m.v {
					t.Errorf("stream row %d: expected v=%v (in order), actual %v", row, m.v, got[row])
				}
				if tm, ok := streamTimes[row].(time.Time); !ok || !tm.Equal(m.at) {
					t.Errorf("stream row %d: expected time %s, actual %v", row, m.at.UTC().Format(time.RFC3339Nano), streamTimes[row])
				}
			}
			runs, _, errs, invalid := live.Channel(path).Stats()
			if runs != 1 || len(errs) > 0 || invalid != nil {
				t.Errorf("RunStream: expected one run without errors, actual runs=%d errors=%v invalid=%q", runs, errs, invalid)
			}

			// Save & test: the probe connects; polling answers at once, the others get the next message.
			done := make(chan *pluginv2.CheckHealthResponse, 1)
			go func() {
				h, err := p.Diagnostics.CheckHealth(ctxTimeout(t, 20*time.Second), &pluginv2.CheckHealthRequest{PluginContext: pc})
				if err != nil {
					t.Error(err)
				}
				done <- h
			}()
			time.Sleep(500 * time.Millisecond)
			_ = server.Emit(webMessage{at: time.Now(), v: 7}.payload())
			h := <-done
			if h == nil {
				return
			}
			if h.Status != pluginv2.CheckHealthResponse_OK || !strings.HasPrefix(h.Message, "Connected to ") {
				t.Errorf("CheckHealth: expected OK with \"Connected to …\", actual %s %q", h.Status, h.Message)
			}
		})
	}
}

// countValues counts how many of the messages' values appear in a column.
func countValues(column []any, messages []webMessage) int {
	n := 0
	for _, m := range messages {
		for _, v := range column {
			if v == m.v {
				n++
				break
			}
		}
	}
	return n
}
