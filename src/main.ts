import 'reflect-metadata';
import { armShutdownWatchdog } from './common/shutdown-watchdog';
import { createApp } from './app.factory';
import { prepareDependencies } from './bootstrap/prepare-dependencies';
import { startUpFailureLine, startUpStep } from './bootstrap/start-up-error';
import { startUpLogger } from './bootstrap/start-up-log';
import { loadConfig, loadDotEnv } from './config/app-config';
import { startWorker } from './worker';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const log = startUpLogger(config, 'Main');
  await prepareDependencies(config, log);
  if (config.role === 'worker') {
    await startWorker(config);
    return;
  }
  armShutdownWatchdog();
  const app = await createApp(config);
  const { host, port } = config.http;
  await startUpStep(
    'PORT',
    (reason) =>
      reason === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use`
        : `cannot listen on ${host}:${port} (${reason})`,
    () => app.listen({ port, host }),
  );
}

bootstrap().catch((error: unknown) => {
  console.error(startUpFailureLine(error));
  process.exit(1);
});
