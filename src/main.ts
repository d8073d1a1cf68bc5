import 'reflect-metadata';
import { armShutdownWatchdog } from './common/shutdown-watchdog';
import { createApp } from './app.factory';
import { loadConfig, loadDotEnv } from './config/app-config';
import { ensureDatabase } from './database/ensure-database';
import { startWorker } from './worker';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  await ensureDatabase(config.database.url);
  if (config.role === 'worker') {
    await startWorker(config);
    return;
  }
  armShutdownWatchdog();
  const app = await createApp(config);
  await app.listen({ port: config.http.port, host: '0.0.0.0' });
}

bootstrap().catch((error: unknown) => {
  // Config errors are one clear line; anything else keeps its stack.
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
