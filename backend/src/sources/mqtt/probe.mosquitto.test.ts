/**
 * Save & test (probeMqtt) and TLS against a real Mosquitto on loopback: the message a user reads for
 * each outcome, and the live connection over TLS and mutual TLS.
 */
import net from 'node:net';
import { MosquittoBroker, describeWithMosquitto, freePort } from '../../../../tests/support/mosquitto';
import { MqttConnection, probeMqtt } from './index';
import { publisher, testBuffer, testSettings, waitFor } from './testSupport';

describeWithMosquitto('Save & test (probe) on a plain broker', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await MosquittoBroker.start();
  });
  afterAll(async () => broker?.close());

  it('reports the first message on the test topic with a sample', async () => {
    const p = await publisher(broker.url);
    const timer = setInterval(() => void p.publishAsync('probe/t1', '{"temp":21.5}').catch(() => {}), 50);
    try {
      const result = await probeMqtt({ settings: testSettings(broker.url), secure: {}, topic: 'probe/+', waitMs: 5_000 });
      expect(result.ok).toBe(true);
      expect(result.message).toMatch(new RegExp(`^Connected to mqtt://127\\.0\\.0\\.1:${broker.port}; received a message on "probe/t1" after \\d+ ms$`));
      expect(result.sample).toMatchObject({ topic: 'probe/t1', payload: '{"temp":21.5}' });
    } finally {
      clearInterval(timer);
      await p.endAsync(true);
    }
  });

  it('says when nothing arrived in time', async () => {
    const result = await probeMqtt({ settings: testSettings(broker.url), secure: {}, topic: 'quiet/topic', waitMs: 500 });
    expect(result).toEqual({ ok: true, message: `Connected to ${broker.url}, but no message on "quiet/topic" within 0.5 s` });
  });

  it('names a refused connection and a timeout', async () => {
    const port = await freePort();
    const refused = await probeMqtt({ settings: testSettings(`mqtt://127.0.0.1:${port}`), secure: {}, topic: 't' });
    expect(refused).toEqual({
      ok: false,
      message: `Could not connect to mqtt://127.0.0.1:${port}: connection refused by 127.0.0.1:${port} (is the broker running and listening on that port?)`,
    });

    // A TCP server that accepts and never answers: no CONNACK.
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    try {
      const timedOut = await probeMqtt({ settings: testSettings(`mqtt://127.0.0.1:${silentPort}`, { connectTimeoutMs: 300 }), secure: {} });
      expect(timedOut.message).toBe(
        `Could not connect to mqtt://127.0.0.1:${silentPort}: timed out after 300 ms connecting to 127.0.0.1:${silentPort} (no answer from the broker)`,
      );
    } finally {
      silent.close();
    }
  });
});

describeWithMosquitto('Save & test: login and refused subscriptions', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await MosquittoBroker.start({ auth: { username: 'grafana', password: 'pa55word' } });
  });
  afterAll(async () => broker?.close());

  it('a wrong password is named, and the password never appears', async () => {
    const result = await probeMqtt({
      settings: testSettings(broker.url, { username: 'grafana' }),
      secure: { password: 'not-the-password' },
      topic: 't',
    });
    expect(result).toEqual({
      ok: false,
      message: `Could not connect to ${broker.url}: the broker refused the connection: not authorized (CONNACK 5): wrong username or password, or this user or client may not connect`,
    });
  });

  it('a refused subscription (SUBACK 0x80) is named', async () => {
    const strict = await MosquittoBroker.start({ subscribeAllowed: ['allowed/#'] });
    try {
      const allowed = await probeMqtt({ settings: testSettings(strict.url), secure: {}, topic: 'allowed/x', waitMs: 200 });
      expect(allowed.ok).toBe(true);
      const result = await probeMqtt({ settings: testSettings(strict.url), secure: {}, topic: 'forbidden/x', waitMs: 200 });
      expect(result).toEqual({
        ok: false,
        message: `Connected to ${strict.url}, but the broker refused the subscription to "forbidden/x" (SUBACK 0x80): not authorized for this topic, or the filter is not allowed`,
      });
    } finally {
      await strict.close();
    }
  });
});

