/**
 * docker-compose.yaml without Docker: valid against the Compose Specification schema (via dclint,
 * which bundles the official compose-spec JSON schema), and consistent with the repository: mounted
 * paths exist, the launcher's default socket is where the backend listens, provisioning points at
 * our plugin id and uid, the Dockerfile has what the services need.
 */
import { validate as validateDockerfile } from 'dockerfile-utils';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  COMPOSE_FILE,
  commandOf,
  environmentOf,
  hostPath,
  interpolate,
  isGrafana,
  loadCompose,
  mountsOf,
  repoRoot,
  type Service,
} from './compose-file';
import { removeTempDirs, tempDir } from '../support/goplugin';

afterAll(() => removeTempDirs());

const pluginId: string = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8')).id;
const compose = loadCompose();
const services = compose.services;
const grafanas = Object.entries(services).filter(([, s]) => isGrafana(s));
const PLUGIN_DIR = `/var/lib/grafana/plugins/${pluginId}`;
const SOCKET_DIR = '/run/tributary';

const DCLINT = path.join(repoRoot, 'node_modules', 'dclint', 'bin', 'dclint.cjs');
// Using `build` and `image` together is how one built image serves two services (plugin-files and
// backend); Compose allows it, dclint's opinion rule does not.
const DCLINT_DISABLED_RULES = ['no-build-and-image'];

function dclint(file: string): { code: number; output: string } {
  try {
    const output = execFileSync(
      process.execPath,
      [DCLINT, file, '--quiet', '--formatter', 'json', '--disable-rule', ...DCLINT_DISABLED_RULES],
      { encoding: 'utf8', stdio: 'pipe' },
    );
    return { code: 0, output };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

function launcherDefaultSocket(): string {
  const source = readFileSync(path.join(repoRoot, 'backend', 'launcher', 'gpx_tributary.sh'), 'utf8');
  const match = /^DEFAULT_SOCKET=\$\{TRIBUTARY_DEFAULT_SOCKET:-([^}]+)\}$/m.exec(source);
  if (!match) throw new Error('cannot find DEFAULT_SOCKET in the launcher');
  return match[1];
}

function listenPath(service: Service): string {
  const command = commandOf(service);
  const listen = command[command.indexOf('--listen') + 1];
  expect(listen).toMatch(/^unix:\//);
  return listen.slice('unix:'.length);
}

describe('compose file validity', () => {
  it('is valid for the Compose Specification schema and passes dclint', () => {
    const result = dclint(COMPOSE_FILE);
    expect(result.output).not.toContain('"rule"');
    expect(result.code).toBe(0);
  });

  it('the validator does reject an invalid compose file (so the check above means something)', () => {
    const dir = tempDir('trv-');
    const bad = path.join(dir, 'docker-compose.yaml');
    writeFileSync(bad, 'services:\n  backend:\n    image: node:24\n    restart: sometimes\n    helthcheck: {}\n');
    const result = dclint(bad);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('invalid-schema');
  });

  it('declares every named volume it mounts', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mount of mountsOf(service).filter((m) => m.type === 'volume')) {
        expect([name, Object.keys(compose.volumes ?? {})]).toEqual([name, expect.arrayContaining([mount.source])]);
      }
    }
  });

  it('mounts only paths that exist in the repository or are build outputs', () => {
    const dev = JSON.parse(
      execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'dev.mjs'), '--print-config'], { encoding: 'utf8' }),
    );
    // Created by a build (`npm run build` → dist/) or by `npm run dev` (its output and socket directories).
    const generated = new Set([hostPath('./dist'), dev.dist, dev.socketDir]);
    for (const [name, service] of Object.entries(services)) {
      for (const mount of mountsOf(service).filter((m) => m.type === 'bind')) {
        const host = hostPath(mount.source);
        expect([name, mount.source, generated.has(host) || existsSync(host)]).toEqual([name, mount.source, true]);
      }
    }
  });
});

