/** Generic Grafana Live helpers: channel rules, a shared-upstream hub, backpressure-aware subscribers. */
export * from './channel';
export * from './clock';
export * from './hub';
export { Subscriber, type SubscriberEvents } from './subscriber';
export * from './deadlines';
