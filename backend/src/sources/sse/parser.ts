/**
 * The `text/event-stream` format as the WHATWG HTML standard defines it (§ server-sent events): lines
 * end with CRLF, LF or CR; `event`, `data`, `id` and `retry` fields; `:` comments; a blank line
 * dispatches the event; a leading BOM is skipped; an unfinished event at the end is discarded.
 *
 * Written by hand because the parsers on npm (eventsource-parser and others) buffer a line or an event
 * of any length: a server sending an endless line would grow memory without bound. Here a line or an
 * event longer than `maxEventChars` is skipped (counted through `onOversize`) and never held whole.
 */

export interface SseEvent {
  /** `event:` field, or `message`. */
  type: string;
  data: string;
  /** The last event id after this event (the stream's, kept across events that set none). */
  lastEventId: string;
}

export interface SseParserOptions {
  maxEventChars: number;
  onEvent(event: SseEvent): void;
  /** A valid `retry:` field, ms. */
  onRetry?(ms: number): void;
  /** An event (or a line) over the limit was skipped. */
  onOversize?(): void;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private line = '';
  private lineTooLong = false;
  private afterCR = false;
  private firstChunk = true;
  private data = '';
  private dataChars = 0;
  private eventType = '';
  private eventTooLong = false;
  /** The stream's last event id (carried into the next connection's Last-Event-ID). */
  lastEventId = '';
  private pendingId: string | undefined;

  constructor(private readonly options: SseParserOptions) {}

  feed(chunk: Buffer): void {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.firstChunk && text.length > 0) {
      this.firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // LF right after a CR is the second half of one CRLF, possibly split across chunks.
      if (c === 10 && this.afterCR && i === start) {
        this.afterCR = false;
        start = i + 1;
        continue;
      }
      this.append(text, start, i);
      this.endLine();
      this.afterCR = c === 13;
      start = i + 1;
    }
    if (start < text.length) {
      this.afterCR = false;
      this.append(text, start, text.length);
    }
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from || this.lineTooLong) return;
    if (this.line.length + (to - from) > this.options.maxEventChars) {
      this.lineTooLong = true;
      this.line = '';
      return;
    }
    this.line += text.slice(from, to);
  }

  private endLine(): void {
    const line = this.line;
    const tooLong = this.lineTooLong;
    this.line = '';
    this.lineTooLong = false;
    if (tooLong) {
      this.eventTooLong = true;
      return;
    }
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        if (this.eventTooLong) break;
        this.dataChars += value.length + 1;
        if (this.dataChars > this.options.maxEventChars) {
          this.eventTooLong = true;
          this.data = '';
        } else {
          this.data += `${value}\n`;
        }
        break;
      case 'id':
        if (!value.includes('\0')) this.pendingId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.options.onRetry?.(Number(value));
        break;
    }
  }

  private dispatch(): void {
    const tooLong = this.eventTooLong;
    const data = this.data;
    const type = this.eventType || 'message';
    const pendingId = this.pendingId;
    this.data = '';
    this.dataChars = 0;
    this.eventType = '';
    this.eventTooLong = false;
    this.pendingId = undefined;
    // Its id counts even when the event is skipped: a replay then starts after it, not with it again.
    if (pendingId !== undefined) this.lastEventId = pendingId;
    if (tooLong) {
      this.options.onOversize?.();
      return;
    }
    if (data === '') return;
    this.options.onEvent({ type, data: data.slice(0, -1), lastEventId: this.lastEventId });
  }
}
