import { validateDatasourceSettings, validateMessageQuery } from './validation';
import { parseWebStreamText, validateWebSettings, webStreamHoldsText } from './webValidation';

describe('web source settings', () => {
  it('fills defaults and keeps valid values', () => {
    const { settings, problems } = validateWebSettings('http-poll', { url: ' https://api.example.com/ ', method: 'post', body: '{"q":1}', intervalMs: '2000' }, undefined);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ url: 'https://api.example.com/', method: 'POST', body: '{"q":1}', intervalMs: 2000, minIntervalMs: 1000, dedupeRows: true });
  });

  it('names every bad key with its fix', () => {
    const { problems } = validateWebSettings(
      'websocket',
      { url: 'http://feed', reconnectMinMs: 5000, reconnectMaxMs: 1000, maxMessageBytes: 1, pingIntervalSeconds: 'often', headers: [{ name: 'Bad Name', value: 'x' }] },
      { maxMessages: 0 },
    );
    expect(problems).toEqual([
      'websocket.url must start with ws:// or wss:// (got "http:")',
      'websocket.headers[0].name "Bad Name" is not a valid HTTP header name',
      'websocket.reconnectMaxMs (1000) must not be below websocket.reconnectMinMs (5000)',
      expect.stringMatching(/^websocket.maxMessageBytes must be between 16 and 16777216 \(got 1\)/),
      expect.stringMatching(/^websocket.pingIntervalSeconds must be a number \(got "often"\)/),
      expect.stringMatching(/^buffer.maxMessages must be between 1 and 1000000/),
    ]);
  });

  it('checks that secret headers and secure values go together', () => {
    const headers = [{ name: 'Authorization', secret: true }, { name: 'X-Plain', value: 'v' }];
    expect(validateWebSettings('sse', { url: 'https://s/', headers }, undefined, ['header:authorization']).problems).toEqual([]);
    expect(validateWebSettings('sse', { url: 'https://s/', headers }, undefined, []).problems).toEqual([
      'sse.headers[0] "Authorization" is secret but secureJsonData["header:authorization"] is not set: enter its value',
    ]);
    expect(validateWebSettings('sse', { url: 'https://s/', headers: [{ name: 'A', secret: true, value: 'leak' }] }, undefined, ['header:a']).problems[0]).toMatch(
      /is secret but has a plain value/,
    );
    expect(validateWebSettings('sse', { url: 'https://s/' }, undefined, ['header:x-old', 'query:token']).problems).toEqual([
      expect.stringMatching(/^secureJsonData\["header:x-old"\] is set but no secret header of that name is listed/),
      expect.stringMatching(/^secureJsonData\["query:token"\] is set but no secret query parameter of that name is listed/),
    ]);
    expect(validateWebSettings('sse', { url: 'http://s/', tlsSkipVerify: true }, undefined, ['tlsClientCert']).problems).toEqual([
      expect.stringMatching(/client certificate and its private key go together/),
      'TLS settings (tlsClientCert, tlsSkipVerify) are set but sse.url is not encrypted; use https:// or remove them',
    ]);
  });

  it('polling: the interval floor and a body only with POST or PUT', () => {
    expect(validateWebSettings('http-poll', { url: 'http://a/', intervalMs: 500, minIntervalMs: 1000, body: 'x' }, undefined).problems).toEqual([
      'httpPoll.body is set but httpPoll.method is GET, which sends no body: use POST or PUT, or clear the body',
      'httpPoll.intervalMs (500) must not be below httpPoll.minIntervalMs (1000)',
    ]);
  });

  it('validateDatasourceSettings picks the kind’s key', () => {
    const result = validateDatasourceSettings({ sourceKind: 'http-poll', httpPoll: { url: 'http://a/' } });
    expect(result.problems).toEqual([]);
    expect(result.settings).toMatchObject({ sourceKind: 'http-poll', httpPoll: { url: 'http://a/' }, buffer: { maxMessages: 100000 } });
    expect(validateDatasourceSettings({ sourceKind: 'websocket' }).problems).toEqual(['websocket.url is required, like ws://server:8080/']);
  });
});

describe('web source queries', () => {
  it('reads each kind’s stream fields into one stream text', () => {
    const ws = validateMessageQuery({ path: ' /feed?room=1 ', connectMessage: '{"sub":"a"}\n' }, 'websocket');
    expect(ws.ok && parseWebStreamText(ws.query.topic)).toEqual({ path: '/feed?room=1', connectMessage: '{"sub":"a"}\n' });
    expect(ws.ok && webStreamHoldsText(ws.query.topic)).toBe(true);
    const sse = validateMessageQuery({ events: 'a, b,,a' }, 'sse');
    expect(sse.ok && parseWebStreamText(sse.query.topic)).toEqual({ events: ['a', 'b'] });
    const poll = validateMessageQuery({ method: 'put', body: 'x', pollIntervalMs: 2000, rowsPath: 'data' }, 'http-poll', { minIntervalMs: 1000 });
    expect(poll.ok && parseWebStreamText(poll.query.topic)).toEqual({ method: 'PUT', body: 'x', intervalMs: 2000, rowsPath: 'data' });
    // Equal fields, equal text (one shared connection), whatever the order they came in.
    const a = validateMessageQuery({ connectMessage: 'm', path: '/x' }, 'websocket');
    const b = validateMessageQuery({ path: '/x', connectMessage: 'm' }, 'websocket');
    expect(a.ok && b.ok && a.query.topic === b.query.topic).toBe(true);
  });

  it('refuses a path naming a host, and fields out of range, naming the field', () => {
    const problem = (json: Record<string, unknown>, kind: 'websocket' | 'sse' | 'http-poll', settings?: { minIntervalMs: number }) => {
      const result = validateMessageQuery(json, kind, settings);
      return result.ok ? undefined : result.problem;
    };
    expect(problem({ path: 'https://evil.example/x' }, 'websocket')).toMatchObject({ field: 'path', message: expect.stringMatching(/names a host/) });
    expect(problem({ path: '//evil.example/x' }, 'sse')).toMatchObject({ field: 'path' });
    expect(problem({ connectMessage: 'a\u0000b' }, 'websocket')).toMatchObject({ field: 'connectMessage' });
    expect(problem({ events: [''] }, 'sse')).toMatchObject({ field: 'events' });
    expect(problem({ method: 'DELETE' }, 'http-poll')).toMatchObject({ field: 'method' });
    expect(problem({ method: 'GET', body: 'x' }, 'http-poll')).toMatchObject({ field: 'body' });
    expect(problem({ pollIntervalMs: 500 }, 'http-poll', { minIntervalMs: 1000 })).toMatchObject({ field: 'pollIntervalMs', beyondSettings: true });
    expect(problem({ pollIntervalMs: 1.5 }, 'http-poll')).toMatchObject({ field: 'pollIntervalMs', beyondSettings: false });
  });
});
