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

const mqttFilter = "conf/mqtt/+"

// mqttMessage is one published payload: nested JSON with its own time (epoch ms on topic a,
// RFC 3339 on topic b), so the answer's times must be the payload's, not the arrival's.
type mqttMessage struct {
	topic string
	at    time.Time
	temp  float64
	ok    bool
}

func (m mqttMessage) payload() string {
	ts := any(m.at.UnixMilli())
	if strings.HasSuffix(m.topic, "/b") {
		ts = m.at.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	js, _ := json.Marshal(map[string]any{"ts": ts, "env": map[string]any{"temp": m.temp, "ok": m.ok}})
	return string(js)
}

func mqttQuery(refID string, streaming bool) *pluginv2.DataQuery {
	js, _ := json.Marshal(map[string]any{
		"refId": refID, "topic": mqttFilter, "withStreaming": streaming,
		"mapping": map[string]any{"format": "json", "timeSource": "payload", "timeField": "ts"},
	})
	now := time.Now()
	return rawDataQuery(refID, js, now.Add(-time.Hour), now.Add(time.Minute), 1000)
}

// mqttFrames runs one MQTT query and decodes the answer with the SDK's Arrow reader.
func mqttFrames(t *testing.T, p *harness.Plugin, pc *pluginv2.PluginContext, streaming bool) data.Frames {
	t.Helper()
	_, resp, err := queryFrames(ctxTimeout(t, 20*time.Second), p, pc, pluginv2.DataFrameFormat_ARROW, mqttQuery("M", streaming))
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["M"]
	if r.Error != nil {
		t.Fatalf("QueryData of an MQTT query: expected frames, actual error %v", r.Error)
	}
	return r.Frames
}

func frameNamed(frames data.Frames, name string) *data.Frame {
	for _, f := range frames {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// cell is a field's value at a row with nullable pointers dereferenced (nil for null).
func cell(t *testing.T, f *data.Frame, name string, row int) any {
	t.Helper()
	field, i := f.FieldByName(name)
	if i < 0 {
		names := []string{}
		for _, fl := range f.Fields {
			names = append(names, fl.Name)
		}
		t.Fatalf("frame %q: expected a field %q, actual fields %v", f.Name, name, names)
	}
	v, ok := field.ConcreteAt(row)
	if !ok {
		return nil
	}
	return v
}

// TestMQTTQueryAndStream: an MQTT datasource against a real Mosquitto. QueryData after publishing
// nested JSON with payload times, decoded by the SDK's Arrow reader: one frame per topic, dotted
// field names, the topic label, values and times as published. Then the live channel, read the
// way Grafana Live does (SDK JSON reader): rows published after the subscription arrive in order,
// each once.
func TestMQTTQueryAndStream(t *testing.T) {
	if missing := harness.MosquittoMissing(); missing != "" {
		t.Skipf("%s is not installed (apt-get install mosquitto mosquitto-clients)", missing)
	}
	broker, err := harness.StartMosquitto(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Stop)
	p := launchManaged(t)
	js, _ := json.Marshal(map[string]any{"sourceKind": "mqtt", "mqtt": map[string]any{"url": broker.URL()}})
	pc := pluginContextRaw(js, 1_700_000_000_001)

	// The first query subscribes; a warm-up topic tells when the subscription is live.
	deadline := time.Now().Add(15 * time.Second)
	for frameNamed(mqttFrames(t, p, pc, false), "conf/mqtt/warm") == nil {
		if time.Now().After(deadline) {
			t.Fatal("the datasource never received a message on conf/mqtt/warm within 15 s")
		}
		if err := broker.Publish("conf/mqtt/warm", fmt.Sprintf(`{"ts":%d}`, time.Now().UnixMilli())); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	base := time.Now().Add(-30 * time.Second).Truncate(time.Second)
	var history []mqttMessage
	for i := 0; i < 3; i++ {
		history = append(history,
			mqttMessage{topic: "conf/mqtt/a", at: base.Add(time.Duration(i) * 100 * time.Millisecond), temp: 20.5 + float64(i), ok: i%2 == 0},
			mqttMessage{topic: "conf/mqtt/b", at: base.Add(time.Duration(i)*100*time.Millisecond + 50*time.Millisecond), temp: -1.25 * float64(i+1), ok: i == 1})
	}
	publishAll(t, broker, history)

	var frames data.Frames
	for deadline := time.Now().Add(10 * time.Second); ; {
		frames = mqttFrames(t, p, pc, false)
		a, b := frameNamed(frames, "conf/mqtt/a"), frameNamed(frames, "conf/mqtt/b")
		if a != nil && b != nil && a.Rows() >= 3 && b.Rows() >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("QueryData: expected 3 rows on conf/mqtt/a and conf/mqtt/b within 10 s, actual frames %v", describeFrames(frames))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, topic := range []string{"conf/mqtt/a", "conf/mqtt/b"} {
		f := frameNamed(frames, topic)
		if f.Rows() != 3 {
			t.Errorf("frame %s: expected 3 rows (no duplicates), actual %d", topic, f.Rows())
			continue
		}
		row := 0
		for _, m := range history {
			if m.topic != topic {
				continue
			}
			if got := cell(t, f, "time", row); !equalTime(got, m.at) {
				t.Errorf("frame %s row %d time: expected %s (the payload's), actual %v", topic, row, m.at.UTC().Format(time.RFC3339Nano), got)
			}
			if got := cell(t, f, "env.temp", row); got != m.temp {
				t.Errorf("frame %s row %d env.temp: expected %v, actual %v", topic, row, m.temp, got)
			}
			if got := cell(t, f, "env.ok", row); got != m.ok {
				t.Errorf("frame %s row %d env.ok: expected %v, actual %v", topic, row, m.ok, got)
			}
			row++
		}
		field, _ := f.FieldByName("env.temp")
		if field == nil || field.Labels["topic"] != topic {
			t.Errorf("frame %s field env.temp: expected label topic=%q, actual %v", topic, topic, field)
		}
	}

	// The stream: QueryData with streaming → meta.channel → SubscribeStream → RunStream.
	streamed := mqttFrames(t, p, pc, true)
	if len(streamed) != 1 {
		t.Fatalf("QueryData with streaming: expected one wide frame (Grafana keeps one per channel), actual %d", len(streamed))
	}
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
	waitRunStream(t, p, path)
	start := time.Now().Truncate(time.Millisecond)
	var fresh []mqttMessage
	for i := 0; i < 8; i++ {
		topic := "conf/mqtt/a"
		if i%2 == 1 {
			topic = "conf/mqtt/b"
		}
		fresh = append(fresh, mqttMessage{topic: topic, at: start.Add(time.Duration(i) * 10 * time.Millisecond), temp: 100 + float64(i), ok: true})
	}
	publishAll(t, broker, fresh)
	if err := sub.WaitRows(ctx, len(fresh)); err != nil {
		t.Fatalf("stream: expected %d rows, actual error %v (frame %v)", len(fresh), err, describeFrames(data.Frames{sub.Frame}))
	}
	// Nothing more may come: a duplicate would be a ninth row.
	quiet, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	for {
		if _, err := sub.Next(quiet); err != nil {
			break
		}
	}
	f := sub.Frame
	if f.Rows() != len(fresh) {
		t.Fatalf("stream: expected exactly %d rows (published after the subscription, none twice), actual %d", len(fresh), f.Rows())
	}
	for row, m := range fresh {
		if got := cell(t, f, "time", row); !equalTime(got, m.at) {
			t.Errorf("stream row %d time: expected %s (in publish order), actual %v", row, m.at.UTC().Format(time.RFC3339Nano), got)
		}
		if got := cell(t, f, "env.temp "+m.topic, row); got != m.temp {
			t.Errorf("stream row %d %q: expected %v, actual %v", row, "env.temp "+m.topic, m.temp, got)
		}
		other := "conf/mqtt/b"
		if m.topic == other {
			other = "conf/mqtt/a"
		}
		if got := cell(t, f, "env.temp "+other, row); got != nil {
			t.Errorf("stream row %d %q: expected null (no message on that topic at this time), actual %v", row, "env.temp "+other, got)
		}
	}
	runs, _, errs, invalid := live.Channel(path).Stats()
	if runs != 1 || len(errs) > 0 || invalid != nil {
		t.Errorf("RunStream: expected one run without errors, actual runs=%d errors=%v invalid=%q", runs, errs, invalid)
	}
}

func publishAll(t *testing.T, broker *harness.Mosquitto, messages []mqttMessage) {
	t.Helper()
	for _, m := range messages {
		if err := broker.Publish(m.topic, m.payload()); err != nil {
			t.Fatal(err)
		}
	}
}

func equalTime(got any, want time.Time) bool {
	tm, ok := got.(time.Time)
	return ok && tm.Equal(want)
}

// waitRunStream waits until the plugin counts the channel as active (its RunStream follows the
// subscription), so messages published next are after the stream's start.
func waitRunStream(t *testing.T, p *harness.Plugin, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, p, "tributary_active_channels") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("channel %q: no active RunStream within 10 s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func describeFrames(frames data.Frames) string {
	parts := []string{}
	for _, f := range frames {
		if f == nil {
			parts = append(parts, "<nil>")
			continue
		}
		names := []string{}
		for _, fl := range f.Fields {
			names = append(names, fl.Name)
		}
		parts = append(parts, fmt.Sprintf("%q rows=%d fields=%v", f.Name, f.Rows(), names))
	}
	return strings.Join(parts, "; ")
}
