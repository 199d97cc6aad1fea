/**
 * Browser harness: renders our real editors with React and Grafana UI's theme (bundled here, not
 * external). `?view=` picks what to show (default `query`); `?theme=dark|light`.
 *   - query:  the QueryEditor hosted the way a panel editor hosts it: it owns the query, applies
 *             onChange, and counts onRunQuery. Every event is recorded on `window.__harness`.
 *   - config: the ConfigEditor hosted like Grafana's datasource settings page.
 *   - stream: a Grafana UI time series graph of a StreamingDataFrame fed from outside with a real
 *             backend's QueryData history and RunStream packets (`window.__stream`).
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import { ConfigEditorView } from './views/configEditorView';
import { QueryEditorView } from './views/queryEditorView';
import { StreamView } from './views/streamView';

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'dark' ? 'dark' : 'light';
const theme = createTheme({ colors: { mode } });
const view = params.get('view') ?? 'query';

function Page() {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: 16, background: theme.colors.background.primary, display: 'inline-block', minWidth: 760 }}>
        {view === 'config' ? <ConfigEditorView /> : view === 'stream' ? <StreamView theme={theme} /> : <QueryEditorView />}
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Page />);
