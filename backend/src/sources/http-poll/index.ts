export { HttpPollSource, type HttpPollSourceOptions } from './poller';
export { probeHttpPoll, type HttpPollProbeOptions } from './probe';
