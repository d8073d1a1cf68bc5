import 'reflect-metadata';
import { armShutdownWatchdog } from './common/shutdown-watchdog';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { coreImports } from './app.module';
import { AppConfig, loadConfig, loadDotEnv } from './config/app-config';
import { prepareDependencies } from './bootstrap/prepare-dependencies';
import { exitOnSignalDuringStartUp, startUpFailureLine } from './bootstrap/start-up-error';
import { startUpLogger } from './bootstrap/start-up-log';
import { WorkersModule } from './workers.module';

/** The worker process: queue consumers and the outbox relay, no HTTP. */
@Module({})
export class WorkerAppModule {
  static register(config: AppConfig): DynamicModule {
    return { module: WorkerAppModule, imports: [...coreImports(config), WorkersModule] };
  }
}

export async function startWorker(config: AppConfig) {
  const app = await NestFactory.createApplicationContext(WorkerAppModule.register(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  // SIGTERM: consumers finish their current job, then connections close, then exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  armShutdownWatchdog();
  await app.init();
  return app;
}

if (require.main === module) {
  const start = async () => {
    const startedUp = exitOnSignalDuringStartUp();
    loadDotEnv();
    const config = loadConfig();
    const log = startUpLogger(config, 'Worker');
    await prepareDependencies(config, log);
    await startWorker(config);
    startedUp();
    // What a supervisor (or a test) waits for before it counts the worker as up.
    log.info('worker started: consumers and outbox relay running');
  };
  start().catch((error: unknown) => {
    console.error(startUpFailureLine(error));
    process.exit(1);
  });
}