describeWithMosquitto('TLS', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await MosquittoBroker.start({ tls: 'server' });
  });
  afterAll(async () => broker?.close());

  it('connects with the generated CA (probe and live connection)', async () => {
    const certs = broker.certs!;
    const result = await probeMqtt({ settings: testSettings(broker.url), secure: { tlsCACert: certs.ca } });
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/^Connected to mqtts:\/\/127\.0\.0\.1:\d+ in \d+ ms/);
    const conn = new MqttConnection({ settings: testSettings(broker.url), secure: { tlsCACert: certs.ca }, buffer: testBuffer() });
    try {
      await waitFor('connected over TLS', () => conn.state().state === 'connected');
    } finally {
      await conn.close();
    }
  });

  it('a wrong CA gives the exact TLS error', async () => {
    const result = await probeMqtt({ settings: testSettings(broker.url), secure: { tlsCACert: broker.certs!.otherCa } });
    expect(result).toEqual({
      ok: false,
      message: `Could not connect to ${broker.url}: TLS: the broker's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN): set the CA certificate that signed it`,
    });
    const conn = new MqttConnection({
      settings: testSettings(broker.url),
      secure: { tlsCACert: broker.certs!.otherCa },
      buffer: testBuffer(),
    });
    try {
      const state = await waitFor('failing', () => {
        const s = conn.state();
        return s.state === 'failing' ? s : undefined;
      });
      expect(state.error).toContain("TLS: the broker's certificate is not trusted");
    } finally {
      await conn.close();
    }
  });

  it('a CA certificate that is not PEM is named, never a crash', async () => {
    const result = await probeMqtt({ settings: testSettings(broker.url), secure: { tlsCACert: 'not a certificate' } });
    expect(result).toEqual({
      ok: false,
      message: `Could not connect to ${broker.url}: TLS: the CA certificate is not a PEM certificate (-----BEGIN CERTIFICATE----- …)`,
    });
    const conn = new MqttConnection({ settings: testSettings(broker.url), secure: { tlsCACert: 'not a certificate' }, buffer: testBuffer() });
    try {
      const state = await waitFor('failing', () => {
        const s = conn.state();
        return s.state === 'failing' ? s : undefined;
      });
      expect(state.error).toBe('TLS: the CA certificate is not a PEM certificate (-----BEGIN CERTIFICATE----- …)');
    } finally {
      await conn.close();
    }
  });

  it('a certificate for another name is a hostname mismatch', async () => {
    const other = await MosquittoBroker.start({ tls: 'server', serverNames: ['DNS:broker.example.com'] });
    try {
      const result = await probeMqtt({ settings: testSettings(other.url), secure: { tlsCACert: other.certs!.ca } });
      expect(result.message).toBe(
        `Could not connect to ${other.url}: TLS: hostname mismatch: the broker's certificate is not valid for 127.0.0.1`,
      );
    } finally {
      await other.close();
    }
  });
});

describeWithMosquitto('mutual TLS', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await MosquittoBroker.start({ tls: 'mutual' });
  });
  afterAll(async () => broker?.close());

  it('connects with the client certificate', async () => {
    const certs = broker.certs!;
    const result = await probeMqtt({
      settings: testSettings(broker.url),
      secure: { tlsCACert: certs.ca, tlsClientCert: certs.clientCert, tlsClientKey: certs.clientKey },
    });
    expect(result.ok).toBe(true);
  });

  it('a client key that does not belong to the certificate is named before connecting', async () => {
    const certs = broker.certs!;
    const otherKey = (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const result = await probeMqtt({
      settings: testSettings(broker.url),
      secure: { tlsCACert: certs.ca, tlsClientCert: certs.clientCert, tlsClientKey: String(otherKey) },
    });
    expect(result).toEqual({ ok: false, message: `Could not connect to ${broker.url}: TLS: the client key does not match the client certificate` });
  });

  it('without a client certificate the error says one is required', async () => {
    const result = await probeMqtt({ settings: testSettings(broker.url), secure: { tlsCACert: broker.certs!.ca } });
    expect(result).toEqual({
      ok: false,
      message: `Could not connect to ${broker.url}: TLS: the broker requires a client certificate (set the client certificate and key)`,
    });
  });
});
