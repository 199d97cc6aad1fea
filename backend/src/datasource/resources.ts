/**
 * CallResource routes (`/api/datasources/uid/<uid>/resources/<path>`), all JSON:
 *   GET signals  → the signals with their parameter ranges and defaults, narrowed by this datasource's settings
 *   GET settings → the effective settings (defaults filled in)
 * Unknown paths answer 404, known paths with another method 405 (with `Allow`).
 */
import { DEFAULT_QUERY, SIGNALS } from '../../../src/shared/query';
import type { TributarySettings } from '../../../src/shared/settings';
import { queryRangesFor } from '../../../src/shared/validation';
import type { CallResourceRequest, ResourceResponseWriter } from '@tributary/grafana-backend-sdk';

type Route = (settings: TributarySettings) => unknown;

const ROUTES: Record<string, Route> = {
  signals: (settings) => {
    const ranges = queryRangesFor(settings);
    const parameter = (key: keyof typeof ranges) => ({ ...ranges[key], default: DEFAULT_QUERY[key] });
    return {
      signals: SIGNALS.map((info) => ({
        ...info,
        parameters: {
          seriesCount: parameter('seriesCount'),
          sampleIntervalMs: parameter('sampleIntervalMs'),
          amplitude: parameter('amplitude'),
          offset: parameter('offset'),
          ...(info.periodic ? { periodMs: parameter('periodMs') } : {}),
        },
      })),
    };
  },
  settings: (settings) => ({ settings }),
};

export function handleResource(req: CallResourceRequest, res: ResourceResponseWriter, settings: TributarySettings): void {
  const path = req.path.replace(/^\/+|\/+$/g, '');
  const route = Object.prototype.hasOwnProperty.call(ROUTES, path) ? ROUTES[path] : undefined;
  if (!route) {
    res.json(404, { error: `no resource ${JSON.stringify(path)}; available: ${Object.keys(ROUTES).join(', ')}` });
    return;
  }
  const method = req.method.toUpperCase();
  if (method !== 'GET') {
    res.writeHead(405, { 'Content-Type': 'application/json', Allow: 'GET' });
    res.end(JSON.stringify({ error: `method ${method} not allowed on ${path}; use GET` }));
    return;
  }
  res.json(200, route(settings));
}
