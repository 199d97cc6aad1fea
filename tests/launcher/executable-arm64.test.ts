/**
 * The arm64 self-contained executable (dist/gpx_tributary_linux_arm64), run here under emulation with
 * Debian's qemu-user and the arm64 C libraries of its cross packages (.ci/run installs qemu-user,
 * libc6-arm64-cross and libstdc++6-arm64-cross): the handshake Grafana reads and one QueryData. On an
 * arm64 machine it runs natively. Emulated Node starts in seconds, so the time limits are generous.
 */
import { tableFromIPC } from 'apache-arrow';
import { execFileSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { queryData } from './grafana-calls';
import { NODE_RUNTIME, healthStatus, requireBuiltExecutable, startPlugin, stopChild, type RunningPlugin, type ShellUnderTest } from './harness';
import { grafanaPluginEnv, parseHandshake, removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

jest.setTimeout(180_000);

const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

function findQemu(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['qemu-aarch64', 'qemu-aarch64-static']) {
      try {
        accessSync(path.join(dir, name), constants.X_OK);
        return path.join(dir, name);
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

/** How to run an arm64 Linux program here, or why we cannot. */
function arm64Runner(): ShellUnderTest | string {
  if (process.platform === 'linux' && process.arch === 'arm64') return { name: 'native arm64', argv: [] };
  const qemu = findQemu();
  if (!qemu) return 'qemu-aarch64 not installed (apt-get install qemu-user)';
  if (!existsSync(path.join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) {
    return `no arm64 C library at ${ARM64_SYSROOT} (apt-get install libc6-arm64-cross libstdc++6-arm64-cross)`;
  }
  return { name: 'qemu-user', argv: [qemu, '-L', ARM64_SYSROOT] };
}

const runner = arm64Runner();
if (typeof runner === 'string') console.warn(`tests/launcher: arm64 executable test skipped: ${runner}`);
const describeArm64 = typeof runner === 'string' ? describe.skip : describe;

describeArm64('arm64 self-contained executable (linux_arm64)', () => {
  const arm64 = runner as ShellUnderTest;
  let plugin: RunningPlugin | undefined;

  afterAll(async () => {
    await stopChild(plugin?.child, 'SIGKILL');
    removeTempDirs();
  });

  it('is an arm64 ELF file with run bits', () => {
    const file = requireBuiltExecutable('linux_arm64');
    const header = Buffer.alloc(20);
    const fd = openSync(file, 'r');
    readSync(fd, header, 0, header.length, 0);
    closeSync(fd);
    expect(header.readUInt16LE(18)).toBe(183); // ELF e_machine: EM_AARCH64
    expect(statSync(file).mode & 0o111).toBe(0o111);
  });

  it('answers Grafana with a handshake and a QueryData in managed mode', async () => {
    const socketDir = tempDir('tra-');
    plugin = startPlugin(
      arm64,
      requireBuiltExecutable('linux_arm64'),
      grafanaPluginEnv({ TRIBUTARY_DEFAULT_SOCKET: path.join(socketDir, 'absent', 'plugin.sock'), PLUGIN_UNIX_SOCKET_DIR: socketDir }),
    );
    const handshake = parseHandshake(await plugin.firstLine);
    expect(path.dirname(handshake.address)).toBe(socketDir);
    expect(await healthStatus(handshake)).toBe('SERVING');
    const [answer] = await queryData(handshake, [{ refId: 'A', signal: 'square', seriesCount: 1, sampleIntervalMs: 1000 }]);
    expect([answer.status, answer.error]).toEqual([200, '']);
    expect(tableFromIPC(answer.frames[0]).numRows).toBeGreaterThan(0);
    expect(plugin.stderr()).toContain('"mode":"managed"');
  });

  it('the arm64 Node writes the same SEA blob as the one both executables carry (why one blob serves both)', () => {
    const built = path.join(repoRoot, '.build', 'sea');
    const config = JSON.parse(readFileSync(path.join(built, 'sea-config.json'), 'utf8'));
    const node = path.join(repoRoot, '.cache', 'node-runtime', NODE_RUNTIME.version, 'linux_arm64', 'node');
    if (!existsSync(node)) throw new Error(`${node} is missing: run npm run build:executables first`);
    const work = tempDir('tra-');
    const output = path.join(work, 'arm64.blob');
    const armConfig = path.join(work, 'sea-config.json');
    writeFileSync(armConfig, JSON.stringify({ ...config, output }));
    const [command, ...args] = [...arm64.argv, node, '--experimental-sea-config', armConfig];
    execFileSync(command, args, { stdio: 'pipe' });
    expect(readFileSync(output).equals(readFileSync(config.output))).toBe(true);
  });
});
