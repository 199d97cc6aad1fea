/**
 * The ways Grafana starts this plugin, run the way Grafana runs them (go-plugin env only, first stdout
 * line = handshake, gRPC through that address, SIGKILL of the PID on stop):
 *   - the POSIX launcher (backend/launcher/gpx_tributary.sh, dist/gpx_tributary_darwin_* and any host
 *     with Node), under each available shell;
 *   - the self-contained executable dist/gpx_tributary_linux_<arch> (Node + bundle, no Node needed),
 *     whose sidecar lookup (backend/launcher/sidecar-lookup.ts) must behave like the launcher's.
 * Managed mode of the executable: executable.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  childPids,
  healthStatus,
  launcherFor,
  processCommand,
  processExecutable,
  processExists,
  requireBuiltBundle,
  requireBuiltExecutable,
  shellsUnderTest,
  startHealthSidecar,
  startPlugin,
  type RunningPlugin,
  type ShellUnderTest,
  type TestSidecar,
} from './harness';
import { assertHclogLine, grafanaPluginEnv, parseHandshake, removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

jest.setTimeout(30_000);

let pluginDir: string;
let launcher: string;
const running: RunningPlugin[] = [];
const sidecars: TestSidecar[] = [];

beforeAll(() => {
  pluginDir = tempDir('trl-');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-launcher.mjs'), '--out-dir', pluginDir]);
  launcher = launcherFor(pluginDir);
});

afterAll(() => removeTempDirs());

afterEach(async () => {
  for (const plugin of running.splice(0)) {
    if (processExists(plugin.pid)) plugin.child.kill('SIGKILL');
    await plugin.closed;
  }
  for (const sidecar of sidecars.splice(0)) await sidecar.close();
});

/** One way Grafana may start the plugin. */
interface LauncherUnderTest {
  name: string;
  shell: ShellUnderTest;
  file(): string;
  /** Checks what the PID became once it handed Grafana a sidecar's address. */
  expectIdle(pid: number): void;
}

function posixLauncher(shell: ShellUnderTest): LauncherUnderTest {
  return {
    name: `POSIX launcher under ${shell.name}`,
    shell,
    file: () => launcher,
    // It execs `sleep`, so Grafana's SIGKILL reaches the process holding the pipes.
    expectIdle: (pid) => expect(processCommand(pid)).toBe('sleep'),
  };
}

const selfContainedExecutable: LauncherUnderTest = {
  name: 'self-contained executable',
  shell: { name: 'direct exec', argv: [] },
  file: () => requireBuiltExecutable(),
  expectIdle: (pid) => expect(processExecutable(pid)).toBe(realpathSync(requireBuiltExecutable())),
};

const shells = shellsUnderTest();

function launchersUnderTest(): LauncherUnderTest[] {
  const posix = shells.map(posixLauncher);
  return process.platform === 'linux' ? [...posix, selfContainedExecutable] : posix;
}

function start(way: LauncherUnderTest, env: Record<string, string>): RunningPlugin {
  const plugin = startPlugin(way.shell, way.file(), env);
  running.push(plugin);
  return plugin;
}

async function sidecarOn(listen: { unix: string } | { tcpHost: string }): Promise<TestSidecar> {
  const sidecar = await startHealthSidecar(listen);
  sidecars.push(sidecar);
  return sidecar;
}

/** The launcher must be one process (exec'd into the blocking command, or itself) that dies with one SIGKILL. */
async function expectSingleProcessThatDiesOnKill(plugin: RunningPlugin, expectIdentity: (pid: number) => void): Promise<void> {
  expect(childPids(plugin.pid)).toEqual([]);
  expectIdentity(plugin.pid);
  process.kill(plugin.pid, 'SIGKILL');
  // 'close' fires only once every holder of the stdout/stderr pipes is gone: the same condition go-plugin
  // waits for before it reports the plugin as exited and restarts it.
  const { signal } = await plugin.closed;
  expect(signal).toBe('SIGKILL');
  expect(processExists(plugin.pid)).toBe(false);
}

function stderrLines(plugin: RunningPlugin): string[] {
  return plugin.stderr().split('\n').filter((line) => line !== '');
}

/** Runs the launcher to its exit and returns what it printed. */
async function runToExit(way: LauncherUnderTest, env: Record<string, string>) {
  const plugin = start(way, env);
  const { code } = await plugin.closed;
  return { code, stdout: plugin.stdout(), lines: stderrLines(plugin) };
}

