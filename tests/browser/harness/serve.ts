/**
 * A loopback-only static server for the harness: the page from the build directory, and Grafana's
 * icon SVGs (which Grafana UI fetches from `public/build/img/...` at runtime) from @grafana/ui's own
 * package, as a Grafana server would serve them. Unknown paths get 404 and are reported.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function isGrafanaFont(urlPath: string): boolean {
  return urlPath.startsWith('/public/fonts/');
}

export interface HarnessServer {
  url: string;
  missing: string[];
  close(): Promise<void>;
}

export async function serveHarness(outDir: string): Promise<HarnessServer> {
  const grafanaUiPublic = path.join(path.dirname(require.resolve('@grafana/ui/package.json')), 'dist', 'public');
  const missing: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = urlPath.startsWith('/public/build/')
      ? path.join(grafanaUiPublic, urlPath.slice('/public/build/'.length))
      : path.join(outDir, urlPath === '/' ? 'index.html' : urlPath);
    const root = urlPath.startsWith('/public/build/') ? grafanaUiPublic : outDir;
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      // Grafana's Inter font files ship with Grafana itself, not with @grafana/ui: the page falls back
      // to a system font, which changes nothing a test looks at.
      if (!isGrafanaFont(urlPath)) {
        missing.push(urlPath);
      }
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    missing,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
