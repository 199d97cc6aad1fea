/**
 * Managed mode: the bundled test plugin started exactly as Grafana starts a plugin, then every
 * service exercised over gRPC with a client built from our .proto files.
 */
import * as grpc from '@grpc/grpc-js';
import { tableFromIPC } from 'apache-arrow';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { errorSourceOf } from '../src/wire/grpc-error';
import { buildTestPlugin, dataQuery, grafanaEnv, pluginContext, spawnPlugin, startManaged, type PluginProcess } from './helpers';
import { collect, connect, parseHandshake, tempDir, unary, type Clients, type Handshake } from './helpers';

jest.setTimeout(20_000);

let bundle: string;
let socketDir: string;
let plugin: PluginProcess;
let handshake: Handshake;
let c: Clients;

beforeAll(async () => {
  bundle = buildTestPlugin('test-plugin-managed');
  socketDir = tempDir();
  ({ plugin, handshake } = await startManaged(bundle, { PLUGIN_UNIX_SOCKET_DIR: socketDir, TESTPLUGIN_LOG_LEVEL: 'debug' }));
  c = connect(handshake);
});

afterAll(() => {
  c?.close();
  plugin?.kill();
});

const stats = async (): Promise<Record<string, number>> => {
  const { messages } = await collect(c.resource.CallResource({ pluginContext: pluginContext(), path: 'stats', method: 'GET', url: 'stats' }));
  return JSON.parse(Buffer.concat(messages.map((m: any) => m.body)).toString());
};

/** Resolves when the test plugin's counter reaches `value` (event-driven, no sleeps). */
const waitForCounter = async (key: string, value: number): Promise<void> => {
  const { messages, error } = await collect(
    c.resource.CallResource({ pluginContext: pluginContext(), path: 'wait', method: 'GET', url: `wait?${key}=${value}` }),
  );
  if (error || messages[0].code !== 200) throw new Error(`wait for ${key}=${value} failed`);
};

