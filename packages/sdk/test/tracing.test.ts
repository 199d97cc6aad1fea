/**
 * Tracing end to end: a plugin started as Grafana starts it with tracing on (GF_INSTANCE_OTLP_*)
 * continues the trace Grafana sends in a call's metadata, and exports its span over OTLP/gRPC to a
 * collector (here a small loopback one in this test, reading the OTLP protobuf messages). The log
 * lines of the traced call carry its trace id; without the tracing variables nothing is traced.
 */
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import protobuf from 'protobufjs';
import { buildTestPlugin, connect, dataQuery, pluginContext, removeTempDirs, startManaged, tempDir, unary, type PluginProcess } from './helpers';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

function attributesOf(list: { key: string; value?: Record<string, unknown> }[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = value ? Object.values(value)[0] : undefined;
  return out;
}

/** A loopback OTLP/gRPC trace collector: the spans it received, and a way to wait for one. */
class Collector {
  readonly spans: ExportedSpan[] = [];
  private readonly server = new grpc.Server();
  port = 0;

  async start(): Promise<void> {
    const root = await protobuf.load(path.join(__dirname, 'fixtures', 'otlp-trace.proto'));
    const request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
    const toHex = (bytes: string): string => Buffer.from(bytes, 'base64').toString('hex');
    this.server.addService(
      {
        Export: {
          path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          requestStream: false,
          responseStream: false,
          requestDeserialize: (bytes: Buffer) => request.toObject(request.decode(bytes), { longs: Number, bytes: String, oneofs: false }),
          requestSerialize: () => Buffer.alloc(0),
          responseSerialize: () => Buffer.from(response.encode({}).finish()),
          responseDeserialize: () => ({}),
        },
      },
      {
        Export: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          for (const rs of call.request.resourceSpans ?? []) {
            const resource = attributesOf(rs.resource?.attributes);
            for (const ss of rs.scopeSpans ?? []) {
              for (const s of ss.spans ?? []) {
                this.add({
                  traceId: toHex(s.traceId ?? ''),
                  spanId: toHex(s.spanId ?? ''),
                  parentSpanId: toHex(s.parentSpanId ?? ''),
                  name: s.name,
                  attributes: attributesOf(s.attributes),
                  status: s.status,
                  resource,
                });
              }
            }
          }
          callback(null, {});
        },
      },
    );
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  private add(span: ExportedSpan): void {
    this.spans.push(span);
  }

  /** The span that matches; fails with the names of those received otherwise. */
  find(match: (s: ExportedSpan) => boolean): ExportedSpan {
    const found = this.spans.find(match);
    if (!found) throw new Error(`no such span among the ${this.spans.length} received: ${JSON.stringify(this.spans.map((s) => [s.name, s.traceId, s.parentSpanId]))}`);
    return found;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

jest.setTimeout(30_000);

let bundle: string;
let dir: string;
const collector = new Collector();
const started: PluginProcess[] = [];

beforeAll(async () => {
  bundle = buildTestPlugin('tracing');
  dir = tempDir('sdk-trace-');
  await collector.start();
});

afterAll(() => {
  for (const p of started) p.kill();
  collector.stop();
  removeTempDirs();
});

function tracingEnv(): Record<string, string> {
  return {
    PLUGIN_UNIX_SOCKET_DIR: dir,
    TESTPLUGIN_LOG_LEVEL: 'debug',
    GF_INSTANCE_OTLP_ADDRESS: `127.0.0.1:${collector.port}`,
    GF_INSTANCE_OTLP_PROPAGATION: 'w3c',
    GF_INSTANCE_OTLP_SAMPLER_TYPE: 'const',
    GF_INSTANCE_OTLP_SAMPLER_PARAM: '1.000000',
    GF_PLUGIN_VERSION: '1.2.3-test',
  };
}

test('a QueryData call continues Grafana\'s trace: the exported span is the child of Grafana\'s, and its log lines carry the trace id', async () => {
  const { plugin, handshake } = await startManaged(bundle, tracingEnv());
  started.push(plugin);
  const c = connect(handshake);
  const traceId = randomBytes(16).toString('hex');
  const grafanaSpanId = randomBytes(8).toString('hex');
  const ctx = pluginContext({ uid: 'traced-ds' });
  const res = await unary(c.data, 'QueryData', { pluginContext: ctx, queries: [dataQuery('A', 'echo', { value: 7 })] }, {}, {
    traceparent: `00-${traceId}-${grafanaSpanId}-01`,
  });
  expect(res.responses.A.status ?? 200).toBe(200);

  // Spans are batched; Grafana's Shutdown makes the plugin send what it holds before it exits.
  await unary(c.controller, 'Shutdown', {});
  expect((await plugin.exited).code).toBe(0);
  const span = collector.find((s) => s.name === 'sdk.queryData' && s.parentSpanId === grafanaSpanId);
  expect(span.traceId).toBe(traceId);
  expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(span.spanId).not.toBe(grafanaSpanId);
  expect(span.attributes).toMatchObject({ plugin_id: 'sdk-test-datasource', org_id: 1, datasource_uid: 'traced-ds', datasource_name: 'Test DS', user: 'admin', request_status: 'ok' });
  expect(span.resource).toMatchObject({ 'service.name': 'sdk-test-datasource', 'service.version': '1.2.3-test' });

  // The SDK's line for the call and the plugin's own line logged inside it both carry the trace id.
  const completed = plugin.stderrLines.find((l) => l.json?.['@message'] === 'plugin request completed' && l.json?.endpoint === 'queryData');
  expect(completed?.json).toMatchObject({ traceID: traceId, status: 'ok', pluginId: 'sdk-test-datasource', orgId: 1, datasourceUid: 'traced-ds' });
  const created = plugin.stderrLines.find((l) => l.json?.['@message'] === 'test instance created');
  expect(created?.json?.traceID).toBe(traceId);
  // Lines outside any call carry none.
  expect(plugin.stderrLines.find((l) => l.json?.['@message'] === 'plugin serving')?.json?.traceID).toBeUndefined();
  c.close();
});

test('a failing call is an error span; a call without trace context starts a new trace', async () => {
  const { plugin, handshake } = await startManaged(bundle, tracingEnv());
  started.push(plugin);
  const c = connect(handshake);
  const traceId = randomBytes(16).toString('hex');
  const res = await unary(c.data, 'QueryData', { pluginContext: pluginContext({ uid: 'traced-fail' }), queries: [dataQuery('A', 'throw', {})] }, {}, {
    traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
  });
  expect(res.responses.A.status).toBe(500);
  await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ uid: 'traced-fail' }) });
  await unary(c.controller, 'Shutdown', {});

  expect((await plugin.exited).code).toBe(0);
  const failed = collector.find((s) => s.traceId === traceId);
  expect(failed.attributes).toMatchObject({ request_status: 'error', status_source: 'plugin' });
  expect(failed.status?.code).toBe(2); // STATUS_CODE_ERROR
  const health = collector.find((s) => s.name === 'sdk.checkHealth' && s.attributes.datasource_uid === 'traced-fail');
  expect(health.parentSpanId).toBe('');
  expect(health.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(health.traceId).not.toBe(traceId);
  c.close();
});

test('without GF_INSTANCE_OTLP_ADDRESS nothing is traced and log lines carry no trace id', async () => {
  const { plugin, handshake } = await startManaged(bundle, { PLUGIN_UNIX_SOCKET_DIR: dir, TESTPLUGIN_LOG_LEVEL: 'debug' });
  started.push(plugin);
  const c = connect(handshake);
  const traceId = randomBytes(16).toString('hex');
  await unary(c.data, 'QueryData', { pluginContext: pluginContext({ uid: 'untraced' }), queries: [dataQuery('A', 'echo', { value: 1 })] }, {}, {
    traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
  });
  await unary(c.controller, 'Shutdown', {});
  expect((await plugin.exited).code).toBe(0);
  const completed = plugin.stderrLines.find((l) => l.json?.['@message'] === 'plugin request completed' && l.json?.endpoint === 'queryData');
  expect(completed?.json).toMatchObject({ status: 'ok', datasourceUid: 'untraced' });
  expect(completed?.json?.traceID).toBeUndefined();
  expect(plugin.stderrText()).not.toContain('tracing enabled');
  expect(collector.spans.some((s) => s.traceId === traceId)).toBe(false);
  c.close();
});