describe('services', () => {
  it('runs stock Grafana 13.x by default, version pinned through GRAFANA_VERSION', () => {
    const raw = parse(readFileSync(COMPOSE_FILE, 'utf8'));
    expect(raw.services.grafana.image).toMatch(/^grafana\/grafana:\$\{GRAFANA_VERSION:-13\.\d+\.\d+\}$/);
    expect(loadCompose({ GRAFANA_VERSION: '12.4.0' }).services.grafana.image).toBe('grafana/grafana:12.4.0');
    expect(grafanas.map(([name]) => name)).toEqual(expect.arrayContaining(['grafana', 'grafana-dev', 'grafana-ha-1', 'grafana-ha-2']));
  });

  it('backend: the sidecar listens on the launcher default socket, publishes no port, has a healthcheck and restarts on failure', () => {
    const backend = services.backend;
    expect(listenPath(backend)).toBe(launcherDefaultSocket());
    expect(path.dirname(launcherDefaultSocket())).toBe(SOCKET_DIR);
    expect(backend.ports).toBeUndefined();
    expect(backend.expose).toBeUndefined();
    expect(backend.restart).toBe('on-failure');
    const test = backend.healthcheck!.test as string[];
    expect(test[0]).toBe('CMD');
    expect(test).toContain(`unix:${launcherDefaultSocket()}`);
    expect(mountsOf(backend)).toContainEqual({ type: 'volume', source: 'socket', target: SOCKET_DIR, readOnly: false });
  });

  it('backend healthcheck and command use files the build produces', () => {
    const out = tempDir('trh-');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-launcher.mjs'), '--out-dir', path.join(out, 'dist')]);
    const backend = services.backend;
    const healthScript = (backend.healthcheck!.test as string[]).find((part) => part.endsWith('.mjs'))!;
    expect(existsSync(path.join(out, healthScript))).toBe(true);
    // main.js comes from scripts/build-backend.mjs, whose default output is dist/backend/main.js.
    expect(commandOf(backend).slice(0, 3)).toEqual(['node', '--initial-heap-size=64', 'dist/backend/main.js']);
    expect(readFileSync(path.join(repoRoot, 'scripts', 'build-backend.mjs'), 'utf8')).toContain("'dist', 'backend', 'main.js'");
  });

  it.each(grafanas.map(([name]) => name))('%s: loads our unsigned plugin only, and shares the socket and provisioning', (name) => {
    const grafana = services[name];
    const env = environmentOf(grafana);
    expect(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(pluginId);
    const mounts = mountsOf(grafana);
    const byTarget = new Map(mounts.map((m) => [m.target, m]));
    expect(byTarget.get(SOCKET_DIR)).toBeDefined();
    expect(byTarget.get(PLUGIN_DIR)).toBeDefined();
    expect(byTarget.get('/etc/grafana/provisioning/datasources')?.source).toBe('./provisioning/datasources');
    expect(byTarget.get('/etc/grafana/provisioning/dashboards')?.source).toBe('./provisioning/dashboards');
    // Grafana >= 12.4 forwards none of its env to plugins: the launcher must not need any.
    expect(Object.keys(env).filter((k) => k.startsWith('GF_PLUGIN_SIDECAR') || k.startsWith('TRIBUTARY_'))).toEqual([]);
  });

  it('mosquitto: the official image pinned to a version, our config read-only, a healthcheck, no published port', () => {
    const raw = parse(readFileSync(COMPOSE_FILE, 'utf8'));
    expect(raw.services.mosquitto.image).toMatch(/^eclipse-mosquitto:\$\{MOSQUITTO_VERSION:-2\.\d+\.\d+\}$/);
    const broker = services.mosquitto;
    expect(broker.profiles).toBeUndefined();
    expect(mountsOf(broker)).toEqual([
      { type: 'bind', source: './docker/mosquitto.conf', target: '/mosquitto/config/mosquitto.conf', readOnly: true },
    ]);
    expect(broker.ports).toBeUndefined();
    const test = broker.healthcheck!.test as string[];
    expect(test.slice(0, 2)).toEqual(['CMD', 'mosquitto_sub']);
    expect(test).toContain('$SYS/broker/version');
    expect(broker.restart).toBe('unless-stopped');
  });

  it('publisher: runs the demo script from our backend image once the broker is healthy', () => {
    const publisher = services.publisher;
    expect(publisher.image).toBe(services.backend.image);
    expect(publisher.build).toEqual(services.backend.build);
    expect(publisher.working_dir).toBe('/opt/tributary');
    const command = commandOf(publisher);
    expect(command.slice(0, 2)).toEqual(['node', 'demo/publisher.js']);
    expect(command[command.indexOf('--url') + 1]).toBe('mqtt://mosquitto:1883');
    // The web demo on the compose network only: no port published to the host.
    expect(command[command.indexOf('--http-port') + 1]).toBe('8080');
    expect(publisher.depends_on).toEqual({ mosquitto: { condition: 'service_healthy' } });
    expect(publisher.profiles).toBeUndefined();
    expect(publisher.ports).toBeUndefined();
    // The publisher needs no socket or plugin volume.
    expect(mountsOf(publisher)).toEqual([]);
  });

  it('grants anonymous admin only in the dev profile', () => {
    for (const [name, service] of Object.entries(services)) {
      const env = environmentOf(service);
      if (env.GF_AUTH_ANONYMOUS_ENABLED === 'true') {
        expect([name, service.profiles]).toEqual([name, ['dev']]);
      }
    }
    expect(environmentOf(services['grafana-dev']).GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Admin');
  });

  it('default Grafana waits for a healthy backend and the installed plugin files', () => {
    expect(services.grafana.profiles).toBeUndefined();
    expect(services.grafana.depends_on).toEqual({
      'plugin-files': { condition: 'service_completed_successfully' },
      backend: { condition: 'service_healthy' },
    });
    expect(mountsOf(services.grafana)).toContainEqual({ type: 'volume', source: 'plugin', target: PLUGIN_DIR, readOnly: true });
  });

  it('plugin-files copies the image dist into the plugin volume and gives both volumes to uid 472 / gid 0', () => {
    const init = services['plugin-files'];
    const script = commandOf(init).join(' ');
    expect(init.user).toBe('0:0');
    expect(script).toContain('cp -R /opt/tributary/dist/. /plugin/');
    expect(script).toContain('chown -R 472:0 /plugin /run/tributary');
    expect(mountsOf(init)).toEqual(
      expect.arrayContaining([
        { type: 'volume', source: 'plugin', target: '/plugin', readOnly: false },
        { type: 'volume', source: 'socket', target: SOCKET_DIR, readOnly: false },
      ]),
    );
  });

  it('dev profile: Grafana loads the development build and the socket of npm run dev, never dist/', () => {
    const dev = services['grafana-dev'];
    const config = JSON.parse(
      execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'dev.mjs'), '--print-config'], { encoding: 'utf8' }),
    );
    const byTarget = new Map(mountsOf(dev).map((m) => [m.target, m]));
    expect(hostPath(byTarget.get(PLUGIN_DIR)!.source)).toBe(config.dist);
    expect(config.dist).not.toBe(path.join(repoRoot, 'dist'));
    expect(hostPath(byTarget.get(SOCKET_DIR)!.source)).toBe(config.socketDir);
    expect(path.basename(config.socket)).toBe(path.basename(launcherDefaultSocket()));
  });

  it('grafana-ha profile: two Grafanas with the Redis HA engine on the one backend', () => {
    const ha = grafanas.filter(([, s]) => s.profiles?.includes('grafana-ha'));
    expect(ha).toHaveLength(2);
    for (const [, service] of ha) {
      const env = environmentOf(service);
      expect(env.GF_LIVE_HA_ENGINE).toBe('redis');
      expect(env.GF_LIVE_HA_ENGINE_ADDRESS).toBe('redis:6379');
      expect((service.depends_on as Record<string, unknown>).backend).toEqual({ condition: 'service_healthy' });
    }
    expect(services.redis.profiles).toEqual(['grafana-ha']);
    expect(Object.entries(services).filter(([, s]) => s.command && commandOf(s).includes('--listen'))).toHaveLength(1);
  });
});

