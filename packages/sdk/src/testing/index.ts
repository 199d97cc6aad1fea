/**
 * The `./testing` entry: helpers for testing a plugin built on this SDK. In process: contexts,
 * settings and requests for handler code, a recording stream sender. As Grafana does: start the
 * plugin's bundled entry script, parse its handshake, dial it with gRPC clients, build wire requests.
 *
 * @module @tributary/grafana-backend-sdk/testing
 */
export { RecordingSender, type SentPacket } from './recording-sender';
export {
  silentLogger,
  instanceSettings,
  typedInstanceSettings,
  factoryContext,
  requestContext,
  streamRequest,
  dataQuery,
  resourceRequest,
  ResourceRecorder,
} from './contexts';
export {
  grafanaPluginEnv,
  parseHandshake,
  parseLogLine,
  assertHclogLine,
  serviceDefinitions,
  grpcTarget,
  clientFor,
  connect,
  unary,
  within,
  collect,
  type Handshake,
  type LogLine,
  type ServiceName,
  type Clients,
} from './grafana-host';
export { PluginProcess, spawnPlugin, startManaged, grafanaEnv, wirePluginContext, wireDataQuery } from './plugin-process';
