/** The QueryEditor as a panel editor hosts it; every change and run is recorded on `window.__harness`. */
import React, { useState } from 'react';

import { QueryEditor } from '../../../../src/components/QueryEditor';
import type { DataSource } from '../../../../src/datasource';
import { defaultQueryFor } from '../../../../src/queryDefaults';
import { DEFAULT_QUERY, SIGNALS, type TributaryQuery } from '../../../../src/shared/query';

interface HarnessState {
  changes: TributaryQuery[];
  runs: number;
}

declare global {
  interface Window {
    __harness: HarnessState;
  }
}

const state: HarnessState = { changes: [], runs: 0 };
window.__harness = state;

// `?kind=mqtt`: the editor of an MQTT datasource; otherwise the signal generator's.
const kind = new URLSearchParams(window.location.search).get('kind') === 'mqtt' ? 'mqtt' : 'signals';

// The editor only needs these members of the datasource; the real class needs a running Grafana.
const datasource = {
  sourceKind: kind,
  datasourceInstanceSettings: { jsonData: { sourceKind: kind, maxSeries: 20, minIntervalMs: 10, maxPacketsPerSecond: 20 } },
  getSignals: async () => SIGNALS,
} as unknown as DataSource;

const initialQuery: TributaryQuery =
  kind === 'mqtt'
    ? ({ refId: 'A', ...defaultQueryFor('mqtt'), withStreaming: false } as TributaryQuery)
    : { refId: 'A', ...DEFAULT_QUERY, withStreaming: false };

export function QueryEditorView() {
  const [query, setQuery] = useState<TributaryQuery>(initialQuery);
  return (
    <>
      <QueryEditor
        query={query}
        datasource={datasource}
        onChange={(next) => {
          state.changes.push(next);
          setQuery(next);
        }}
        onRunQuery={() => {
          state.runs += 1;
        }}
      />
      <output data-testid="sent-query">{JSON.stringify(query)}</output>
    </>
  );
}