describe('start-up and handshake', () => {
  test('the first stdout line is a go-plugin handshake on a unix socket in PLUGIN_UNIX_SOCKET_DIR', () => {
    expect(handshake.network).toBe('unix');
    expect(handshake.address.startsWith(socketDir + '/')).toBe(true);
    expect(plugin.stdoutLines[0]).toMatch(/^1\|2\|unix\|\/\S+\|grpc$/);
  });

  test('nothing but the handshake reaches stdout; module-load output goes to stderr as hclog JSON', async () => {
    await unary(c.health, 'Check', { service: 'plugin' });
    expect(plugin.stdoutLines).toHaveLength(1);
    const consoleLine = await plugin.waitForMessage('test plugin module loaded');
    expect(consoleLine.json?.['@level']).toBe('info');
    expect(plugin.stderrText()).toContain('raw stdout write at module load');
  });

  test('log lines are hclog JSON: string @level/@message, @timestamp with exactly 6 fractional digits', async () => {
    const serving = await plugin.waitForMessage('plugin serving');
    expect(serving.json).toMatchObject({ mode: 'managed', network: 'unix', protocolVersion: 2 });
    const jsonLines = plugin.stderrLines.filter((l) => l.json);
    expect(jsonLines.length).toBeGreaterThan(1);
    for (const { json } of jsonLines) {
      expect(['trace', 'debug', 'info', 'warn', 'error']).toContain(json!['@level']);
      expect(typeof json!['@message']).toBe('string');
      expect(json!['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
  });
});

describe('go-plugin helper services', () => {
  test('health reports SERVING for "plugin" and "", NOT_FOUND for other names', async () => {
    expect(await unary(c.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
    expect(await unary(c.health, 'Check', { service: '' })).toEqual({ status: 'SERVING' });
    await expect(unary(c.health, 'Check', { service: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  test('StreamStdio and the broker stream stay open without error', async () => {
    const stdio = c.stdio.StreamStdio({});
    const broker = c.broker.StartStream();
    const stdioEvents: string[] = [];
    stdio.on('error', () => stdioEvents.push('error'));
    stdio.on('data', () => stdioEvents.push('data'));
    stdio.on('end', () => stdioEvents.push('end'));
    broker.on('error', () => stdioEvents.push('broker error'));
    broker.on('data', () => stdioEvents.push('broker data'));
    // A round trip on the same connection after both streams opened: they must still be open.
    await unary(c.health, 'Check', { service: 'plugin' });
    await unary(c.health, 'Check', { service: 'plugin' });
    expect(stdioEvents).toEqual([]);
    stdio.cancel();
    broker.cancel();
  });
});

describe('QueryData', () => {
  test('answers in Arrow by default with status, format, the refId set on the frame, and the request headers passed on', async () => {
    const res = await unary(c.data, 'QueryData', {
      pluginContext: pluginContext(),
      headers: { FromAlert: 'true', http_Authorization: 'Bearer x' },
      queries: [dataQuery('A', '', { value: 42 })],
    });
    const a = res.responses.A;
    expect(a).toMatchObject({ status: 200, format: 'ARROW', error: '' });
    expect(a.frames).toHaveLength(1);
    const table = tableFromIPC(a.frames[0]);
    expect(table.schema.metadata.get('refId')).toBe('A');
    expect(table.schema.metadata.get('name')).toBe('echo');
    expect(table.getChild('value')!.toArray()[0]).toBe(42);
    expect(table.getChild('datasource')!.toArray()).toEqual(['Test DS', 'managed']);
    expect(table.getChild('headers')!.toArray()).toEqual(['true', 'Bearer x']);
  });

  test('a batching datasource gets every admitted query of a request in one queryData call', async () => {
    const ctx = pluginContext({ uid: 'batching', jsonData: { batch: true } });
    const res = await unary(c.data, 'QueryData', {
      pluginContext: ctx,
      queries: [dataQuery('A', '', {}), dataQuery('B', '', {}), dataQuery('C', 'drop', {}), dataQuery('D', '', {}, Buffer.from('{oops'))],
    });
    // D never reaches the datasource (malformed JSON); A, B and C arrive together in the first call.
    for (const refId of ['A', 'B']) {
      const table = tableFromIPC(res.responses[refId].frames[0]);
      expect([table.getChild('batchSize')!.get(0), table.getChild('call')!.get(0)]).toEqual([3, 1]);
    }
    expect(res.responses.C).toMatchObject({ status: 500, error: 'query C: the plugin returned no answer for it', errorSource: 'plugin' });
    expect(res.responses.D).toMatchObject({ status: 400, errorSource: 'downstream' });

    const failing = await unary(c.data, 'QueryData', {
      pluginContext: pluginContext({ uid: 'batching-fails', jsonData: { batch: 'throw' } }),
      queries: [dataQuery('A', '', {}), dataQuery('B', '', {})],
    });
    for (const refId of ['A', 'B']) {
      expect(failing.responses[refId]).toMatchObject({ status: 502, error: 'the upstream rejected the batch', errorSource: 'downstream' });
    }
  });

  test('answers frame JSON when Grafana asks for JSON', async () => {
    const res = await unary(c.data, 'QueryData', {
      pluginContext: pluginContext(),
      format: 'JSON',
      queries: [dataQuery('J', 'echo', { value: 7 })],
    });
    expect(res.responses.J).toMatchObject({ status: 200, format: 'JSON' });
    const frame = JSON.parse(Buffer.from(res.responses.J.frames[0]).toString());
    expect(frame.schema.refId).toBe('J');
    expect(frame.data.values[1][0]).toBe(7);
  });

  test('each bad query fails only its own refId with a status and an error source', async () => {
    const res = await unary(c.data, 'QueryData', {
      pluginContext: pluginContext(),
      queries: [
        dataQuery('ok', '', { value: 1 }),
        dataQuery('malformed', '', null, Buffer.from('{"value": 1,')),
        dataQuery('notObject', '', 5),
        dataQuery('unknownType', 'teleport', {}),
        dataQuery('throws', 'throw', {}),
        dataQuery('downstream', 'fail', {}),
        dataQuery('badFrame', 'badframe', {}),
      ],
    });
    const r = res.responses;
    expect(r.ok).toMatchObject({ status: 200, error: '' });
    expect(r.malformed).toMatchObject({ status: 400, errorSource: 'downstream', frames: [] });
    expect(r.malformed.error).toMatch(/query JSON is malformed/);
    expect(r.notObject).toMatchObject({ status: 400, errorSource: 'downstream' });
    expect(r.notObject.error).toMatch(/must be a JSON object/);
    expect(r.unknownType).toMatchObject({ status: 400, errorSource: 'downstream', error: 'unknown query type "teleport"' });
    expect(r.throws).toMatchObject({ status: 500, errorSource: 'plugin' });
    expect(r.throws.error).toMatch(/boom from the test plugin/);
    expect(r.downstream).toMatchObject({ status: 502, errorSource: 'downstream', error: 'upstream said no' });
    expect(r.badFrame).toMatchObject({ status: 500, errorSource: 'plugin' });
    expect(r.badFrame.error).toMatch(/cannot be encoded/);
    for (const response of Object.values<any>(r)) expect(response.format).toBe('ARROW');
  });

  test('a request without datasource settings is a clear gRPC error with error source', async () => {
    const err = await unary(c.data, 'QueryData', { pluginContext: { orgId: 1, pluginId: 'x' }, queries: [dataQuery('A', '', {})] }).catch((e) => e);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/data source instance settings are missing/);
    expect(errorSourceOf(err.metadata)).toBe('plugin');
  });

  test('an oversized request gets RESOURCE_EXHAUSTED and the plugin keeps serving', async () => {
    const huge = Buffer.alloc(17 * 1024 * 1024, 0x20);
    const err = await unary(c.data, 'QueryData', { pluginContext: pluginContext(), queries: [dataQuery('A', '', null, huge)] }).catch((e) => e);
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/larger than max/);
    expect(await unary(c.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  });

  test('a response over 16 MiB replaces the biggest refIds with a 413 asking to narrow the query', async () => {
    const MiB = 1024 * 1024;
    const res = await unary(c.data, 'QueryData', {
      pluginContext: pluginContext(),
      queries: [dataQuery('small', 'big', { bytes: 1000 }), dataQuery('nine', 'big', { bytes: 9 * MiB }), dataQuery('ten', 'big', { bytes: 10 * MiB })],
    });
    expect(res.responses.ten).toMatchObject({ status: 413, errorSource: 'plugin', frames: [] });
    expect(res.responses.ten.error).toMatch(/too large.*narrow the query/);
    expect(res.responses.nine).toMatchObject({ status: 200 });
    expect(res.responses.nine.frames[0].length).toBeGreaterThan(9 * MiB);
    expect(res.responses.small).toMatchObject({ status: 200 });
  });

  test('cancelling the call aborts the handler signal', async () => {
    const before = await stats();
    const call = c.data.QueryData(
      { pluginContext: pluginContext(), queries: [dataQuery('S', 'slow', {})] },
      (err: grpc.ServiceError | null) => expect(err?.code).toBe(grpc.status.CANCELLED),
    );
    await waitForCounter('started', before.started + 1);
    call.cancel();
    await waitForCounter('aborts', before.aborts + 1);
  });
});

describe('QueryChunkedData', () => {
  test('streams one message per frame and error messages per failed refId', async () => {
    const { messages, error } = await collect(
      c.data.QueryChunkedData({
        pluginContext: pluginContext(),
        queries: [dataQuery('A', '', { value: 3 }), dataQuery('B', 'teleport', {})],
      }),
    );
    expect(error).toBeUndefined();
    const a = messages.filter((m: any) => m.refId === 'A');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ status: 200, format: 'ARROW', frameId: 'A/0' });
    expect(tableFromIPC(a[0].frame).getChild('value')!.toArray()[0]).toBe(3);
    const b = messages.filter((m: any) => m.refId === 'B');
    expect(b).toEqual([expect.objectContaining({ status: 400, errorSource: 'downstream', error: 'unknown query type "teleport"' })]);
  });
});

describe('datasource instances and settings', () => {
  const generationOf = async (ctx: Record<string, unknown>): Promise<number> => {
    const res = await unary(c.data, 'QueryData', { pluginContext: ctx, queries: [dataQuery('A', '', { value: 0 })] });
    return tableFromIPC(res.responses.A.frames[0]).getChild('value')!.toArray()[1];
  };

  test('one instance per uid, re-created (and the old one disposed) when lastUpdatedMS or grafanaConfig change', async () => {
    const g1 = await generationOf(pluginContext({ uid: 'inst', lastUpdatedMS: 10 }));
    expect(await generationOf(pluginContext({ uid: 'inst', lastUpdatedMS: 10 }))).toBe(g1);
    const disposedBefore = (await stats()).disposed;
    const g2 = await generationOf(pluginContext({ uid: 'inst', lastUpdatedMS: 11 }));
    expect(g2).toBeGreaterThan(g1);
    await waitForCounter('disposed', disposedBefore + 1);
    const g3 = await generationOf(pluginContext({ uid: 'inst', lastUpdatedMS: 11, grafanaConfig: { GF_APP_URL: 'http://other/' } }));
    expect(g3).toBeGreaterThan(g2);
    expect(await generationOf(pluginContext({ uid: 'other-ds', lastUpdatedMS: 11 }))).toBeGreaterThan(g3);
  });

  test('a SettingsError fails every query with 400, is reported by CheckHealth, and is not retried per request', async () => {
    const ctx = pluginContext({ uid: 'broken', lastUpdatedMS: 5, jsonData: { failSettings: 'maxSeries must be positive' } });
    const before = await stats();
    const res = await unary(c.data, 'QueryData', { pluginContext: ctx, queries: [dataQuery('A', '', {}), dataQuery('B', '', {})] });
    for (const refId of ['A', 'B']) {
      expect(res.responses[refId]).toMatchObject({ status: 400, errorSource: 'downstream', error: 'invalid settings: maxSeries must be positive' });
    }
    const health = await unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx });
    expect(health).toMatchObject({ status: 'ERROR', message: 'invalid settings: maxSeries must be positive' });
    const sub = await unary(c.stream, 'SubscribeStream', { pluginContext: ctx, path: 'ticks' });
    expect(sub.status).toBe('PERMISSION_DENIED');
    // The plugin's decodeSettings rejected them once for this settings version; newInstance never ran.
    const after = await stats();
    expect([after.decoded - before.decoded, after.factoryCalls - before.factoryCalls]).toEqual([1, 0]);
  });

  test('jsonData that is not JSON is a settings error with a clear message', async () => {
    const ctx = pluginContext({ uid: 'garbled', rawJsonData: Buffer.from('{not json') });
    const health = await unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx });
    expect(health.status).toBe('ERROR');
    expect(health.message).toMatch(/jsonData is not valid JSON/);
  });

  test('secure JSON data never appears in the logs', async () => {
    await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ uid: 'secret-ds', secure: { apiKey: 'hunter2-very-secret' } }) });
    const created = await plugin.waitForLog((l) => l.json?.['@message'] === 'test instance created' && l.raw.includes('secret-ds'));
    expect(created.raw).toContain('[redacted]');
    expect(plugin.stderrText()).not.toContain('hunter2-very-secret');
  });
});

