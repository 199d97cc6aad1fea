/** SseParser against the event-stream rules a server may rely on (line endings, fields, ids, limits). */
import { SseParser, type SseEvent } from './parser';

function parse(chunks: (string | Buffer)[], maxEventChars = 1_000) {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  let oversize = 0;
  const parser = new SseParser({ maxEventChars, onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms), onOversize: () => oversize++ });
  for (const chunk of chunks) parser.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return { events, retries, oversize, lastEventId: parser.lastEventId };
}

describe('SseParser', () => {
  it('reads events with LF, CRLF (also split across chunks) and CR line endings, multi-line data, comments and a bare `data` line', () => {
    const { events } = parse(['\uFEFFdata: one\n\n', ': a comment\r', '\ndata: two\r\ndata:  three\r', '\n\r\nevent: tick\rdata\r\r']);
    expect(events).toEqual([
      { type: 'message', data: 'one', lastEventId: '' },
      { type: 'message', data: 'two\n three', lastEventId: '' },
      { type: 'tick', data: '', lastEventId: '' },
    ]);
  });

  it('keeps the last id across events, ignores ids with NUL, and dispatches nothing for an event with no data', () => {
    const { events, lastEventId } = parse(['id: 7\ndata: a\n\n', 'data: b\n\n', 'id: 8\n\n', 'id: bad\0id\ndata: c\n\n']);
    expect(events).toEqual([
      { type: 'message', data: 'a', lastEventId: '7' },
      { type: 'message', data: 'b', lastEventId: '7' },
      { type: 'message', data: 'c', lastEventId: '8' },
    ]);
    expect(lastEventId).toBe('8');
  });

  it('takes retry only when it is all digits, and discards an unfinished event at the end', () => {
    const { events, retries } = parse(['retry: 1500\nretry: 2s\nretry\ndata: x\n\ndata: never dispatched\n']);
    expect(retries).toEqual([1500]);
    expect(events.map((e) => e.data)).toEqual(['x']);
  });

  it('decodes UTF-8 split inside a character', () => {
    const bytes = Buffer.from('data: température\n\n');
    const { events } = parse([bytes.subarray(0, 12), bytes.subarray(12)]);
    expect(events.map((e) => e.data)).toEqual(['température']);
  });

  it('drops an event over the limit (a long line or many data lines) without holding it, and goes on', () => {
    const long = 'x'.repeat(250);
    const { events, oversize, lastEventId } = parse(
      [`data: ${long}`, long, long, long, '\nid: 5\n\n', 'data: a\ndata: b\n', `data: ${long}\n`.repeat(5), '\n', 'data: after\n\n'],
      500,
    );
    expect(oversize).toBe(2);
    expect(events).toEqual([{ type: 'message', data: 'after', lastEventId: '5' }]);
    expect(lastEventId).toBe('5');
  });
});