/** A PATH directory with the tools the launcher uses, and no node. */
function toolsOnlyPath(): string {
  const bin = tempDir('trn-');
  for (const tool of ['date', 'cut', 'tr', 'sed', 'dirname', 'sleep']) {
    const found = execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

describe.each(launchersUnderTest())('$name', (way) => {
  it('points Grafana at a unix-socket sidecar from GF_PLUGIN_SIDECAR_ADDRESS and leaves one killable process', async () => {
    const dir = tempDir('trs-');
    const socket = path.join(dir, 'plugin.sock');
    const sidecar = await sidecarOn({ unix: socket });
    const plugin = start(way, grafanaPluginEnv({ GF_PLUGIN_SIDECAR_ADDRESS: `unix:${socket}` }));

    const line = await plugin.firstLine;
    expect(line).toBe(`1|2|unix|${socket}|grpc`);
    const handshake = parseHandshake(line);
    expect(await healthStatus(handshake)).toBe('SERVING');
    expect(sidecar.checks).toBe(1);
    // Nothing but the handshake on stdout; stderr is hclog JSON that Grafana files under plugin.<id>.
    expect(plugin.stdout()).toBe(`${line}\n`);
    const logs = stderrLines(plugin).map(assertHclogLine);
    expect(logs.some((l) => l.level === 'info' && l.message.includes(`unix:${socket}`))).toBe(true);

    await expectSingleProcessThatDiesOnKill(plugin, way.expectIdle);
  });

  it('points Grafana at a TCP sidecar from TRIBUTARY_SIDECAR_ADDRESS', async () => {
    const sidecar = await sidecarOn({ tcpHost: '127.0.0.1' });
    const hostPort = sidecar.address.slice('tcp:'.length);
    const plugin = start(way, grafanaPluginEnv({ TRIBUTARY_SIDECAR_ADDRESS: sidecar.address }));

    const line = await plugin.firstLine;
    expect(line).toBe(`1|2|tcp|${hostPort}|grpc`);
    expect(await healthStatus(parseHandshake(line))).toBe('SERVING');
    expect(sidecar.checks).toBe(1);
    await expectSingleProcessThatDiesOnKill(plugin, way.expectIdle);
  });

  it('prefers GF_PLUGIN_SIDECAR_ADDRESS (the ini key) over TRIBUTARY_SIDECAR_ADDRESS and the default socket', async () => {
    const sidecar = await sidecarOn({ tcpHost: '127.0.0.1' });
    const dir = tempDir('trp-');
    const decoy = await sidecarOn({ unix: path.join(dir, 'plugin.sock') });
    const plugin = start(
      way,
      grafanaPluginEnv({
        GF_PLUGIN_SIDECAR_ADDRESS: sidecar.address,
        TRIBUTARY_SIDECAR_ADDRESS: 'tcp:127.0.0.1:1',
        TRIBUTARY_DEFAULT_SOCKET: path.join(dir, 'plugin.sock'),
      }),
    );
    expect(await healthStatus(parseHandshake(await plugin.firstLine))).toBe('SERVING');
    expect([sidecar.checks, decoy.checks]).toEqual([1, 0]);
  });

  it('finds the default socket with zero configuration (the docker compose set-up)', async () => {
    const dir = tempDir('trd-');
    const socket = path.join(dir, 'plugin.sock');
    await sidecarOn({ unix: socket });
    const plugin = start(way, grafanaPluginEnv({ TRIBUTARY_DEFAULT_SOCKET: socket }));
    const line = await plugin.firstLine;
    expect(line).toBe(`1|2|unix|${socket}|grpc`);
    expect(await healthStatus(parseHandshake(line))).toBe('SERVING');
  });

  it('waits for a configured unix socket that appears after the launcher started', async () => {
    const dir = tempDir('trw-');
    const socket = path.join(dir, 'plugin.sock');
    const plugin = start(
      way,
      grafanaPluginEnv({ GF_PLUGIN_SIDECAR_ADDRESS: `unix:${socket}`, TRIBUTARY_SIDECAR_WAIT_SECONDS: '20' }),
    );
    await plugin.stderrIncludes('waiting up to 20 s');
    expect(plugin.stdout()).toBe('');
    await sidecarOn({ unix: socket });
    const line = await plugin.firstLine;
    expect(line).toBe(`1|2|unix|${socket}|grpc`);
    expect(await healthStatus(parseHandshake(line))).toBe('SERVING');
  });

  it('gives up on a socket that never appears, with one clear error and no handshake', async () => {
    const socket = path.join(tempDir('trt-'), 'never.sock');
    const result = await runToExit(
      way,
      grafanaPluginEnv({ GF_PLUGIN_SIDECAR_ADDRESS: `unix:${socket}`, TRIBUTARY_SIDECAR_WAIT_SECONDS: '1' }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const errors = result.lines.map(assertHclogLine).filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain(`sidecar socket ${socket} (from GF_PLUGIN_SIDECAR_ADDRESS) did not appear within 1 s`);
  });

  it('never waits longer than 30 s, whatever is configured (Grafana gives up at 60 s)', async () => {
    const socket = path.join(tempDir('trc-'), 'later.sock');
    const plugin = start(
      way,
      grafanaPluginEnv({ TRIBUTARY_SIDECAR_ADDRESS: `unix:${socket}`, TRIBUTARY_SIDECAR_WAIT_SECONDS: '999' }),
    );
    await plugin.stderrIncludes('waiting up to 30 s');
  });

  it.each([
    ['http://backend:50051', 'must start with unix: or tcp:'],
    ['tcp:backend', 'must look like tcp:HOST:PORT'],
    ['tcp:backend:70000', 'must look like tcp:HOST:PORT'],
    ['unix:relative.sock', 'must be an absolute socket path'],
  ])('rejects the malformed address %s with one clear error', async (address, message) => {
    const result = await runToExit(way, grafanaPluginEnv({ GF_PLUGIN_SIDECAR_ADDRESS: address }));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.lines).toHaveLength(1);
    const entry = assertHclogLine(result.lines[0]);
    expect(entry.level).toBe('error');
    expect(entry.message).toContain(message);
  });
});

describe.each(shells)('POSIX launcher under $name with no sidecar', (shell) => {
  const way = posixLauncher(shell);
  const noDefaultSocket = { TRIBUTARY_DEFAULT_SOCKET: '/nonexistent-tributary-dir/plugin.sock' };

  it('execs node from TRIBUTARY_NODE on the bundled backend (managed mode)', async () => {
    const bundle = requireBuiltBundle();
    mkdirSync(path.join(pluginDir, 'backend'), { recursive: true });
    copyFileSync(bundle, path.join(pluginDir, 'backend', 'main.js'));
    const work = tempDir('trm-');
    // A node wrapper proves the override is used; it execs, so the PID stays the launcher's.
    const wrapper = path.join(work, 'my-node');
    const marker = path.join(work, 'used');
    writeFileSync(wrapper, `#!/bin/sh\necho "$@" > '${marker}'\nexec '${process.execPath}' "$@"\n`);
    chmodSync(wrapper, 0o755);

    const plugin = start(
      way,
      grafanaPluginEnv({ ...noDefaultSocket, TRIBUTARY_NODE: wrapper, PLUGIN_UNIX_SOCKET_DIR: work }),
    );
    const handshake = parseHandshake(await plugin.firstLine);
    expect(handshake.network).toBe('unix');
    expect(path.dirname(handshake.address)).toBe(work);
    // The fake node records its arguments: the bundle, no Node flags (they would cost start-up time).
    expect(readFileSync(marker, 'utf8').trim()).toBe(path.join(pluginDir, 'backend', 'main.js'));
    expect(await healthStatus(handshake)).toBe('SERVING');
    await expectSingleProcessThatDiesOnKill(plugin, (pid) => expect(processCommand(pid)).toBe('node'));
  });

  it('finds node on PATH when TRIBUTARY_NODE is not set', async () => {
    const bundle = requireBuiltBundle();
    mkdirSync(path.join(pluginDir, 'backend'), { recursive: true });
    copyFileSync(bundle, path.join(pluginDir, 'backend', 'main.js'));
    const bin = toolsOnlyPath();
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const work = tempDir('trq-');
    const plugin = start(way, grafanaPluginEnv({ ...noDefaultSocket, PATH: bin, PLUGIN_UNIX_SOCKET_DIR: work }));
    const handshake = parseHandshake(await plugin.firstLine);
    expect(path.dirname(handshake.address)).toBe(work);
    expect(await healthStatus(handshake)).toBe('SERVING');
    await expectSingleProcessThatDiesOnKill(plugin, (pid) => expect(processCommand(pid)).toBe('node'));
  });

  it('fails with one clear line when there is no node either', async () => {
    const bin = toolsOnlyPath();
    const result = await runToExit(way, grafanaPluginEnv({ ...noDefaultSocket, PATH: bin }));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.lines).toHaveLength(1);
    const entry = assertHclogLine(result.lines[0]);
    expect(entry.level).toBe('error');
    expect(entry.message).toMatch(/no Tributary sidecar .* and no node for managed mode/);
  });

  it('fails clearly when TRIBUTARY_NODE is not an executable', async () => {
    const result = await runToExit(
      way,
      grafanaPluginEnv({ ...noDefaultSocket, TRIBUTARY_NODE: '/nonexistent/bin/node' }),
    );
    expect(result.code).not.toBe(0);
    expect(result.lines).toHaveLength(1);
    expect(assertHclogLine(result.lines[0]).message).toContain("'/nonexistent/bin/node'");
  });
});
