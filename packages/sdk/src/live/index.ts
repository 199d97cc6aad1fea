/**
 * Generic Grafana Live helpers: channel rules, a shared-upstream hub that owns packet timing,
 * backpressure-aware subscribers.
 *
 * @module @tributary/grafana-backend-sdk/live
 */
export * from './channel';
export { systemClock, type Clock } from './clock';
export { LiveHub, type LiveHubOptions, type HubObserver } from './hub';
export type { ChannelSource, EncodedPacket, GridChannelSource, LiveSource } from './sources';
export { Subscriber, type SubscriberEvents, type QueueCapacity } from './subscriber';
