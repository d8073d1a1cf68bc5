import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';
import { warnDependencyDown } from '../common/logging/dependency-warning';

/**
 * Gives every BullMQ queue and worker of this process an `error` listener. Without one,
 * BullMQ writes each reconnect failure to stderr as a raw dump (two a second per queue or
 * worker while Redis is down); with it, the failures join the one throttled warning per
 * dependency. Clients that already listen (search's) are left alone.
 */
@Injectable()
export class QueueErrorListeners implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue) this.listen(instance, `queue ${instance.name}`);
      if (instance instanceof WorkerHost) {
        const worker = workerOf(instance as WorkerHost<Worker>);
        if (worker) this.listen(worker, `worker ${worker.name}`);
      }
    }
  }

  /** Both are EventEmitters; their typed `on` overloads do not unite. */
  private listen(emitter: Queue | Worker, source: string): void {
    const events = emitter as unknown as NodeJS.EventEmitter;
    if (events.listenerCount('error') > 0) return;
    events.on('error', (error: Error) => warnDependencyDown('redis', source, error));
  }
}

/** WorkerHost's `worker` getter throws until @nestjs/bullmq has created the worker. */
function workerOf(host: WorkerHost<Worker>): Worker | undefined {
  try {
    return host.worker;
  } catch {
    return undefined;
  }
}
