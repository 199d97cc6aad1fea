package tributary

import (
	"context"
	"math"
	"sync"
	"time"
)

// Packet is one encoded stream packet and the number of data points it carries.
type Packet struct {
	Bytes  []byte
	Points int
}

// Source is what the datasource provides for one channel (same contract as the TypeScript
// hub's ChannelSource): a schema packet for every RunStream, an upstream that emits batches
// until cancelled, and an encoder that merges the batches gathered since the last packet.
type Source[B any] interface {
	SchemaPacket() (Packet, bool)
	Run(ctx context.Context, emit func(B)) error
	Encode(batches []B) (Packet, error)
}

// Hub shares one upstream per channel path between concurrent RunStreams and coalesces its
// batches into at most maxPacketsPerSecond packets - the same policy as packages/sdk/src/live/hub.ts:
// time is cut into epoch-aligned slots of 1/N s, a channel sends at most one packet per slot
// (at once if its slot is free, else at the start of the next slot, with everything gathered meanwhile).
type Hub[B any] struct {
	mu       sync.Mutex
	channels map[string]*hubChannel[B]
	// packetsPerSecond is N; slot numbers come from whole epoch milliseconds, exactly as the
	// TypeScript hub computes them from Date.now(), so both pace packets identically.
	packetsPerSecond float64
	queueCap         int
	Observer         HubObserver
}

// HubObserver receives counters for metrics.
type HubObserver struct {
	PacketSent    func(path string, p Packet)
	PacketDropped func(path string, p Packet)
	Opened        func(path string)
	Closed        func(path string)
}

func NewHub[B any](maxPacketsPerSecond int) *Hub[B] {
	return &Hub[B]{
		channels:         map[string]*hubChannel[B]{},
		packetsPerSecond: float64(maxPacketsPerSecond),
		queueCap:         16,
	}
}

// ActiveChannels is the number of channels with a running upstream.
func (h *Hub[B]) ActiveChannels() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.channels)
}

type hubChannel[B any] struct {
	hub    *Hub[B]
	path   string
	source Source[B]
	cancel context.CancelFunc

	mu       sync.Mutex
	subs     map[*hubSubscriber]struct{}
	pending  []B
	lastSlot float64 // slot of the last packet; -Inf before the first
	timer    *time.Timer
	stopped  bool
}

// hubSubscriber is one RunStream: a bounded newest-wins queue drained by its own goroutine,
// so a slow reader never blocks the channel or grows memory without bound.
type hubSubscriber struct {
	queue  chan Packet
	onDrop func(Packet)
}

func (s *hubSubscriber) deliver(p Packet) {
	for {
		select {
		case s.queue <- p:
			return
		default:
			select {
			case old := <-s.queue:
				if s.onDrop != nil {
					s.onDrop(old)
				}
			default:
			}
		}
	}
}

// Run serves one RunStream until ctx ends or send fails.
func (h *Hub[B]) Run(ctx context.Context, path string, newSource func() (Source[B], error), send func([]byte) error) error {
	h.mu.Lock()
	ch, ok := h.channels[path]
	if !ok {
		src, err := newSource()
		if err != nil {
			h.mu.Unlock()
			return err
		}
		upCtx, cancel := context.WithCancel(context.Background())
		ch = &hubChannel[B]{hub: h, path: path, source: src, cancel: cancel, subs: map[*hubSubscriber]struct{}{}, lastSlot: math.Inf(-1)}
		h.channels[path] = ch
		if h.Observer.Opened != nil {
			h.Observer.Opened(path)
		}
		go ch.runUpstream(upCtx)
	}
	sub := &hubSubscriber{queue: make(chan Packet, h.queueCap)}
	if h.Observer.PacketDropped != nil {
		sub.onDrop = func(p Packet) { h.Observer.PacketDropped(path, p) }
	}
	ch.mu.Lock()
	ch.subs[sub] = struct{}{}
	ch.mu.Unlock()
	h.mu.Unlock()

	defer h.detach(ch, sub)
	if schema, ok := ch.source.SchemaPacket(); ok {
		sub.deliver(schema)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-sub.queue:
			if err := send(p.Bytes); err != nil {
				return nil
			}
			if h.Observer.PacketSent != nil {
				h.Observer.PacketSent(path, p)
			}
		}
	}
}

func (h *Hub[B]) detach(ch *hubChannel[B], sub *hubSubscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch.mu.Lock()
	delete(ch.subs, sub)
	empty := len(ch.subs) == 0
	ch.mu.Unlock()
	if empty && h.channels[ch.path] == ch {
		delete(h.channels, ch.path)
		ch.stop()
		if h.Observer.Closed != nil {
			h.Observer.Closed(ch.path)
		}
	}
}

// slotAt is the epoch-aligned 1/N s slot that contains the epoch-millisecond instant nowMs.
func (c *hubChannel[B]) slotAt(nowMs float64) float64 {
	return math.Floor(nowMs * c.hub.packetsPerSecond / 1000)
}

func (c *hubChannel[B]) stop() {
	c.cancel()
	c.mu.Lock()
	c.stopped = true
	c.pending = nil
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
}

func (c *hubChannel[B]) emit(batch B) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.pending = append(c.pending, batch)
	if c.timer != nil {
		c.mu.Unlock()
		return
	}
	c.flushOrWaitLocked()
	c.mu.Unlock()
}

// flushOrWaitLocked sends now if this channel's current slot is free, else arms a timer for the
// start of the next slot and checks again then.
func (c *hubChannel[B]) flushOrWaitLocked() {
	if c.stopped {
		return
	}
	slot := c.slotAt(nowMs())
	if slot > c.lastSlot {
		c.lastSlot = slot
		c.flushLocked()
		return
	}
	c.timer = time.AfterFunc(untilMs(math.Ceil((c.lastSlot+1)*1000/c.hub.packetsPerSecond)), func() {
		c.mu.Lock()
		c.timer = nil
		c.flushOrWaitLocked()
		c.mu.Unlock()
	})
}

// flushLocked encodes the pending batches once and hands the same bytes to every subscriber.
func (c *hubChannel[B]) flushLocked() {
	if len(c.pending) == 0 || c.stopped {
		return
	}
	batches := c.pending
	c.pending = nil
	p, err := c.source.Encode(batches)
	if err != nil {
		return
	}
	for s := range c.subs {
		s.deliver(p)
	}
}

// runUpstream restarts a failing upstream with backoff (100 ms doubling to 5 s) until cancelled.
func (c *hubChannel[B]) runUpstream(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		started := time.Now()
		_ = c.source.Run(ctx, c.emit)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) >= 10*time.Second {
			failures = 0
		}
		delay := min(100*time.Millisecond<<failures, 5*time.Second)
		failures = min(failures+1, 30)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}
