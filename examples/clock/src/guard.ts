/** Imported first by the entry: stdout stays reserved for the handshake while other modules load. */
import { guardStdout } from '@tributary/grafana-backend-sdk/stdout-guard';

guardStdout('CLOCK'); // log level from CLOCK_LOG_LEVEL, else Grafana's GF_PLUGIN_LOG_LEVEL
