package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Live emulates one Grafana instance's Live service for ds/<uid>/<path> channels (host.md §3):
// SubscribeStream for every subscriber, one RunStream per channel started by the first
// subscriber, packets checked with json.Valid and fanned out as-is, RunStream restarted after an
// error with Grafana's backoff, and cancelled when the last subscriber leaves. Grafana waits
// 3 x 5 s of zero subscribers before cancelling; the emulator cancels at once to keep tests fast.
type Live struct {
	Plugin *Plugin
	PC     *pluginv2.PluginContext

	mu       sync.Mutex
	channels map[string]*LiveChannel
}

func NewLive(p *Plugin, pc *pluginv2.PluginContext) *Live {
	return &Live{Plugin: p, PC: pc, channels: map[string]*LiveChannel{}}
}

// SubscribeResult is what one subscriber got back from SubscribeStream.
type SubscribeResult struct {
	Status pluginv2.SubscribeStreamResponse_Status
	// Initial is the frame decoded from the initial data (nil when there was none).
	Initial *data.Frame
	Raw     []byte
}

// Subscriber is one browser subscription to a channel.
type Subscriber struct {
	channel *LiveChannel
	// Frame starts as the initial data frame and receives every packet (as StreamingDataFrame would).
	Frame   *data.Frame
	packets chan []byte
	once    sync.Once
	// SchemaPackets and DataPackets count what arrived; RowsPerPacket the rows of each data packet.
	SchemaPackets, DataPackets int
	RowsPerPacket              []int
}

// LiveChannel is Grafana's per-channel runner: one RunStream at a time, fan-out to subscribers.
type LiveChannel struct {
	live   *Live
	path   string
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex
	subscribers map[*Subscriber]struct{}
	// Runs counts RunStream calls; Errors keeps the errors that made Grafana restart it.
	Runs   int
	Errors []error
	// Packets counts packets received over all runs; PacketBytes their size.
	Packets, PacketBytes int
	// Invalid holds the first packet that was not valid JSON (the host would end the stream).
	Invalid []byte
	// EndedOK is set when a RunStream ended with status OK while subscribers remained: Grafana then
	// logs "Stream finished without error, stopping it" and never restarts it.
	EndedOK bool
	// OnPacket, when set, sees every packet (benchmarks use it to time arrivals).
	OnPacket func(p []byte, at time.Time)
}

// Subscribe runs SubscribeStream for one subscriber and, when allowed, joins (or starts) the channel.
func (l *Live) Subscribe(ctx context.Context, path string) (*SubscribeResult, *Subscriber, error) {
	resp, err := l.Plugin.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: l.PC, Path: path})
	if err != nil {
		return nil, nil, fmt.Errorf("SubscribeStream %q: %w", path, err)
	}
	res := &SubscribeResult{Status: resp.Status, Raw: resp.Data}
	if len(resp.Data) > 0 {
		if !json.Valid(resp.Data) {
			return res, nil, fmt.Errorf("SubscribeStream %q: initial data is not valid JSON: %q", path, truncate(resp.Data))
		}
		frame := &data.Frame{}
		if err := json.Unmarshal(resp.Data, frame); err != nil {
			return res, nil, fmt.Errorf("SubscribeStream %q: initial data is not SDK frame JSON: %w", path, err)
		}
		res.Initial = frame
	}
	if resp.Status != pluginv2.SubscribeStreamResponse_OK {
		return res, nil, nil
	}
	sub := &Subscriber{Frame: res.Initial, packets: make(chan []byte, 1<<16)}
	l.mu.Lock()
	ch, ok := l.channels[path]
	if !ok {
		ch = &LiveChannel{live: l, path: path, subscribers: map[*Subscriber]struct{}{}, done: make(chan struct{})}
		l.channels[path] = ch
	}
	ch.mu.Lock()
	ch.subscribers[sub] = struct{}{}
	ch.mu.Unlock()
	sub.channel = ch
	l.mu.Unlock()
	if !ok {
		ch.start()
	}
	return res, sub, nil
}

// Channel returns the runner of a path (nil if none).
func (l *Live) Channel(path string) *LiveChannel {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.channels[path]
}

// Close cancels every channel.
func (l *Live) Close() {
	l.mu.Lock()
	chans := make([]*LiveChannel, 0, len(l.channels))
	for _, c := range l.channels {
		chans = append(chans, c)
	}
	l.channels = map[string]*LiveChannel{}
	l.mu.Unlock()
	for _, c := range chans {
		c.stop()
	}
}

