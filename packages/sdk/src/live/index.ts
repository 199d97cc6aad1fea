/**
 * Generic Grafana Live helpers: channel rules, a shared-upstream hub, backpressure-aware subscribers.
 *
 * @module @tributary/grafana-backend-sdk/live
 */
export * from './channel';
export * from './clock';
export * from './hub';
export { Subscriber, type SubscriberEvents, type QueueCapacity } from './subscriber';
export * from './deadlines';
