/** In-process checks of the SDK's small pure parts: logging format, redaction, start-up rules, size cap, instances. */
import { Registry } from 'prom-client';
import { HclogLogger, hclogTimestamp } from '../src/log/logger';
import { redact } from '../src/log/redact';
import { StartupError, checkMagicCookie, handshakeLine, negotiateProtocolVersion } from '../src/host/handshake';
import { parseListenAddress } from '../src/host/listen';
import { parseCommandLine } from '../src/host/cli';
import { capResponseSize } from '../src/handlers/encode';
import { InstanceManager } from '../src/instances/manager';
import { SdkMetrics } from '../src/metrics/sdk-metrics';
import { SettingsError, type DataSourceInstance } from '../src/types';
import type { WireDataResponse, WireDataSourceInstanceSettings } from '../src/wire/convert';

describe('hclog logger', () => {
  test('timestamps have exactly six fractional digits and a Z', () => {
    expect(hclogTimestamp(1_787_227_200_123_456n)).toBe('2026-08-20T12:00:00.123456Z');
    expect(hclogTimestamp(1_787_227_200_000_007n)).toBe('2026-08-20T12:00:00.000007Z');
    expect(hclogTimestamp()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('writes one JSON line per entry, honours the level, keeps @-keys as strings', () => {
    const lines: string[] = [];
    const log = new HclogLogger({ level: 'info', module: 'p', write: (l) => lines.push(l) }).with({ uid: 'x' });
    log.debug('hidden');
    log.info('shown', { '@level': 42, n: 1n, err: new Error('bad'), nested: { password: 'pw', ok: 1 } });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ '@level': 'info', '@message': 'shown', '@module': 'p', uid: 'x', '_@level': 42, n: '1', err: 'bad' });
    expect(entry.nested).toEqual({ password: '[redacted]', ok: 1 });
  });
});

test('redact hides credential-like keys at any depth and summarises bytes', () => {
  expect(
    redact({ decryptedSecureJsonData: { anything: 's' }, headers: { Authorization: 'Bearer t', Accept: 'json' }, body: Buffer.from('abc') }),
  ).toEqual({ decryptedSecureJsonData: '[redacted]', headers: { Authorization: '[redacted]', Accept: 'json' }, body: '<3 bytes>' });
});

describe('start-up rules', () => {
  test('magic cookie', () => {
    expect(() => checkMagicCookie({ grafana_plugin_type: 'datasource' })).not.toThrow();
    expect(() => checkMagicCookie({})).toThrow(StartupError);
    expect(() => checkMagicCookie({ grafana_plugin_type: 'app' })).toThrow(/here it is "app"/);
  });

  test('protocol version negotiation picks 2 or refuses', () => {
    expect(negotiateProtocolVersion('2')).toBe(2);
    expect(negotiateProtocolVersion('1, 2,3')).toBe(2);
    expect(negotiateProtocolVersion(undefined)).toBe(2);
    expect(() => negotiateProtocolVersion('1,3')).toThrow(/speaks version 2/);
    expect(() => negotiateProtocolVersion('abc')).toThrow(StartupError);
  });

  test('handshake line format', () => {
    expect(handshakeLine(2, 'unix', '/tmp/plugin1')).toBe('1|2|unix|/tmp/plugin1|grpc\n');
    expect(() => handshakeLine(2, 'unix', '/tmp/a|b')).toThrow(StartupError);
  });

  test('listen addresses', () => {
    expect(parseListenAddress('unix:/run/t/p.sock')).toEqual({ network: 'unix', path: '/run/t/p.sock' });
    expect(parseListenAddress('unix:///run/p.sock')).toEqual({ network: 'unix', path: '/run/p.sock' });
    expect(parseListenAddress('tcp:0.0.0.0:50051')).toEqual({ network: 'tcp', host: '0.0.0.0', port: 50051 });
    expect(parseListenAddress('tcp:[::1]:9')).toEqual({ network: 'tcp', host: '::1', port: 9 });
    expect(() => parseListenAddress('tcp:host')).toThrow(/tcp:HOST:PORT/);
    expect(() => parseListenAddress('tcp:h:70000')).toThrow(/out of range/);
    expect(() => parseListenAddress('unix:')).toThrow(/empty/);
  });

  test('command line beats environment; bad values are explained', () => {
    expect(parseCommandLine(['--listen', 'tcp:1.2.3.4:5'], { T_LISTEN: 'unix:/x' }, 'T').listen).toBe('tcp:1.2.3.4:5');
    expect(parseCommandLine([], { T_LISTEN: 'unix:/x', GF_PLUGIN_LOG_LEVEL: 'debug' }, 'T')).toMatchObject({ listen: 'unix:/x', logLevel: 'debug' });
    expect(parseCommandLine(['--socket-mode=0660', '--socket-group', '0'], {}, 'T')).toMatchObject({ socketMode: 0o660, socketGroup: 0 });
    expect(() => parseCommandLine(['--bogus'], {}, 'T')).toThrow(/unknown argument "--bogus"/);
    expect(() => parseCommandLine([], { T_LOG_LEVEL: 'loud' }, 'T')).toThrow(/T_LOG_LEVEL loud/);
    expect(() => parseCommandLine(['--socket-mode', '777x'], {}, 'T')).toThrow(/octal mode/);
  });
});

test('the response size cap cuts the biggest refIds first and keeps the rest', () => {
  const MiB = 1024 * 1024;
  const resp = (bytes: number): WireDataResponse => ({ frames: [new Uint8Array(bytes)], status: 200 });
  const responses = { a: resp(6 * MiB), b: resp(7 * MiB), c: resp(5 * MiB), d: resp(10) };
  expect(capResponseSize(responses, 16 * MiB)).toEqual(['b']);
  expect(responses.b).toMatchObject({ status: 413, errorSource: 'plugin', frames: [] });
  expect(responses.a.status).toBe(200);
  expect(responses.c.status).toBe(200);
  const one = { only: resp(20 * MiB) };
  expect(capResponseSize(one, 16 * MiB)).toEqual(['only']);
  expect(one.only.error).toMatch(/20\.0 MiB, limit 16\.0 MiB/);
});

describe('instance manager', () => {
  const wire = (lastUpdatedMS: number, jsonData = '{}'): WireDataSourceInstanceSettings => ({
    id: 1, uid: 'u', name: 'n', url: '', user: '', database: '', basicAuthEnabled: false, basicAuthUser: '',
    jsonData: Buffer.from(jsonData), decryptedSecureJsonData: {}, lastUpdatedMS, apiVersion: '',
  });
  const logger = new HclogLogger({ level: 'off' });

  function manager(newInstance: (s: { lastUpdatedMS: number; jsonData: Record<string, unknown> }) => DataSourceInstance, disposeAfterMs = 60_000) {
    const registry = new Registry();
    return new InstanceManager({
      definition: { pluginId: 'p', version: '1', newInstance },
      logger,
      runMode: 'managed',
      metrics: new SdkMetrics(registry, false),
      registry,
      disposeAfterMs,
    });
  }

  test('a replaced instance is disposed only after its in-flight lease is released', async () => {
    const disposed: number[] = [];
    const m = manager((s) => ({ dispose: () => void disposed.push(s.lastUpdatedMS) }));
    const old = await m.acquire(wire(1), {});
    const fresh = await m.acquire(wire(2), {});
    expect(fresh.instance).not.toBe(old.instance);
    expect(disposed).toEqual([]);
    old.release();
    await Promise.resolve();
    expect(disposed).toEqual([1]);
    fresh.release();
    await m.disposeAll();
    expect(disposed).toEqual([1, 2]);
  });

  test('a replaced instance still in use is disposed after the bounded wait', async () => {
    jest.useFakeTimers();
    try {
      const disposed: number[] = [];
      const m = manager((s) => ({ dispose: () => void disposed.push(s.lastUpdatedMS) }), 1_000);
      await m.acquire(wire(1), {}); // never released: a stuck call
      await m.acquire(wire(2), {});
      expect(disposed).toEqual([]);
      jest.advanceTimersByTime(1_000);
      await Promise.resolve();
      expect(disposed).toEqual([1]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('Grafanas with different configs on one sidecar keep their own instance; the least recently used goes past 4', async () => {
    const created: string[] = [];
    const disposed: string[] = [];
    const m = manager((s) => {
      const name = `v${s.lastUpdatedMS}#${created.length}`;
      created.push(name);
      return { dispose: () => void disposed.push(name) };
    });
    const use = async (config: Record<string, string>, lastUpdatedMS = 1) => {
      const lease = await m.acquire(wire(lastUpdatedMS), config);
      lease.release();
      return lease.instance;
    };
    const a = await use({ GF_APP_URL: 'http://a' });
    const b = await use({ GF_APP_URL: 'http://b' });
    expect(await use({ GF_APP_URL: 'http://a' })).toBe(a);
    expect(await use({ GF_APP_URL: 'http://b' })).toBe(b);
    expect(created).toHaveLength(2);
    // New settings replace only that configuration's instance.
    expect(await use({ GF_APP_URL: 'http://a' }, 2)).not.toBe(a);
    await Promise.resolve();
    expect(disposed).toEqual(['v1#0']);
    expect(await use({ GF_APP_URL: 'http://b' })).toBe(b);
    // Configurations c, d, e: the fifth one retires the least recently used (a's new instance).
    await use({ GF_APP_URL: 'http://b' });
    await use({ GF_APP_URL: 'http://c' });
    await use({ GF_APP_URL: 'http://d' });
    await use({ GF_APP_URL: 'http://e' });
    await Promise.resolve();
    expect(disposed).toEqual(['v1#0', 'v2#2']);
    expect(m.size).toBe(4);
    await m.disposeAll();
  });

  test('SettingsError is cached per settings version; other errors are retried', async () => {
    let calls = 0;
    let flaky = true;
    const m = manager((s) => {
      calls++;
      if (s.jsonData.bad) throw new SettingsError('bad settings');
      if (flaky) {
        flaky = false;
        throw new Error('transient');
      }
      return {};
    });
    await expect(m.acquire(wire(1, '{"bad":true}'), {})).rejects.toThrow('bad settings');
    await expect(m.acquire(wire(1, '{"bad":true}'), {})).rejects.toThrow('bad settings');
    expect(calls).toBe(1);
    await expect(m.acquire(wire(2), {})).rejects.toThrow('transient');
    await new Promise((r) => setImmediate(r));
    await expect(m.acquire(wire(2), {})).resolves.toBeDefined();
    expect(calls).toBe(3);
    await expect(m.acquire(wire(3, '[1]'), {})).rejects.toThrow(/jsonData must be a JSON object/);
    expect(calls).toBe(3);
  });
});