describe('CheckHealth and CollectMetrics', () => {
  test('health result with details as a JSON object', async () => {
    const res = await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ uid: 'healthy' }) });
    expect(res).toMatchObject({ status: 'OK', message: 'test plugin healthy (managed)' });
    // newInstance received the plugin's decoded settings (`config`) next to the raw ones.
    expect(JSON.parse(Buffer.from(res.jsonDetails).toString())).toMatchObject({ url: 'http://upstream.invalid', decodedAt: expect.any(Number) });
  });

  test('a throwing health check is ERROR with its message; non-object details are dropped', async () => {
    const thrown = await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ uid: 'h1', jsonData: { healthThrows: true } }) });
    expect(thrown).toMatchObject({ status: 'ERROR', message: 'health check failed: health exploded' });
    const odd = await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ uid: 'h2', jsonData: { detailsNotObject: true } }) });
    expect(odd.status).toBe('OK');
    expect(odd.jsonDetails.length).toBe(0);
  });

  test('metrics are Prometheus text with process metrics and SDK counters', async () => {
    const res = await unary(c.diagnostics, 'CollectMetrics', { pluginContext: pluginContext() });
    const text = Buffer.from(res.metrics.prometheus).toString();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^grafana_plugin_request_total\{endpoint="queryData",status="ok"\} [1-9]/m);
    expect(text).toMatch(/^grafana_plugin_request_duration_seconds_bucket\{le="0.005",endpoint="checkHealth"\}/m);
    expect(text).toMatch(/^plugins_active_instances [1-9]/m);
  });
});

