package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/live"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/tributary/conformance/reference/tributary"
)

const version = "0.1.0-go-reference"

var (
	activeChannels = promauto.NewGauge(prometheus.GaugeOpts{Name: "tributary_active_channels", Help: "Live channels with a running upstream."})
	packetsSent    = promauto.NewCounter(prometheus.CounterOpts{Name: "tributary_stream_packets_sent_total", Help: "Stream packets sent."})
	pointsSent     = promauto.NewCounter(prometheus.CounterOpts{Name: "tributary_stream_points_sent_total", Help: "Data points sent."})
	droppedPoints  = promauto.NewCounterVec(prometheus.CounterOpts{Name: "tributary_stream_dropped_points_total", Help: "Data points never sent."}, []string{"reason"})
	queriesTotal   = promauto.NewCounterVec(prometheus.CounterOpts{Name: "tributary_queries_total", Help: "Queries answered."}, []string{"status"})
)

// instance is one datasource (per uid and settings version).
type instance struct {
	uid         string
	settings    tributary.Settings
	settingsErr error
	hub         *tributary.Hub[tributary.StepRange]
}

func newInstance(_ context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := tributary.ParseSettings(s.JSONData)
	pps := settings.MaxPacketsPerSecond
	if err != nil {
		pps = tributary.DefaultSettings.MaxPacketsPerSecond
	}
	hub := tributary.NewHub[tributary.StepRange](int(pps))
	hub.Observer = tributary.HubObserver{
		Opened:     func(string) { activeChannels.Inc() },
		Closed:     func(string) { activeChannels.Dec() },
		PacketSent: func(_ string, p tributary.Packet) { packetsSent.Inc(); pointsSent.Add(float64(p.Points)) },
		PacketDropped: func(_ string, p tributary.Packet) {
			droppedPoints.WithLabelValues("slow_reader").Add(float64(p.Points))
		},
	}
	return &instance{uid: s.UID, settings: settings, settingsErr: err, hub: hub}, nil
}

func (d *instance) QueryData(_ context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		resp.Responses[q.RefID] = d.query(q)
	}
	return resp, nil
}

// query answers one query. Errors the user caused (bad settings, malformed or invalid query) are 400s
// with source downstream, as backend.ErrorSourceFromHTTPStatus(400) says.
func (d *instance) query(q backend.DataQuery) backend.DataResponse {
	if d.settingsErr != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, d.settingsErr.Error())
	}
	var raw any = map[string]any{}
	if strings.TrimSpace(string(q.JSON)) != "" {
		if err := json.Unmarshal(q.JSON, &raw); err != nil {
			queriesTotal.WithLabelValues("bad_request").Inc()
			return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
				fmt.Sprintf("query %s: the query JSON is malformed: %v", q.RefID, err))
		}
	}
	model, problem := tributary.ValidateQuery(raw, d.settings)
	if problem != nil {
		queriesTotal.WithLabelValues("bad_request").Inc()
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
			fmt.Sprintf("invalid query field %q: %s", problem.Field, problem.Message))
	}
	window := tributary.History(float64(q.TimeRange.From.UnixMilli()), float64(q.TimeRange.To.UnixMilli()), model.SampleIntervalMs, q.MaxDataPoints, model.SeriesCount)
	meta := &data.FrameMeta{PreferredVisualization: data.VisTypeGraph}
	if window.CappedByPoints {
		meta.Notices = []data.Notice{{
			Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("Showing the latest %d of %d samples; increase sampleIntervalMs or narrow the time range to see all of them.",
				window.Rows, window.Rows+window.OmittedRows),
		}}
	}
	if model.WithStreaming {
		channel := live.Channel{Scope: live.ScopeDatasource, Namespace: d.uid, Path: tributary.EncodeChannelPath(model.StreamQuery)}
		if !channel.IsValid() || len(channel.String()) > 160 {
			return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
				"invalid query field \"alias\": too long for a live channel")
		}
		meta.Channel = channel.String()
	}
	frame := tributary.SignalFrame(tributary.SeriesNames(model.StreamQuery), model.SampleIntervalMs,
		tributary.NewGenerator(model.StreamQuery, d.uid), window.FirstStep, window.Rows)
	frame.RefID = q.RefID
	frame.Meta = meta
	queriesTotal.WithLabelValues("ok").Inc()
	return backend.DataResponse{Frames: data.Frames{frame}, Status: backend.StatusOK}
}

