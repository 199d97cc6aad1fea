/**
 * `npm run package` (scripts/package.mjs) on the built dist/: Grafana's plugin archive layout (one top
 * folder named after the plugin id), every executable plugin.json implies with its run bits, no
 * development files, sane sizes, a matching .sha1; and the unpacked plugin starts as Grafana starts it.
 * Needs `npm run build`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { healthStatus, requireBuiltExecutable, startPlugin, stopChild, type RunningPlugin } from '../launcher/harness';
import { grafanaPluginEnv, parseHandshake, removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

jest.setTimeout(180_000);

const PACKAGE_SCRIPT = path.join(repoRoot, 'scripts', 'package.mjs');
const pluginJson = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8'));
const version: string = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
const TARGETS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];
const MiB = 1024 * 1024;

interface Entry {
  name: string;
  mode: number;
  size: number;
  compressedSize: number;
  /** The first bytes of the file (up to 64). */
  head: Buffer;
}

/** Every entry of a zip with its unix mode and first bytes, read with yauzl (not our packer). */
function readZip(file: string): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const entries: Entry[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        const base = { name: entry.fileName, mode: (entry.externalFileAttributes >>> 16) & 0o177777, size: entry.uncompressedSize, compressedSize: entry.compressedSize };
        if (entry.fileName.endsWith('/')) {
          entries.push({ ...base, head: Buffer.alloc(0) });
          return zip.readEntry();
        }
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr);
          const chunks: Buffer[] = [];
          let length = 0;
          stream.on('data', (chunk: Buffer) => {
            if (length < 64) chunks.push(chunk);
            length += chunk.length;
          });
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ ...base, head: Buffer.concat(chunks).subarray(0, 64) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Unpacks a zip into `dir` as `unzip` would, keeping unix modes (as grafana cli does). */
function unpack(file: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = path.join(dir, entry.fileName);
        if (entry.fileName.endsWith('/')) {
          mkdirSync(target, { recursive: true });
          return zip.readEntry();
        }
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr);
          mkdirSync(path.dirname(target), { recursive: true });
          pipeline(stream, createWriteStream(target)).then(() => {
            chmodSync(target, (entry.externalFileAttributes >>> 16) & 0o777);
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

let outDir: string;
let archive: string;
let entries: Entry[];
const top = `${pluginJson.id}/`;
const entry = (relative: string) => entries.find((e) => e.name === `${top}${relative}`);

beforeAll(async () => {
  requireBuiltExecutable('linux_amd64');
  outDir = tempDir('trpkg-');
  execFileSync(process.execPath, [PACKAGE_SCRIPT, '--out-dir', outDir], { stdio: 'pipe' });
  archive = path.join(outDir, `${pluginJson.id}-${version}.zip`);
  entries = await readZip(archive);
});

afterAll(() => removeTempDirs());

describe('the plugin archive', () => {
  it('is named <plugin id>-<version>.zip and holds one top folder named after the plugin id', () => {
    expect(pluginJson.id).toBe('tributary-streaming-datasource');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((e) => !e.name.startsWith(top))).toEqual([]);
    expect(entry('')?.mode).toBe(0o40755);
  });

  it('carries a plugin.json with the release version (not the source placeholder)', () => {
    const manifest = entry('plugin.json');
    expect(manifest).toBeDefined();
    const dist = JSON.parse(readFileSync(path.join(repoRoot, 'dist', 'plugin.json'), 'utf8'));
    expect(dist.info.version).toBe(version);
    expect(dist.id).toBe(pluginJson.id);
    expect(dist.executable).toBe(pluginJson.executable);
  });

  it.each(TARGETS)('has %s, the file Grafana starts on that platform, with run bits', (target) => {
    const file = entry(`${pluginJson.executable}_${target}`);
    expect(file).toBeDefined();
    expect(file!.mode).toBe(0o100755);
  });

  it.each([
    ['linux_amd64', EM_X86_64],
    ['linux_arm64', EM_AARCH64],
  ])('ships %s as the self-contained executable for that CPU, of a sane size', (target, machine) => {
    const file = entry(`${pluginJson.executable}_${target}`)!;
    expect(file.head.subarray(0, 4).equals(ELF)).toBe(true);
    expect(file.head.readUInt16LE(18)).toBe(machine);
    expect(file.size).toBeGreaterThan(60 * MiB); // Node itself is most of it
    expect(file.size).toBeLessThan(200 * MiB);
  });

  it('ships the POSIX launcher for darwin (it needs Node on the Mac) and the bundle it runs', () => {
    for (const target of ['darwin_amd64', 'darwin_arm64']) {
      expect(entry(`${pluginJson.executable}_${target}`)!.head.toString('utf8', 0, 9)).toBe('#!/bin/sh');
    }
    const bundle = entry('backend/main.js')!;
    expect(bundle.mode).toBe(0o100644);
    expect(bundle.size).toBeGreaterThan(100 * 1024);
    expect(bundle.size).toBeLessThan(5 * MiB);
  });

  it('has the frontend Grafana loads: module.js, its source map (the plugin validator wants one) and the logo', () => {
    for (const file of ['module.js', 'module.js.map', 'img/logo.svg', 'README.md', 'LICENSE']) {
      expect(entry(file)).toBeDefined();
      expect(entry(file)!.mode).toBe(0o100644);
    }
  });

  it('has no development files, no signing manifest of another build, and no files outside dist/', () => {
    const names = entries.map((e) => e.name.slice(top.length));
    const development = names.filter((n) => /(^|\/)(\.|node_modules\/)|\.(tsx?|log|partial)$|\.test\.|(^|\/)(src|tests?|coverage)\//.test(n));
    expect(development).toEqual([]);
    expect(names).not.toContain('MANIFEST.txt');
    expect(names.filter((n) => n !== '' && !n.endsWith('/')).sort()).toEqual(
      execFileSync('find', ['.', '-type', 'f', '!', '-name', '.*'], { cwd: path.join(repoRoot, 'dist'), encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((f) => f.slice(2))
        .filter((f) => !/\.(tsx?|log|partial)$/.test(f))
        .sort(),
    );
  });

  it('is of a sane size (both Linux executables compressed) with a .sha1 that matches', () => {
    const bytes = readFileSync(archive);
    expect(bytes.length).toBeGreaterThan(40 * MiB);
    expect(bytes.length).toBeLessThan(150 * MiB);
    expect(readFileSync(`${archive}.sha1`, 'utf8')).toBe(`${createHash('sha1').update(bytes).digest('hex')}\n`);
  });
});

describe('installing the archive', () => {
  let plugin: RunningPlugin | undefined;
  afterAll(() => stopChild(plugin?.child, 'SIGKILL'));

  it('unpacked into a plugins folder, the executable Grafana finds starts in managed mode and serves', async () => {
    const plugins = tempDir('trpl-');
    await unpack(archive, plugins);
    const executable = path.join(plugins, pluginJson.id, `${pluginJson.executable}_linux_amd64`);
    const socketDir = tempDir('trps-');
    plugin = startPlugin(
      { name: 'direct exec', argv: [] },
      executable,
      grafanaPluginEnv({ TRIBUTARY_DEFAULT_SOCKET: path.join(socketDir, 'absent', 'plugin.sock'), PLUGIN_UNIX_SOCKET_DIR: socketDir }),
    );
    expect(await healthStatus(parseHandshake(await plugin.firstLine))).toBe('SERVING');
  });
});

describe('a one-platform archive (--platform)', () => {
  it('is named <plugin id>-<version>.<platform>.zip and leaves out the other platforms\' executables', async () => {
    execFileSync(process.execPath, [PACKAGE_SCRIPT, '--out-dir', outDir, '--platform', 'darwin_arm64'], { stdio: 'pipe' });
    const names = (await readZip(path.join(outDir, `${pluginJson.id}-${version}.darwin_arm64.zip`))).map((e) => e.name.slice(top.length));
    expect(names.filter((n) => n.startsWith(`${pluginJson.executable}_`))).toEqual([`${pluginJson.executable}_darwin_arm64`]);
    expect(names).toEqual(expect.arrayContaining(['plugin.json', 'module.js', 'backend/main.js']));
  });
});

describe('package.mjs refuses an incomplete build', () => {
  it('names the POSIX launcher where the self-contained executable should be', () => {
    const dist = tempDir('trpd-');
    for (const file of ['plugin.json', 'module.js']) copyFileSync(path.join(repoRoot, 'dist', file), path.join(dist, file));
    mkdirSync(path.join(dist, 'backend'));
    copyFileSync(path.join(repoRoot, 'dist', 'backend', 'main.js'), path.join(dist, 'backend', 'main.js'));
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-launcher.mjs'), '--out-dir', dist], { stdio: 'pipe' });
    const run = spawnSync(process.execPath, [PACKAGE_SCRIPT, '--dist', dist, '--out-dir', dist], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${pluginJson.executable}_linux_amd64 is the POSIX launcher, not the self-contained executable`);
    expect(run.stderr).toContain('run npm run build first');
  });
});
