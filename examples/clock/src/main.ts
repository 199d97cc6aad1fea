/**
 * Entry point of the clock datasource. Without arguments it runs as Grafana starts it (managed mode,
 * handshake on stdout); `--listen unix:/path.sock` runs it as a sidecar.
 */
import './guard'; // first
import { runPlugin } from '@tributary/grafana-backend-sdk';
import { clockPlugin } from './plugin';

// Serves, exits on Shutdown/SIGTERM, and turns a start-up failure into one [ERROR] line and exit code 1.
void runPlugin(clockPlugin, { envPrefix: 'CLOCK' });