func (d *instance) CheckHealth(_ context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if d.settingsErr != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: d.settingsErr.Error()}, nil
	}
	details, _ := json.Marshal(map[string]any{
		"version": version, "runMode": "managed", "activeChannels": d.hub.ActiveChannels(), "settings": d.settings,
	})
	return &backend.CheckHealthResult{
		Status:      backend.HealthStatusOk,
		Message:     fmt.Sprintf("Tributary %s is working: managed (started by Grafana), %d active live channels.", version, d.hub.ActiveChannels()),
		JSONDetails: details,
	}, nil
}

func (d *instance) CallResource(_ context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	path := strings.Trim(req.Path, "/")
	send := func(code int, body any, headers map[string][]string) error {
		b, _ := json.Marshal(body)
		h := map[string][]string{"Content-Type": {"application/json"}}
		for k, v := range headers {
			h[k] = v
		}
		return sender.Send(&backend.CallResourceResponse{Status: code, Headers: h, Body: b})
	}
	var body any
	switch path {
	case "signals":
		body = signalsResource(d.settings)
	case "settings":
		body = map[string]any{"settings": d.settings}
	default:
		return send(http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no resource %q; available: signals, settings", path)}, nil)
	}
	if method := strings.ToUpper(req.Method); method != http.MethodGet {
		return send(http.StatusMethodNotAllowed, map[string]string{"error": fmt.Sprintf("method %s not allowed on %s; use GET", method, path)}, map[string][]string{"Allow": {"GET"}})
	}
	return send(http.StatusOK, body, nil)
}

func signalsResource(s tributary.Settings) any {
	ranges := tributary.QueryRangesFor(s)
	defaults := map[string]float64{"seriesCount": 3, "sampleIntervalMs": 100, "amplitude": 10, "offset": 0, "periodMs": 10_000}
	param := func(key string) map[string]any {
		r := ranges[key]
		out := map[string]any{"min": r.Min, "max": r.Max, "default": defaults[key]}
		if r.Integer {
			out["integer"] = true
		}
		return out
	}
	var signals []map[string]any
	for _, kind := range tributary.SignalKinds {
		params := map[string]any{"seriesCount": param("seriesCount"), "sampleIntervalMs": param("sampleIntervalMs"), "amplitude": param("amplitude"), "offset": param("offset")}
		if tributary.Periodic[kind] {
			params["periodMs"] = param("periodMs")
		}
		signals = append(signals, map[string]any{"kind": kind, "periodic": tributary.Periodic[kind], "parameters": params})
	}
	return map[string]any{"signals": signals}
}

func (d *instance) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if d.settingsErr != nil {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
	}
	q, status, _ := tributary.ParseChannelPath(req.Path, d.settings)
	switch status {
	case tributary.PathNotFound:
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	case tributary.PathPermissionDenied:
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
	}
	frame := tributary.SignalFrame(tributary.SeriesNames(q), q.SampleIntervalMs, tributary.NewGenerator(q, d.uid), 0, 0)
	initial, err := backend.NewInitialFrame(frame, data.IncludeSchemaOnly)
	if err != nil {
		return nil, err
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK, InitialData: initial}, nil
}

func (d *instance) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	q, status, _ := tributary.ParseChannelPath(req.Path, d.settings)
	if status != tributary.PathOK || d.settingsErr != nil {
		return nil // like Tributary: end cleanly so Grafana does not retry a path that can never work
	}
	newSource := func() (tributary.Source[tributary.StepRange], error) {
		src := tributary.NewSignalSource(q, d.uid, d.settings.MaxPacketsPerSecond)
		src.OnSkipped = func(points int) { droppedPoints.WithLabelValues("behind").Add(float64(points)) }
		return src, nil
	}
	return d.hub.Run(ctx, req.Path, newSource, func(b []byte) error { return sender.SendBytes(b) })
}

func (d *instance) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

func (d *instance) Dispose() {}
