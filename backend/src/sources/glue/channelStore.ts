/**
 * Remembers the stream query behind every hashed channel path, on disk, so a stream whose path is only
 * a hash comes back after a sidecar restart without a page reload: Grafana calls RunStream again with
 * the same path and no query, and the new process reads the query from this file.
 *
 * The file is append-only JSON lines (`{"h":hash,"q":canonical query}`) in the state directory
 * (`TRIBUTARY_STATE_DIR`, default `<tmp>/tributary-state`), compacted to the newest `maxEntries` when it
 * holds twice that many. Only queries too long for a self-contained path are written, once per query.
 * If the directory cannot be written the store keeps working in memory (and says so once in the log);
 * hashed streams then need a page reload after a restart.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_MAX_ENTRIES = 10_000;
const FILE_NAME = 'channel-queries-v1.jsonl';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRIBUTARY_STATE_DIR || path.join(os.tmpdir(), 'tributary-state');
}

export interface ChannelStoreOptions {
  dir?: string;
  maxEntries?: number;
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

export class ChannelStore {
  /** Insertion order = age (Map keeps it); a re-used entry is moved to the end. */
  private readonly entries = new Map<string, string>();
  private readonly file: string | undefined;
  private readonly maxEntries: number;
  private linesInFile = 0;
  /** File size when last read or written by us: a miss re-reads the file only if it changed since. */
  private knownSize = -1;
  private writable: boolean;

  constructor(private readonly options: ChannelStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    const dir = options.dir ?? defaultStateDir();
    this.file = path.join(dir, FILE_NAME);
    this.writable = true;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.load();
    } catch (error) {
      this.disableDisk(error);
    }
  }

  get(hash: string): string | undefined {
    const text = this.entries.get(hash);
    if (text === undefined) {
      this.reloadIfChanged();
      return this.entries.get(hash);
    }
    return text;
  }

  /** Records `text` under `hash` (memory always, disk when possible). */
  put(hash: string, text: string): void {
    if (this.entries.get(hash) === text) {
      return;
    }
    this.remember(hash, text);
    if (!this.writable || this.file === undefined) {
      return;
    }
    try {
      appendFileSync(this.file, `${JSON.stringify({ h: hash, q: text })}\n`, { mode: 0o600 });
      this.linesInFile++;
      if (this.linesInFile > 2 * this.maxEntries) {
        this.compact();
      }
      this.knownSize = statSync(this.file).size;
    } catch (error) {
      this.disableDisk(error);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private remember(hash: string, text: string): void {
    this.entries.delete(hash);
    this.entries.set(hash, text);
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  private load(): void {
    let content: string;
    try {
      content = readFileSync(this.file!, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return;
      }
      throw error;
    }
    this.knownSize = Buffer.byteLength(content);
    const lines = content.split('\n');
    for (const line of lines) {
      if (line === '') {
        continue;
      }
      try {
        const { h, q } = JSON.parse(line) as { h?: unknown; q?: unknown };
        if (typeof h === 'string' && typeof q === 'string') {
          this.remember(h, q);
          this.linesInFile++;
        }
      } catch {
        // a torn last line after a crash: skip it, the rest is fine
      }
    }
  }

  /** Another process (or a previous life of this one) may have added entries since we loaded. */
  private reloadIfChanged(): void {
    if (!this.writable) {
      return;
    }
    try {
      if (statSync(this.file!).size === this.knownSize) {
        return;
      }
      this.linesInFile = 0;
      this.load();
    } catch {
      // keep what we have
    }
  }

  private compact(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body = [...this.entries].map(([h, q]) => `${JSON.stringify({ h, q })}\n`).join('');
    writeFileSync(tmp, body, { mode: 0o600 });
    renameSync(tmp, this.file!);
    this.linesInFile = this.entries.size;
  }

  private disableDisk(error: unknown): void {
    if (this.writable) {
      this.writable = false;
      this.options.warn?.('channel store: cannot use the state directory; hashed channel paths will not survive a restart', {
        file: this.file,
        error: String(error),
      });
    }
  }
}
