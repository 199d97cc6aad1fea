/**
 * Entry point of the clock datasource. Without arguments it runs as Grafana starts it (managed mode,
 * handshake on stdout); `--listen unix:/path.sock` runs it as a sidecar.
 */
import './guard'; // first
import { serve } from '@tributary/grafana-backend-sdk';
import { clockPlugin } from './plugin';

// A rejected serve() is a start-up failure: say why and exit, so Grafana sees the plugin fail.
serve(clockPlugin, { envPrefix: 'CLOCK' }).catch((err: unknown) => {
  process.stderr.write(`clock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
