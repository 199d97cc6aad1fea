/**
 * serve() as a library call, in this very process: start-up failures reject its promise (the process
 * neither exits nor prints), it installs no process-wide handlers, it stops on request and says so
 * through `stopped`, and the plugin's own middlewares run around every call in the documented order.
 */
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import {
  StartupError,
  serve,
  type Middleware,
  type PluginCall,
  type PluginDefinition,
  type ServedPlugin,
} from '@tributary/grafana-backend-sdk';
import { connect, pluginContext, dataQuery, removeTempDirs, tempDir, unary } from './helpers';

const definition: PluginDefinition = {
  pluginId: 'library-test-datasource',
  version: '0.0.1',
  newInstance: () => ({
    query: async (q) => {
      if (q.queryType === 'explode') throw new Error('handler exploded');
      return { frames: [] };
    },
    checkHealth: async () => ({ status: 'ok', message: 'fine' }),
  }),
};

const PROCESS_EVENTS = ['SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection'] as const;
const listenerCounts = (): number[] => PROCESS_EVENTS.map((e) => process.listenerCount(e));

jest.setTimeout(20_000);

let exitSpy: jest.SpyInstance;
const quiet = { logLevel: 'off' as const, queryWorkers: 0, argv: [] as string[] };

beforeEach(() => {
  exitSpy = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new Error(`process.exit(${code}) called`);
  }) as never);
});
afterEach(() => exitSpy.mockRestore());
afterAll(() => removeTempDirs());

describe('start-up failures reject serve() instead of exiting', () => {
  test('not started by Grafana (no magic cookie)', async () => {
    await expect(serve(definition, { ...quiet, env: { PATH: process.env.PATH } })).rejects.toThrow(StartupError);
    await expect(serve(definition, { ...quiet, env: {} })).rejects.toThrow(/grafana_plugin_type=datasource/);
    expect(exitSpy).not.toHaveBeenCalled();
  });

  test('a bad command line', async () => {
    await expect(serve(definition, { ...quiet, argv: ['--bogus'], env: {} })).rejects.toThrow(/unknown argument "--bogus"/);
    await expect(serve(definition, { ...quiet, listen: 'tcp:localhost', env: {} })).rejects.toThrow(/expected tcp:HOST:PORT/);
    expect(exitSpy).not.toHaveBeenCalled();
  });

  test('an address already in use', async () => {
    const taken: Server = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
    try {
      await expect(serve(definition, { ...quiet, listen: `tcp:127.0.0.1:${port}`, env: {} })).rejects.toThrow();
      expect(exitSpy).not.toHaveBeenCalled();
    } finally {
      taken.close();
    }
  });
});

describe('serving in process', () => {
  let served: ServedPlugin | undefined;
  afterEach(async () => {
    await served?.stop('test over');
    served = undefined;
  });

  test('no process-wide handlers; stop() ends serving, `stopped` reports it, and the process lives on', async () => {
    const before = listenerCounts();
    const socket = path.join(tempDir('sdk-lib-'), 'lib.sock');
    served = await serve(definition, { ...quiet, listen: `unix:${socket}`, env: {} });
    expect(listenerCounts()).toEqual(before);
    const c = connect({ network: 'unix', address: socket });
    expect(await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext() })).toMatchObject({ status: 'OK', message: 'fine' });
    c.close();
    const stopping = served.stop('the host application is done');
    await expect(served.stopped).resolves.toBe('the host application is done');
    await stopping;
    expect(exitSpy).not.toHaveBeenCalled();
  });

  test("the plugin's middlewares run in order (definition's, then serve()'s), see the call and its outcome, and a throwing one is recovered per call", async () => {
    const seen: string[] = [];
    const calls: PluginCall[] = [];
    const recorder = (name: string): Middleware => ({
      name,
      async handle(call, next) {
        seen.push(`${name}>`);
        calls.push(call);
        const result = await next();
        seen.push(`<${name}:${result.status}`);
        return result;
      },
    });
    const exploding: Middleware = {
      name: 'exploding',
      handle: (call, next) => {
        if (call.metadata('x-explode') === 'yes') throw new Error('middleware exploded');
        return next();
      },
    };
    const socket = path.join(tempDir('sdk-lib-'), 'mw.sock');
    served = await serve({ ...definition, middleware: [recorder('definition')] }, { ...quiet, listen: `unix:${socket}`, env: {}, middleware: [recorder('serve'), exploding] });
    const c = connect({ network: 'unix', address: socket });

    const ok = await unary(c.data, 'QueryData', { pluginContext: pluginContext({ uid: 'mw-ds' }), queries: [dataQuery('A', 'fine', {})] }, {}, { 'x-tenant': 't1' });
    expect(ok.responses.A.status ?? 200).toBe(200);
    expect(seen).toEqual(['definition>', 'serve>', '<serve:ok', '<definition:ok']);
    expect(calls[0]).toMatchObject({ endpoint: 'queryData', identity: { pluginId: 'sdk-test-datasource', orgId: 1, datasourceUid: 'mw-ds', user: 'admin' } });
    expect(calls[0].metadata('x-tenant')).toBe('t1');

    // A query whose handler throws is that refId's error; the call itself answers.
    seen.length = 0;
    const failed = await unary(c.data, 'QueryData', { pluginContext: pluginContext({ uid: 'mw-ds' }), queries: [dataQuery('A', 'explode', {})] });
    expect(failed.responses.A).toMatchObject({ status: 500, error: expect.stringContaining('handler exploded') });
    expect(seen).toEqual(['definition>', 'serve>', '<serve:error', '<definition:error']);

    // A middleware that throws fails that call only, with a plugin error; the next call is served.
    seen.length = 0;
    await expect(unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext() }, {}, { 'x-explode': 'yes' })).rejects.toMatchObject({
      details: expect.stringContaining('middleware exploded'),
    });
    expect(seen).toEqual(['definition>', 'serve>']);
    expect(await unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext() })).toMatchObject({ status: 'OK' });
    c.close();
  });
});
