/**
 * Side-effect import for entry points: `import './sdk/host/guard-stdout'` as the FIRST import keeps
 * stdout clean even while other modules run their top-level code, before `serve()` starts.
 */
import { HclogLogger, parseLogLevel } from '../log/logger';
import { installStdoutGuard } from './stdout-guard';

installStdoutGuard(
  new HclogLogger({ level: parseLogLevel(process.env.TRIBUTARY_LOG_LEVEL ?? process.env.GF_PLUGIN_LOG_LEVEL) ?? 'info' }),
);