// Next waits for the subscriber's next packet, appends it to its frame with the SDK's reader and returns it.
func (s *Subscriber) Next(ctx context.Context) ([]byte, error) {
	select {
	case p, ok := <-s.packets:
		if !ok {
			return nil, errors.New("channel stopped")
		}
		if err := s.apply(p); err != nil {
			return p, err
		}
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// apply merges a packet into the subscriber's frame: a packet with a schema replaces the frame
// (it must keep the field names and types), a data-only packet is appended with data.AppendJSONData.
func (s *Subscriber) apply(p []byte) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(p, &probe); err != nil {
		return fmt.Errorf("packet is not a JSON object: %w", err)
	}
	_, hasSchema := probe["schema"]
	if hasSchema {
		s.SchemaPackets++
	} else {
		s.DataPackets++
	}
	before := 0
	if s.Frame != nil {
		before = s.Frame.Rows()
	}
	defer func() {
		if !hasSchema && s.Frame != nil {
			s.RowsPerPacket = append(s.RowsPerPacket, s.Frame.Rows()-before)
		}
	}()
	if hasSchema || s.Frame == nil {
		frame := &data.Frame{}
		if err := json.Unmarshal(p, frame); err != nil {
			return fmt.Errorf("packet with schema does not decode as SDK frame JSON: %w (packet %q)", err, truncate(p))
		}
		if s.Frame != nil && !sameSchema(s.Frame, frame) {
			return fmt.Errorf("schema changed mid-stream: before %s, after %s", describeSchema(s.Frame), describeSchema(frame))
		}
		if s.Frame != nil && s.Frame.Rows() > 0 {
			// Keep the rows seen so far, as Grafana's StreamingDataFrame does on a same-schema packet.
			data_, err := data.FrameToJSON(frame, data.IncludeDataOnly)
			if err != nil {
				return err
			}
			return data.AppendJSONData(s.Frame, data_)
		}
		s.Frame = frame
		return nil
	}
	if err := data.AppendJSONData(s.Frame, p); err != nil {
		return fmt.Errorf("data-only packet does not append to the frame with the SDK reader: %w (packet %q)", err, truncate(p))
	}
	return nil
}

// WaitRows reads packets until the subscriber's frame holds at least n rows.
func (s *Subscriber) WaitRows(ctx context.Context, n int) error {
	for s.Frame == nil || s.Frame.Rows() < n {
		if _, err := s.Next(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Leave unsubscribes; the last subscriber leaving cancels the channel's RunStream.
func (s *Subscriber) Leave() {
	s.once.Do(func() {
		ch := s.channel
		ch.mu.Lock()
		if _, ok := ch.subscribers[s]; !ok {
			ch.mu.Unlock()
			return // the channel already ended
		}
		delete(ch.subscribers, s)
		empty := len(ch.subscribers) == 0
		ch.mu.Unlock()
		if empty {
			ch.live.mu.Lock()
			if ch.live.channels[ch.path] == ch {
				delete(ch.live.channels, ch.path)
			}
			ch.live.mu.Unlock()
			ch.stop()
		}
	})
}

// Done is closed when the channel's runner has returned (after cancellation).
func (c *LiveChannel) Done() <-chan struct{} { return c.done }

// Stats returns the counters under lock.
func (c *LiveChannel) Stats() (runs, packets int, errs []error, invalid []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Runs, c.Packets, append([]error(nil), c.Errors...), c.Invalid
}

// Ended reports whether the RunStream ended with OK (Grafana would not restart it).
func (c *LiveChannel) Ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.EndedOK
}

func (c *LiveChannel) stop() {
	if c.cancel != nil {
		c.cancel()
	}
	<-c.done
}

// start runs RunStream until cancelled, restarting it after errors with Grafana's backoff
// (runstream/manager.go): a run shorter than 100 ms backs off 200 ms doubling to 5 s, a longer
// run is retried at once. A run that ends with OK is not restarted ("finished without error").
func (c *LiveChannel) start() {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		defer close(c.done)
		// No more data will come: wake subscribers waiting in Next.
		defer func() {
			c.mu.Lock()
			for s := range c.subscribers {
				close(s.packets)
			}
			c.subscribers = map[*Subscriber]struct{}{}
			c.mu.Unlock()
		}()
		var delay time.Duration
		for {
			started := time.Now()
			err := c.runOnce(ctx)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				c.mu.Lock()
				c.EndedOK = true
				c.mu.Unlock()
				return
			}
			c.mu.Lock()
			c.Errors = append(c.Errors, err)
			c.mu.Unlock()
			if time.Since(started) < 100*time.Millisecond {
				if delay == 0 {
					delay = 200 * time.Millisecond
				} else {
					delay = min(delay*2, 5*time.Second)
				}
			} else {
				delay = 0
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
		}
	}()
}

func (c *LiveChannel) runOnce(ctx context.Context) error {
	c.mu.Lock()
	c.Runs++
	c.mu.Unlock()
	stream, err := c.live.Plugin.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{PluginContext: c.live.PC, Path: c.path})
	if err != nil {
		return err
	}
	for {
		pkt, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if status.Code(err) == codes.Canceled && ctx.Err() != nil {
				return nil
			}
			return err
		}
		now := time.Now()
		if !json.Valid(pkt.Data) {
			c.mu.Lock()
			if c.Invalid == nil {
				c.Invalid = bytes.Clone(pkt.Data)
			}
			c.mu.Unlock()
			return fmt.Errorf("stream packet is not valid JSON: %q", truncate(pkt.Data))
		}
		c.mu.Lock()
		c.Packets++
		c.PacketBytes += len(pkt.Data)
		onPacket := c.OnPacket
		subs := make([]*Subscriber, 0, len(c.subscribers))
		for s := range c.subscribers {
			subs = append(subs, s)
		}
		c.mu.Unlock()
		if onPacket != nil {
			onPacket(pkt.Data, now)
		}
		for _, s := range subs {
			select {
			case s.packets <- pkt.Data:
			default: // a subscriber that does not read is dropped, like a full centrifuge queue
			}
		}
	}
}

func sameSchema(a, b *data.Frame) bool {
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || a.Fields[i].Type() != b.Fields[i].Type() {
			return false
		}
	}
	return true
}

func describeSchema(f *data.Frame) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, fl := range f.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s:%s", fl.Name, fl.Type())
	}
	b.WriteByte(']')
	return b.String()
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
