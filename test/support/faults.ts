import { Client } from 'pg';
import { TEST_DATABASE_SERVER } from './test-env';

/** Makes a database refuse new connections and kills the open ones: PostgreSQL "down" for it. */
export async function cutDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      name,
    ]);
  } finally {
    await admin.end();
  }
}

export async function restoreDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
  } finally {
    await admin.end();
  }
}
