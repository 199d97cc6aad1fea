/**
 * Browser harness for the query editor: renders the real QueryEditor with React and Grafana UI's
 * theme (bundled here, not external) the way a panel editor hosts it: it owns the query, applies
 * onChange, and counts onRunQuery. Every event is recorded on `window.__harness` for the test.
 */
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import { QueryEditor } from '../../../src/components/QueryEditor';
import type { DataSource } from '../../../src/datasource';
import { DEFAULT_QUERY, SIGNALS, type TributaryQuery } from '../../../src/shared/query';

interface HarnessState {
  changes: TributaryQuery[];
  runs: number;
  ready: boolean;
}

declare global {
  interface Window {
    __harness: HarnessState;
  }
}

const state: HarnessState = { changes: [], runs: 0, ready: false };
window.__harness = state;

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'dark' ? 'dark' : 'light';
const theme = createTheme({ colors: { mode } });

// The editor only needs these two members of the datasource; the real class needs a running Grafana.
const datasource = {
  datasourceInstanceSettings: { jsonData: { maxSeries: 20, minIntervalMs: 10, maxPacketsPerSecond: 20 } },
  getSignals: async () => SIGNALS,
} as unknown as DataSource;

function Host() {
  const [query, setQuery] = useState<TributaryQuery>({ refId: 'A', ...DEFAULT_QUERY, withStreaming: false });
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: 16, background: theme.colors.background.primary }}>
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
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Host />);
state.ready = true;
