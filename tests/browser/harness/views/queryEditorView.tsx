/** The QueryEditor as a panel editor hosts it; every change and run is recorded on `window.__harness`. */
import React, { useState } from 'react';

import { QueryEditor } from '../../../../src/components/QueryEditor';
import type { DataSource } from '../../../../src/datasource';
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

// The editor only needs these two members of the datasource; the real class needs a running Grafana.
const datasource = {
  datasourceInstanceSettings: { jsonData: { maxSeries: 20, minIntervalMs: 10, maxPacketsPerSecond: 20 } },
  getSignals: async () => SIGNALS,
} as unknown as DataSource;

export function QueryEditorView() {
  const [query, setQuery] = useState<TributaryQuery>({ refId: 'A', ...DEFAULT_QUERY, withStreaming: false });
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
