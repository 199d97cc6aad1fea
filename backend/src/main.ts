/**
 * Tributary backend entry point. Without arguments it runs in managed mode (started by Grafana through
 * the launcher, go-plugin handshake on stdout); `--listen unix:/path.sock|tcp:HOST:PORT` runs it as a
 * sidecar. Options and environment variables: `node dist/backend/main.js --help` and docs/sdk.md.
 */
import './guard-stdout'; // first: keeps stdout clean while the modules below load
import { tributaryPlugin } from './datasource';
import { runPlugin } from '@tributary/grafana-backend-sdk';

void runPlugin(tributaryPlugin, { envPrefix: 'TRIBUTARY' });
