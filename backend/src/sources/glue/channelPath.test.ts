import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasourcePathBudget, formatChannel, parseChannel } from '@tributary/grafana-backend-sdk/live';
import { encodeMessageChannelPath, hashOf, parseMessageChannelPath } from './channelPath';
import { ChannelStore } from './channelStore';
import { streamKeyText, type StreamQueryKey } from './streamKey';

const uid = 'a'.repeat(40); // the longest uid Grafana generates leaves the smallest budget
const budget = datasourcePathBudget(uid);
/** Topic text that does not compress (deterministic). */
function noise(length: number): string {
  let state = 7;
  let text = '';
  while (text.length < length) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += 'abcdefghijklmnopqrstuvwxyz0123456789/_-'[state % 39];
  }
  return text;
}
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'trib-chan-'));

function roundTrip(key: StreamQueryKey, store: ChannelStore, seq = 41) {
  const p = encodeMessageChannelPath(key, { epoch: 'abc123', seq, fromMs: 1_700_000_000_000 }, budget, store);
  const channel = formatChannel({ scope: 'ds', namespace: uid, path: p });
  expect(typeof channel).toBe('string'); // ≤ 160 characters, allowed characters only
  expect(parseChannel(channel as string)?.path).toBe(p);
  return { path: p, parsed: parseMessageChannelPath(p, store) };
}

describe('message channel paths', () => {
  it('a short query is self-contained and parses back to the same query and position', () => {
    const store = new ChannelStore({ dir: tmp() });
    const key = { topic: 'sensors/+/temperature', alias: 'T {{device}}', mapping: { format: 'json' as const, timeSource: 'arrival' as const } };
    const { path: p, parsed } = roundTrip(key, store);
    expect(p).toMatch(/^m1\/p=abc123\.15\.loyw3v28\/[jz]=/);
    expect(parsed).toMatchObject({ status: 'ok', key: { ...key, mapping: undefined } /* all defaults: left out */, position: { epoch: 'abc123', seq: 41, fromMs: 1_700_000_000_000 }, hashed: false });
    expect(store.size).toBe(0);
  });

  it('a long but repetitive topic still fits compressed, so it needs no store', () => {
    const store = new ChannelStore({ dir: tmp() });
    const { path: p, parsed } = roundTrip({ topic: 'x/'.repeat(150), alias: '' }, store);
    expect(p).toMatch(/\/[jz]=/);
    expect(parsed).toMatchObject({ status: 'ok', key: { topic: 'x/'.repeat(150) } });
  });

  it.each([
    ['a 300-character topic', noise(300)],
    ['unusual characters', `üñí/çødé/ /${noise(80)}/#`.padEnd(200, '€')],
    ['the longest topic MQTT allows', noise(65_535)],
  ])('%s gets a hashed path within Grafana rules that a new process resolves from disk', (_name, topic) => {
    const dir = tmp();
    const key = { topic, alias: '' };
    const { path: p, parsed } = roundTrip(key, new ChannelStore({ dir }));
    expect(p).toMatch(/^m1\/p=abc123\.15\.loyw3v28\/h=[A-Za-z0-9_-]{22}$/);
    expect(parsed).toMatchObject({ status: 'ok', key, hashed: true });
    // "Sidecar restart": a fresh store reading the same directory.
    expect(parseMessageChannelPath(p, new ChannelStore({ dir }))).toMatchObject({ status: 'ok', key });
  });

  it('equal queries give equal paths whatever the key order of the mapping', () => {
    const store = new ChannelStore({ dir: tmp() });
    const a = encodeMessageChannelPath({ topic: 't', alias: '', mapping: { format: 'json', timeSource: 'payload', timeField: 'ts' } }, { epoch: 'e', seq: 1, fromMs: 0 }, budget, store);
    const b = encodeMessageChannelPath({ topic: 't', alias: '', mapping: { timeField: 'ts', timeSource: 'payload', format: 'json' } }, { epoch: 'e', seq: 1, fromMs: 0 }, budget, store);
    expect(a).toBe(b);
  });

  it('refuses what it did not write, and a hash nobody recorded, with a reason', () => {
    const store = new ChannelStore({ dir: tmp() });
    for (const bad of ['v1/sine/n=1', 'm1/p=e.1.0', 'm1/p=E.1.0/z=AAAA', 'm1/p=e.1/z=AAAA', 'm1/p=e.1.0/q=x', 'm1/p=e.1.0/z=!!', `m1/p=e.1.0/h=${'A'.repeat(22)}`, 'm1/p=e.1.0/z=AAAA', 42]) {
      const parsed = parseMessageChannelPath(bad, store);
      expect(parsed.status).toBe('notFound');
    }
    expect(parseMessageChannelPath(`m1/p=e.1.0/h=${'A'.repeat(22)}`, store)).toMatchObject({ reason: expect.stringMatching(/reload the dashboard/) });
  });

  it('a store whose file was tampered with does not resolve a hash to another query', () => {
    const dir = tmp();
    const store = new ChannelStore({ dir });
    const p = encodeMessageChannelPath({ topic: noise(300), alias: '' }, { epoch: 'e', seq: 0, fromMs: 0 }, budget, store);
    const file = path.join(dir, 'channel-queries-v1.jsonl');
    const hash = p.split('h=')[1];
    writeFileSync(file, `${JSON.stringify({ h: hash, q: streamKeyText({ topic: 'other', alias: '' }) })}\n`);
    expect(parseMessageChannelPath(p, new ChannelStore({ dir }))).toMatchObject({ status: 'notFound', reason: expect.stringMatching(/does not match/) });
  });
});

describe('ChannelStore', () => {
  it('stays bounded: memory keeps the newest entries and the file is compacted', () => {
    const dir = tmp();
    const store = new ChannelStore({ dir, maxEntries: 10 });
    for (let i = 0; i < 35; i++) {
      store.put(hashOf(`q${i}`), `q${i}`);
    }
    expect(store.size).toBe(10);
    const lines = readFileSync(path.join(dir, 'channel-queries-v1.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
    const reopened = new ChannelStore({ dir, maxEntries: 10 });
    expect(reopened.get(hashOf('q34'))).toBe('q34');
    expect(reopened.get(hashOf('q0'))).toBeUndefined();
  });

  it('works in memory when the state directory cannot be written, and says so', () => {
    const file = path.join(tmp(), 'a-file');
    writeFileSync(file, '');
    const warnings: string[] = [];
    const store = new ChannelStore({ dir: path.join(file, 'sub'), warn: (message) => warnings.push(message) });
    store.put('h', 'q');
    expect(store.get('h')).toBe('q');
    expect(warnings).toEqual([expect.stringMatching(/will not survive a restart/)]);
  });

  it('sees entries another process appended after it loaded', () => {
    const dir = tmp();
    const reader = new ChannelStore({ dir });
    new ChannelStore({ dir }).put(hashOf('late'), 'late');
    expect(reader.get(hashOf('late'))).toBe('late');
  });
});