describe('a datasource that implements no capability', () => {
  const ctx = () => pluginContext({ uid: 'minimal', jsonData: { minimal: true } });

  test('health is OK (like the Go SDK); data, resource and stream calls are UNIMPLEMENTED', async () => {
    expect(await unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx() })).toMatchObject({ status: 'OK', message: 'Plugin is running' });
    const query = await unary(c.data, 'QueryData', { pluginContext: ctx(), queries: [dataQuery('A', '', {})] }).catch((e) => e);
    expect(query).toMatchObject({ code: grpc.status.UNIMPLEMENTED, details: 'QueryData is not implemented by this plugin' });
    const resource = await collect(c.resource.CallResource({ pluginContext: ctx(), path: 'x', method: 'GET', url: 'x' }));
    expect(resource.error?.code).toBe(grpc.status.UNIMPLEMENTED);
    for (const method of ['SubscribeStream', 'PublishStream']) {
      await expect(unary(c.stream, method, { pluginContext: ctx(), path: 'p' })).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    }
    const run = await collect(c.stream.RunStream({ pluginContext: ctx(), path: 'p' }));
    expect(run.error?.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe('CallResource', () => {
  const call = (path: string, extra: Record<string, unknown> = {}) =>
    collect(c.resource.CallResource({ pluginContext: pluginContext(), path, method: 'GET', url: path, ...extra }));

  test('status and headers come in the first message, then body chunks', async () => {
    const { messages, error } = await call('chunks');
    expect(error).toBeUndefined();
    expect(messages[0].code).toBe(201);
    expect(messages[0].headers['X-Test'].values).toEqual(['a', 'b']);
    expect(messages.slice(1).every((m: any) => m.code === 0 && Object.keys(m.headers).length === 0)).toBe(true);
    expect(Buffer.concat(messages.map((m: any) => m.body)).toString()).toBe('one,two,three');
  });

  test('echo sees method, url, headers and body', async () => {
    const { messages } = await call('echo', { method: 'POST', url: 'echo?x=1', body: Buffer.from('hi'), headers: { Accept: { values: ['application/json'] } } });
    expect(messages[0].code).toBe(200);
    expect(messages[0].headers['Content-Type'].values).toEqual(['application/json']);
    expect(JSON.parse(Buffer.from(messages[0].body).toString())).toEqual({ method: 'POST', url: 'echo?x=1', body: 'hi', headers: { Accept: ['application/json'] } });
  });

  test('unknown paths are 404 JSON and a throwing handler is a 500 JSON', async () => {
    const missing = await call('nothing-here');
    expect(missing.messages[0].code).toBe(404);
    expect(JSON.parse(Buffer.from(missing.messages[0].body).toString()).message).toMatch(/not found: nothing-here/);
    const thrown = await call('throw');
    expect(thrown.messages[0].code).toBe(500);
    expect(JSON.parse(Buffer.from(thrown.messages[0].body).toString()).message).toMatch(/resource exploded/);
    // A head written but not yet sent can still become the 500.
    const late = await call('head-then-throw');
    expect(late.messages[0].code).toBe(500);
    expect(JSON.parse(Buffer.from(late.messages[0].body).toString()).message).toMatch(/exploded after its head/);
  });
});

describe('streams', () => {
  test('SubscribeStream: OK with the schema as initial data, NOT_FOUND, PERMISSION_DENIED', async () => {
    const ok = await unary(c.stream, 'SubscribeStream', { pluginContext: pluginContext(), path: 'ticks' });
    expect(ok.status).toBe('OK');
    const initial = JSON.parse(Buffer.from(ok.data).toString());
    expect(initial.schema.fields.map((f: any) => f.name)).toEqual(['time', 'value']);
    expect(initial.data).toBeUndefined();
    expect((await unary(c.stream, 'SubscribeStream', { pluginContext: pluginContext(), path: 'nope' })).status).toBe('NOT_FOUND');
    expect((await unary(c.stream, 'SubscribeStream', { pluginContext: pluginContext(), path: 'denied' })).status).toBe('PERMISSION_DENIED');
  });

  test('PublishStream answers with the handler status and data', async () => {
    const echo = await unary(c.stream, 'PublishStream', { pluginContext: pluginContext(), path: 'echo', data: Buffer.from('{"a":1}') });
    expect(echo.status).toBe('OK');
    expect(Buffer.from(echo.data).toString()).toBe('{"a":1}');
    expect((await unary(c.stream, 'PublishStream', { pluginContext: pluginContext(), path: 'x', data: Buffer.from('{}') })).status).toBe('PERMISSION_DENIED');
  });

  test('RunStream: a handler that returns ends the call OK after its packets', async () => {
    const { messages, error } = await collect(c.stream.RunStream({ pluginContext: pluginContext(), path: 'finite' }));
    expect(error).toBeUndefined();
    const packets = messages.map((m: any) => JSON.parse(Buffer.from(m.data).toString()));
    expect(packets).toHaveLength(3);
    expect(packets[0].schema).toBeDefined();
    expect(packets[1].schema).toBeUndefined();
    expect(packets[2].data.values[1]).toEqual([2]);
  });

  test('RunStream: a throwing handler ends the call with a gRPC error', async () => {
    const { error } = await collect(c.stream.RunStream({ pluginContext: pluginContext(), path: 'throw' }));
    expect(error?.code).toBe(grpc.status.UNKNOWN);
    expect(error?.details).toMatch(/stream exploded/);
    expect(errorSourceOf(error?.metadata)).toBe('plugin');
  });

  test('RunStream: cancellation reaches the handler as an aborted signal', async () => {
    const before = await stats();
    const call = c.stream.RunStream({ pluginContext: pluginContext(), path: 'ticks' });
    const first = new Promise<any>((resolve) => call.once('data', resolve));
    call.on('error', () => undefined);
    expect(JSON.parse(Buffer.from((await first).data).toString()).schema).toBeDefined();
    await waitForCounter('started', before.started + 1);
    call.cancel();
    await waitForCounter('aborts', before.aborts + 1);
  });

  test('RunStream: writes past the transport buffer wait for drain, and every packet is JSON', async () => {
    const call = c.stream.RunStream({ pluginContext: pluginContext(), path: 'flood' });
    call.on('error', () => undefined);
    const drains = await new Promise<number[]>((resolve) => {
      const seen: number[] = [];
      call.on('data', (m: any) => {
        const packet = JSON.parse(Buffer.from(m.data).toString());
        if (typeof packet.drains === 'number') seen.push(packet.drains);
        if (seen.length === 3) resolve(seen);
      });
    });
    expect(drains).toEqual([1, 2, 3]);
    call.cancel();
  });

  test('services a plugin does not implement answer UNIMPLEMENTED (AdmissionControl is not served)', async () => {
    const client = new grpc.Client(handshake.network === 'unix' ? `unix:${handshake.address}` : handshake.address, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest('/pluginv2.AdmissionControl/ValidateAdmission', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (e) => resolve(e!)),
    );
    client.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe('process lifecycle', () => {
  test('GRPCController.Shutdown: answers, ends open streams cleanly, and the process exits 0', async () => {
    const own = await startManaged(bundle, { PLUGIN_UNIX_SOCKET_DIR: socketDir });
    const oc = connect(own.handshake);
    const stdio = collect(oc.stdio.StreamStdio({}));
    const broker = new Promise<grpc.StatusObject>((resolve) => {
      const call = oc.broker.StartStream();
      call.on('data', () => undefined);
      call.on('status', resolve);
      call.on('error', () => undefined);
    });
    await unary(oc.health, 'Check', { service: 'plugin' });
    await unary(oc.controller, 'Shutdown', {});
    expect((await stdio).error).toBeUndefined();
    expect((await broker).code).toBe(grpc.status.OK);
    expect(await own.plugin.exited).toEqual({ code: 0, signal: null });
    oc.close();
  });

  test('shutdown drains an in-flight query, then closes it by force after the bounded timeout', async () => {
    const own = await startManaged(bundle, { PLUGIN_UNIX_SOCKET_DIR: socketDir, TESTPLUGIN_SHUTDOWN_TIMEOUT_MS: '300' });
    const oc = connect(own.handshake);
    const query = unary(oc.data, 'QueryData', { pluginContext: pluginContext(), queries: [dataQuery('S', 'slow', {})] }).catch((e) => e);
    await collect(oc.resource.CallResource({ pluginContext: pluginContext(), path: 'wait', method: 'GET', url: 'wait?started=1' }));
    own.plugin.child.kill('SIGTERM');
    expect(await own.plugin.exited).toEqual({ code: 0, signal: null });
    const outcome = await query;
    // Aborted at the deadline: either the handler's answer made it out, or the connection closed.
    expect(outcome.responses?.S?.error ?? outcome.code).toBeDefined();
    await own.plugin.waitForMessage('in-flight calls did not finish in time; closing them');
    oc.close();
  });

  test('SIGINT is ignored in managed mode; SIGTERM exits cleanly and removes the socket', async () => {
    const own = await startManaged(bundle, { PLUGIN_UNIX_SOCKET_DIR: socketDir, TESTPLUGIN_LOG_LEVEL: 'debug' });
    own.plugin.child.kill('SIGINT');
    await own.plugin.waitForLog((l) => String(l.json?.['@message']).startsWith('ignoring SIGINT'));
    const oc = connect(own.handshake);
    expect(await unary(oc.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
    own.plugin.child.kill('SIGTERM');
    expect(await own.plugin.exited).toEqual({ code: 0, signal: null });
    expect(require('node:fs').existsSync(own.handshake.address)).toBe(false);
    oc.close();
  });

  test('exits when Grafana (the parent process) goes away', async () => {
    // A stand-in for Grafana that starts the plugin and is then killed without a Shutdown call.
    const parent = spawn(
      process.execPath,
      ['-e', `require('child_process').spawn(process.execPath, [${JSON.stringify(bundle)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`],
      { env: grafanaEnv({ PLUGIN_UNIX_SOCKET_DIR: socketDir }), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: parent.stdout });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const hs = parseHandshake(first);
    const oc = connect(hs);
    expect(await unary(oc.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
    oc.close();
    parent.kill('SIGKILL');
    // The plugin holds the inherited pipes; they close only when the plugin itself has exited.
    await new Promise((resolve) => parent.stderr.on('close', resolve));
    expect(require('node:fs').existsSync(hs.address)).toBe(false);
  });

  test('without the magic cookie: one explanation on stderr, exit code 1, nothing on stdout', async () => {
    const env = grafanaEnv();
    delete env.grafana_plugin_type;
    const p = spawnPlugin(bundle, env);
    expect(await p.exited).toEqual({ code: 1, signal: null });
    expect(p.stdoutLines).toEqual([]);
    const errors = p.stderrLines.filter((l) => l.raw.startsWith('[ERROR]'));
    expect(errors).toHaveLength(1);
    expect(errors[0].raw).toMatch(/Grafana backend plugin.*grafana_plugin_type=datasource.*--listen/);
  });

  test('an unsupported protocol version is refused with a clear error', async () => {
    const p = spawnPlugin(bundle, grafanaEnv({ PLUGIN_PROTOCOL_VERSIONS: '1,3' }));
    expect(await p.exited).toEqual({ code: 1, signal: null });
    expect(p.stdoutLines).toEqual([]);
    expect(p.stderrText()).toMatch(/\[ERROR\].*protocol version\(s\) "1,3".*speaks version 2/);
  });

  test('TCP on 127.0.0.1 on request', async () => {
    const own = await startManaged(bundle, { TESTPLUGIN_NETWORK: 'tcp' });
    expect(own.handshake.network).toBe('tcp');
    expect(own.handshake.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const oc = connect(own.handshake);
    expect(await unary(oc.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
    await unary(oc.controller, 'Shutdown', {});
    expect((await own.plugin.exited).code).toBe(0);
    oc.close();
  });
});
