/** Test helpers: a real DataSource instance with Grafana's services replaced at their official setters. */
import type { DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { from, of, throwError } from 'rxjs';

import { DataSource } from '../datasource';
import type { TributaryJsonData } from '../types';

export function instanceSettings(jsonData: TributaryJsonData = {}): DataSourceInstanceSettings<TributaryJsonData> {
  return {
    id: 7,
    uid: 'trib-uid',
    type: 'tributary-streaming-datasource',
    name: 'Tributary',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: 'tributary-streaming-datasource',
      name: 'Tributary',
      type: 'datasource',
      info: {
        author: { name: 'test' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
      module: '',
      baseUrl: '',
    },
  } as DataSourceInstanceSettings<TributaryJsonData>;
}

/**
 * A BackendSrv whose `fetch` answers from `respond` (a value, a promise of one, or a throw = HTTP
 * error); every request is recorded.
 */
export function fakeBackendSrv(respond: (req: BackendSrvRequest) => unknown) {
  const requests: BackendSrvRequest[] = [];
  const ok = (req: BackendSrvRequest, data: unknown) => ({ data, status: 200, ok: true, statusText: 'OK', headers: new Headers(), redirected: false, type: 'basic', url: req.url, config: req });
  const srv = {
    fetch: (req: BackendSrvRequest) => {
      requests.push(req);
      try {
        const data = respond(req);
        if (data instanceof Promise) {
          return from(data.then((value) => ok(req, value)));
        }
        return of(ok(req, data));
      } catch (error) {
        return throwError(() => error);
      }
    },
  } as unknown as BackendSrv;
  setBackendSrv(srv);
  return { requests };
}

export function makeDataSource(jsonData: TributaryJsonData = {}): DataSource {
  return new DataSource(instanceSettings(jsonData));
}
