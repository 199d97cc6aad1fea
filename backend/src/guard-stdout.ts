/** First import of the entry point: stdout stays clean while the modules after it load (level from TRIBUTARY_LOG_LEVEL). */
import { guardStdout } from '@tributary/grafana-backend-sdk/stdout-guard';

guardStdout('TRIBUTARY');
