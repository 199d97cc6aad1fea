#!/usr/bin/env node
// `npm run package`: the built dist/ as Grafana's plugin archive,
//   <plugin id>-<version>.zip        one top folder named after the plugin id, holding dist/'s files
//                                    (executables keep their run bits in the zip's unix modes)
//   <plugin id>-<version>.zip.sha1   its SHA-1 as bare hex, as Grafana's plugin publishing asks for it
// or, with --platform linux_amd64 (etc.), <plugin id>-<version>.<platform>.zip with only that
// platform's executable (Grafana's per-platform archive name), about half the size;
// ready for `grafana cli --pluginUrl <zip> plugins install <id>` or unpacking into the plugins folder.
// Unsigned: no MANIFEST.txt is written (signing would add one to dist/ before packaging).
// Entries are sorted and get one timestamp (SOURCE_DATE_EPOCH when set), so the same dist/ gives the
// same zip.
//
// Usage: node scripts/package.mjs [--dist DIR] [--out-dir DIR] [--platform OS_ARCH]
//        (defaults: dist, the repository root, every platform)
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Every os/arch Grafana may start: the self-contained executables (linux) and the POSIX launcher (darwin). */
export const EXECUTABLE_TARGETS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];
const SELF_CONTAINED = new Set(['linux_amd64', 'linux_arm64']);
/** Files that may sit in dist/ during development but never belong in a release. */
const DEVELOPMENT_FILE = /(^|\/)(\.[^/]*|node_modules|.*\.(ts|tsx|partial|log)|.*\.test\.[^/]*)(\/|$)/;

function parseArgs(argv) {
  const options = { dist: path.join(repoRoot, 'dist'), outDir: repoRoot, platform: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!['--dist', '--out-dir', '--platform'].includes(flag)) {
      throw new Error(`unknown argument ${flag}; usage: package.mjs [--dist DIR] [--out-dir DIR] [--platform ${EXECUTABLE_TARGETS.join('|')}]`);
    }
    if (!value) throw new Error(`${flag} needs a value`);
    if (flag === '--platform') {
      if (!EXECUTABLE_TARGETS.includes(value)) throw new Error(`--platform ${value}: expected one of ${EXECUTABLE_TARGETS.join(', ')}`);
      options.platform = value;
    } else options[flag === '--dist' ? 'dist' : 'outDir'] = path.resolve(value);
  }
  return options;
}

function isElf(file) {
  const head = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
}

/** The built plugin.json, after checking dist/ holds a complete production build. */
function checkedManifest(dist) {
  const manifestFile = path.join(dist, 'plugin.json');
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} is missing: run npm run build first`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const version = manifest.info?.version;
  if (!version || version.includes('%')) throw new Error(`${manifestFile} has no release version (${version}): run npm run build first`);
  const problems = [];
  for (const file of ['module.js', path.join('backend', 'main.js')]) {
    if (!existsSync(path.join(dist, file))) problems.push(`${file} is missing`);
  }
  for (const target of EXECUTABLE_TARGETS) {
    const file = path.join(dist, `${manifest.executable}_${target}`);
    if (!existsSync(file)) problems.push(`${path.basename(file)} is missing`);
    else if ((statSync(file).mode & 0o111) !== 0o111) problems.push(`${path.basename(file)} is not executable`);
    else if (SELF_CONTAINED.has(target) && !isElf(file)) problems.push(`${path.basename(file)} is the POSIX launcher, not the self-contained executable (npm run build:executables)`);
  }
  if (problems.length) throw new Error(`${dist} is not a complete build: ${problems.join('; ')}; run npm run build first`);
  return manifest;
}

/** dist/'s files, relative and sorted, without development files. */
function releaseFiles(dist, dir = '') {
  const files = [];
  for (const entry of readdirSync(path.join(dist, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (DEVELOPMENT_FILE.test(relative)) continue;
    if (entry.isDirectory()) files.push(...releaseFiles(dist, relative));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

/** For a one-platform archive: every file but the other platforms' executables. */
function forPlatform(files, executable, platform) {
  if (!platform) return files;
  const others = new Set(EXECUTABLE_TARGETS.filter((t) => t !== platform).map((t) => `${executable}_${t}`));
  return files.filter((file) => !others.has(file));
}

async function sha1(file) {
  const hash = createHash('sha1');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function main() {
  const { dist, outDir, platform } = parseArgs(process.argv.slice(2));
  const manifest = checkedManifest(dist);
  const top = manifest.id;
  mkdirSync(outDir, { recursive: true });
  const archive = path.join(outDir, `${top}-${manifest.info.version}${platform ? `.${platform}` : ''}.zip`);
  const mtime = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date();

  const zip = new yazl.ZipFile();
  const directories = new Set();
  for (const relative of forPlatform(releaseFiles(dist), manifest.executable, platform)) {
    // Parent folders first, as `zip -r` writes them (some unpackers create folders only from these entries).
    const parts = relative.split('/');
    for (let i = 0; i < parts.length; i++) {
      const folder = [top, ...parts.slice(0, i)].join('/');
      if (!directories.has(folder)) {
        directories.add(folder);
        zip.addEmptyDirectory(folder, { mtime, mode: 0o40755 });
      }
    }
    // Run bits kept exactly where the file has them (executables 0755), everything else 0644.
    const mode = statSync(path.join(dist, relative)).mode & 0o111 ? 0o100755 : 0o100644;
    zip.addFile(path.join(dist, relative), `${top}/${relative}`, { mtime, mode });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(archive));
  const digest = await sha1(archive);
  writeFileSync(`${archive}.sha1`, `${digest}\n`);
  const mib = (statSync(archive).size / 1024 / 1024).toFixed(1);
  console.log(`package: ${path.relative(process.cwd(), archive) || archive} (${mib} MiB, sha1 ${digest})`);
}

try {
  await main();
} catch (err) {
  console.error(`package: ${err.message}`);
  process.exit(1);
}
