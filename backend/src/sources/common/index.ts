export type { StreamSubscription } from './sharedStreams';
export { displayUrl, type WebSecureValues } from './endpoint';
export { DEFAULT_PROBE_WAIT_MS } from './probe';
