/**
 * A real Mosquitto broker for tests: on loopback, on a free port, with a generated config (plain,
 * username/password, TLS with a CA and server certificate made by openssl, mutual TLS, with or without
 * persistence). Stopped by PID only; restartable on the same port (broker-restart tests).
 * Needs the `mosquitto`, `mosquitto_passwd` and `openssl` commands (.ci/run installs them).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeTlsTestMaterial } from './certificates';

export interface MosquittoOptions {
  /** Require this login (anonymous clients refused). */
  auth?: { username: string; password: string };
  /** `server`: TLS listener; `mutual`: TLS and every client must present a certificate signed by the test CA. */
  tls?: 'server' | 'mutual';
  /** Names in the server certificate (default: DNS:localhost and IP:127.0.0.1). */
  serverNames?: string[];
  /** Keep sessions and retained messages across restarts (persistence file in the broker's dir). */
  persistence?: boolean;
  /**
   * Only these subscribe patterns are allowed (for anonymous clients), any other SUBSCRIBE gets
   * SUBACK 0x80: Mosquitto's dynamic security plugin (its plain acl_file never refuses a SUBSCRIBE).
   */
  subscribeAllowed?: string[];
  /** Extra mosquitto.conf lines. */
  extraConfig?: string[];
}

/** PEM texts made for a TLS broker. */
export interface TestCertificates {
  ca: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing the broker uses (the "wrong CA" case). */
  otherCa: string;
}

const HOST = '127.0.0.1';

/** Whether the broker can run here (tests skip with a clear line otherwise). */
export function mosquittoAvailable(): boolean {
  return ['mosquitto', 'mosquitto_passwd', 'openssl'].every((command) => commandExists(command));
}

function commandExists(command: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  if (found.status === 0) return true;
  return existsSync(path.join('/usr/sbin', command));
}

function mosquittoBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : '/usr/sbin/mosquitto';
}

export class MosquittoBroker {
  readonly host = HOST;
  readonly dir: string;
  readonly certs?: TestCertificates;
  private process?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly options: MosquittoOptions,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'trib-mosq-'));
    if (options.tls) this.certs = makeCertificates(this.dir, options.serverNames ?? ['DNS:localhost', `IP:${HOST}`]);
    if (options.auth) {
      const passwd = path.join(this.dir, 'passwd');
      execFileSync('mosquitto_passwd', ['-b', '-c', passwd, options.auth.username, options.auth.password], { stdio: 'ignore' });
      chmodSync(passwd, 0o600);
    }
    if (options.subscribeAllowed) writeFileSync(path.join(this.dir, 'dynsec.json'), dynamicSecurity(options.subscribeAllowed));
    writeFileSync(this.configPath, this.config());
  }

  static async start(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
    const broker = new MosquittoBroker(await freePort(), options);
    try {
      await broker.start();
    } catch (error) {
      broker.removeDir();
      throw error;
    }
    return broker;
  }

  get url(): string {
    return `${this.options.tls ? 'mqtts' : 'mqtt'}://${HOST}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  private get configPath(): string {
    return path.join(this.dir, 'mosquitto.conf');
  }

  private get logPath(): string {
    return path.join(this.dir, 'mosquitto.log');
  }

  /** The broker's log so far (every packet: `log_type all`). */
  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  /** How many log lines contain `text` (e.g. `Received SUBSCRIBE from <client id>`). */
  countLog(text: string): number {
    return this.log().split('\n').filter((line) => line.includes(text)).length;
  }

  /** Starts the broker process (again, on the same port) and waits until it accepts TCP connections. */
  async start(): Promise<void> {
    if (this.process) throw new Error('mosquitto is already running');
    const child = spawn(mosquittoBinary(), ['-c', this.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void this.exited.then(() => {
      gone = true;
      if (this.process === child) this.process = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (gone) throw new Error(`mosquitto exited at start: ${stderr.trim()}\n${this.log().slice(-2000)}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`mosquitto did not listen on ${HOST}:${this.port} within 10 s: ${stderr.trim()}`);
      }
      await sleep(20);
    }
  }

  /** Stops the broker by its PID (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child?.pid) return;
    const exited = this.exited!;
    process.kill(child.pid, 'SIGTERM');
    const killer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    }, 5_000);
    await exited;
    clearTimeout(killer);
    this.process = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the broker and removes its directory. */
  async close(): Promise<void> {
    await this.stop();
    this.removeDir();
  }

  private removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private config(): string {
    const o = this.options;
    const lines = [
      `listener ${this.port} ${HOST}`,
      `allow_anonymous ${o.auth ? 'false' : 'true'}`,
      `persistence ${o.persistence ? 'true' : 'false'}`,
      `log_dest file ${this.logPath}`,
      'log_type all',
      'connection_messages true',
      'log_timestamp true',
      // Running as root, mosquitto would switch to its own user and lose access to our temp dir.
      `user ${os.userInfo().username}`,
    ];
    if (o.persistence) lines.push(`persistence_location ${this.dir}/`, 'autosave_interval 1');
    if (o.auth) lines.push(`password_file ${path.join(this.dir, 'passwd')}`);
    if (o.subscribeAllowed) {
      lines.push(`plugin ${dynamicSecurityPlugin()}`, `plugin_opt_config_file ${path.join(this.dir, 'dynsec.json')}`);
    }
    if (o.tls) {
      lines.push(
        `cafile ${path.join(this.dir, 'ca.crt')}`,
        `certfile ${path.join(this.dir, 'server.crt')}`,
        `keyfile ${path.join(this.dir, 'server.key')}`,
        `require_certificate ${o.tls === 'mutual' ? 'true' : 'false'}`,
      );
    }
    lines.push(...(o.extraConfig ?? []));
    return `${lines.join('\n')}\n`;
  }
}

