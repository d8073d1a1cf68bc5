import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import type { MachineInfo } from './types';

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(info);
    if (match) return match[1].trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

async function redisVersion(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('server');
    return /^redis_version:(.+)$/m.exec(info)?.[1].trim() ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    client.disconnect();
  }
}

export async function machineInfo(db: Pool, redisUrl: string): Promise<MachineInfo> {
  const pg = await db
    .query<{ server_version: string }>('SHOW server_version')
    .then((r) => r.rows[0].server_version)
    .catch(() => 'unknown');
  const pgbench = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    postgres: pg,
    redis: await redisVersion(redisUrl),
    autocannon: packageVersion('autocannon'),
    pgbench: pgbench.status === 0 ? pgbench.stdout.trim() : 'not found',
  };
}