describe('Dockerfile and build context', () => {
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('is a valid Dockerfile (dockerfile-utils: instructions, flags, arguments)', () => {
    expect(validateDockerfile(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    // ...and that validator does flag mistakes:
    expect(validateDockerfile('FROM node AS a\nRUNN x\nCOPY --fromm=a /x /y\n').length).toBeGreaterThanOrEqual(2);
  });

  it('has the build target the services name', () => {
    for (const service of Object.values(services)) {
      if (!service.build) continue;
      expect(service.build.context).toBe('.');
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${service.build.target}$`, 'm'));
    }
  });

  it('builds the demo publisher outside dist/ (not part of the plugin) and ships it in the runtime image', () => {
    expect(dockerfile).toMatch(/^RUN node scripts\/build-demo\.mjs --outfile demo\/publisher\.js\b/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/demo \.\/demo$/m);
    expect(existsSync(path.join(repoRoot, 'scripts', 'build-demo.mjs'))).toBe(true);
  });

  it('builds with npm ci + npm run build, and the runtime image holds dist/ where plugin-files and backend expect it', () => {
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    expect(dockerfile).toMatch(/^WORKDIR \/opt\/tributary$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    expect(services.backend.working_dir).toBe('/opt/tributary');
    expect(dockerfile).toMatch(/^USER 472:0$/m);
  });

  it('keeps everything the build needs in the build context', () => {
    const needed = ['package.json', 'package-lock.json', 'src', 'backend', 'scripts', 'tsconfig.json'];
    for (const entry of needed) {
      expect(existsSync(path.join(repoRoot, entry))).toBe(true);
      expect(ignored).not.toContain(entry);
    }
    for (const excluded of ['node_modules', 'dist', '.git']) expect(ignored).toContain(excluded);
  });
});

describe('provisioning as Grafana sees it through the mounts', () => {
  const datasourceDoc = parse(readFileSync(path.join(repoRoot, 'provisioning', 'datasources', 'tributary.yaml'), 'utf8'));
  const tributary = datasourceDoc.datasources.find((d: { type: string }) => d.type === pluginId);
  const mqttDoc = parse(readFileSync(path.join(repoRoot, 'provisioning', 'datasources', 'mqtt.yaml'), 'utf8'));
  const mqttDatasource = mqttDoc.datasources.find((d: { type: string }) => d.type === pluginId);
  const webDoc = parse(readFileSync(path.join(repoRoot, 'provisioning', 'datasources', 'web.yaml'), 'utf8'));
  const webUids: string[] = webDoc.datasources.filter((d: { type: string }) => d.type === pluginId).map((d: { uid: string }) => d.uid);
  const provisionedUids = [tributary.uid, mqttDatasource.uid, ...webUids];
  const providerDoc = parse(readFileSync(path.join(repoRoot, 'provisioning', 'dashboards', 'tributary.yaml'), 'utf8'));

  /** Maps a path inside the default grafana container to the repository through its bind mounts. */
  function repoPathFor(containerPath: string): string {
    const mount = mountsOf(services.grafana)
      .filter((m) => m.type === 'bind' && (containerPath === m.target || containerPath.startsWith(`${m.target}/`)))
      .sort((a, b) => b.target.length - a.target.length)[0];
    if (!mount) throw new Error(`${containerPath} is not mounted into grafana`);
    return path.join(hostPath(mount.source), containerPath.slice(mount.target.length));
  }

  it('provisions a datasource whose type is the plugin id', () => {
    expect(tributary).toBeDefined();
    expect(tributary.type).toBe(pluginId);
  });

  it('dashboard provider points at a mounted folder holding dashboards that use a provisioned uid', () => {
    const folder = repoPathFor(providerDoc.providers[0].options.path);
    const files = readdirSync(folder).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['tributary-overview.json', 'tributary-mqtt-demo.json', 'tributary-web-demo.json']));
    for (const file of files) {
      const text = readFileSync(path.join(folder, file), 'utf8');
      const refs = [...text.matchAll(/"datasource":\s*(\{[^}]*\})/g)].map((m) => JSON.parse(m[1]));
      expect(refs.length).toBeGreaterThan(0);
      // One datasource per dashboard (the signals one, or the MQTT demo one), except the web demo: one per row.
      const uids = new Set(refs.map((ref) => ref.uid));
      expect([file, uids.size]).toEqual([file, file === 'tributary-web-demo.json' ? webUids.length : 1]);
      for (const ref of refs) expect(provisionedUids).toContain(ref.uid);
      for (const ref of refs) expect(ref.type).toBe(pluginId);
    }
  });

  it('the MQTT demo datasource reaches the compose broker by its service name and port', () => {
    const url = new URL(mqttDatasource.jsonData.mqtt.url);
    expect(services[url.hostname]).toBeDefined();
    expect(url.port).toBe('1883');
    expect(readFileSync(path.join(repoRoot, 'docker', 'mosquitto.conf'), 'utf8')).toMatch(/^listener 1883 /m);
  });

  it('the web demo datasources reach the publisher service on the port it serves', () => {
    expect(webUids).toHaveLength(3);
    const command = commandOf(services.publisher);
    for (const ds of webDoc.datasources) {
      const settings = ds.jsonData.websocket ?? ds.jsonData.sse ?? ds.jsonData.httpPoll;
      const url = new URL(settings.url);
      expect([ds.name, url.hostname, url.port]).toEqual([ds.name, 'publisher', command[command.indexOf('--http-port') + 1]]);
    }
  });

  it('interpolates like Compose', () => {
    expect(interpolate('${A:-x}-${B-y}-$$HOME-${C}', { B: '' })).toBe('x--$HOME-');
  });
});