/** The broker's TLS files (CA, server certificate and key) written into `dir`; the test material comes from certificates.ts. */
function makeCertificates(dir: string, serverNames: string[]): TestCertificates {
  const material = makeTlsTestMaterial(serverNames);
  writeFileSync(path.join(dir, 'ca.crt'), material.ca);
  writeFileSync(path.join(dir, 'server.crt'), material.serverCert);
  writeFileSync(path.join(dir, 'server.key'), material.serverKey);
  return { ca: material.ca, clientCert: material.clientCert, clientKey: material.clientKey, otherCa: material.otherCa };
}

function dynamicSecurity(subscribeAllowed: string[]): string {
  return JSON.stringify({
    defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: false, unsubscribe: true },
    clients: [],
    groups: [{ groupname: 'anonymous', roles: [{ rolename: 'reader' }], clients: [] }],
    roles: [
      {
        rolename: 'reader',
        acls: subscribeAllowed.map((topic) => ({ acltype: 'subscribePattern', topic, priority: 0, allow: true })),
      },
    ],
    anonymousGroup: 'anonymous',
  });
}

/** Debian ships the plugin with the mosquitto package, under the multiarch library directory. */
function dynamicSecurityPlugin(): string {
  const found = spawnSync('sh', ['-c', 'ls /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so 2>/dev/null'], {
    encoding: 'utf8',
  });
  const first = found.stdout.split('\n').find((line) => line.trim());
  if (!first) throw new Error('mosquitto_dynamic_security.so not found (it comes with Debian\'s mosquitto package)');
  return first.trim();
}

/** A port nobody listens on now (the OS picks it; released just before the broker binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `describe` when Mosquitto and openssl are installed; otherwise `describe.skip` after saying why. */
export function describeWithMosquitto(name: string, body: () => void): void {
  if (mosquittoAvailable()) {
    describe(name, body);
    return;
  }
  console.warn(`${name}: skipped, mosquitto/mosquitto_passwd/openssl not installed (apt-get install -y mosquitto mosquitto-clients openssl; .ci/run does it)`);
  describe.skip(name, body);
}
