import { validateDatasourceSettings, validateMessageQuery } from './validation';
import { DEFAULT_BUFFER_SETTINGS, DEFAULT_MQTT_SETTINGS } from './mqtt';
import { topicFilterError, topicMatches } from './topicFilter';

describe('topic filters', () => {
  it.each(['a', 'a/b', 'sensors/+/temperature', '#', '+', 'a/#', '+/+/#', '$SYS/#', 'with space/x', '/leading', 'trailing/'])('accepts %j', (filter) => {
    expect(topicFilterError(filter)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['a/#/b', /"#" must be the whole last level.*level 2/],
    ['a#', /"#" must be the whole last level/],
    ['a/b+', /"\+" must fill a whole level.*level 2 is "b\+"/],
    ['a\u0000b', /NUL/],
    ['x'.repeat(65_536), /65536 bytes long; MQTT allows at most 65535/],
    ['é'.repeat(40_000), /80000 bytes/],
    ['$share/g/a', /shared subscriptions/],
  ])('rejects %j', (filter, message) => {
    expect(topicFilterError(filter)).toMatch(message);
  });

  it('matches topics as a broker does', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});

describe('validateDatasourceSettings', () => {
  it('keeps signals datasources (no source kind) as they were', () => {
    expect(validateDatasourceSettings({ maxSeries: 7 })).toEqual({
      settings: { maxSeries: 7, minIntervalMs: 10, maxPacketsPerSecond: 20, sourceKind: 'signals' },
      problems: [],
    });
  });

  it('fills MQTT and buffer defaults', () => {
    const { settings, problems } = validateDatasourceSettings({ sourceKind: 'mqtt', mqtt: { url: 'mqtt://broker:1883' } });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ sourceKind: 'mqtt', mqtt: { ...DEFAULT_MQTT_SETTINGS, url: 'mqtt://broker:1883' }, buffer: DEFAULT_BUFFER_SETTINGS });
  });

  it.each([
    [{ mqtt: {} }, [], /mqtt.url is required/],
    [{ mqtt: { url: 'http://broker' } }, [], /mqtt.url must start with mqtt:\/\/, mqtts:\/\/, ws:\/\/, wss:\/\//],
    [{ mqtt: { url: 'not a url' } }, [], /is not a URL/],
    [{ mqtt: { url: 'mqtt://u:p@broker' } }, [], /must not hold a user name or password/],
    [{ mqtt: { url: 'mqtt://b', qos: 3 } }, [], /mqtt.qos must be 0, 1 or 2 \(got 3\)/],
    [{ mqtt: { url: 'mqtt://b', keepaliveSeconds: 70_000 } }, [], /mqtt.keepaliveSeconds must be between 0 and 65535/],
    [{ mqtt: { url: 'mqtt://b', reconnectMinMs: 5000, reconnectMaxMs: 1000 } }, [], /reconnectMaxMs \(1000\) must not be below mqtt.reconnectMinMs \(5000\)/],
    [{ mqtt: { url: 'mqtt://b', clientId: 'a\nb' } }, [], /clientId must not contain control characters/],
    [{ mqtt: { url: 'mqtt://b', testTopic: 'a/#/b' } }, [], /mqtt.testTopic: "#" must be/],
    [{ mqtt: { url: 'mqtts://b' } }, ['tlsClientCert'], /client certificate is set without its private key/],
    [{ mqtt: { url: 'mqtts://b' } }, ['tlsClientKey'], /client key is set without its certificate/],
    [{ mqtt: { url: 'mqtt://b' } }, ['password'], /password is set without a username/],
    [{ mqtt: { url: 'mqtt://b' } }, ['tlsCACert'], /TLS settings \(tlsCACert\) are set but mqtt.url uses a plain connection/],
    [{ mqtt: { url: 'mqtt://b' }, buffer: { maxMessages: 0 } }, [], /buffer.maxMessages must be between 1 and 1000000/],
    [{ mqtt: { url: 'mqtt://b' }, buffer: { maxMemoryMiB: 'lots' } }, [], /buffer.maxMemoryMiB must be a number/],
  ])('%j with secure keys %j: %s', (json, secure, message) => {
    const { problems } = validateDatasourceSettings({ sourceKind: 'mqtt', ...json }, secure);
    expect(problems.join('\n')).toMatch(message);
  });

  it('accepts a complete mTLS configuration', () => {
    const result = validateDatasourceSettings(
      { sourceKind: 'mqtt', mqtt: { url: 'mqtts://b:8883', username: 'u', qos: '1', clientId: 'grafana-1' } },
      ['password', 'tlsCACert', 'tlsClientCert', 'tlsClientKey'],
    );
    expect(result.problems).toEqual([]);
    expect(result.settings).toMatchObject({ mqtt: { qos: 1, username: 'u', clientId: 'grafana-1' } });
  });

  it('rejects an unknown source kind', () => {
    expect(validateDatasourceSettings({ sourceKind: 'kafka' }).problems).toEqual(['sourceKind must be one of signals, mqtt, websocket, sse, http-poll (got "kafka")']);
  });
});

describe('validateMessageQuery', () => {
  it('keeps the topic exactly (spaces are part of MQTT topics)', () => {
    const result = validateMessageQuery({ refId: 'A', topic: ' a/b ', alias: ' x ' });
    expect(result).toEqual({ ok: true, query: { refId: 'A', topic: ' a/b ', mapping: undefined, withStreaming: true, alias: 'x' } });
  });

  it.each([
    [{}, 'topic', /empty/],
    [{ topic: 'a/#/b' }, 'topic', /"#"/],
    [{ topic: 'a', withStreaming: 'y' }, 'withStreaming', /true or false/],
    [{ topic: 'a', mapping: [1] }, 'mapping', /JSON object/],
  ])('rejects %j', (json, field, message) => {
    const result = validateMessageQuery(json);
    expect(!result.ok && result.problem.field).toBe(field);
    expect(!result.ok && result.problem.message).toMatch(message);
  });
});
