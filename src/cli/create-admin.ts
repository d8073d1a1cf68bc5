import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { coreImports } from '../app.module';
import { loadConfig, loadDotEnv } from '../config/app-config';
import { ensureDatabase } from '../database/ensure-database';
import { AuthModule } from '../modules/auth/auth.module';
import { AuthService } from '../modules/auth/auth.service';
import { UsersService } from '../modules/users/users.service';
import { UsersModule } from '../modules/users/users.module';

/**
 * `npm run admin:create -- --email a@b.c --password '…'`: creates an admin, or promotes the
 * existing account with that email. Uses the same services as the API.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' } },
  });
  if (!values.email || !values.password || values.password.length < 12) {
    console.error('usage: npm run admin:create -- --email <email> --password <12+ characters>');
    process.exit(2);
  }
  loadDotEnv();
  const config = { ...loadConfig(), admin: {} };
  await ensureDatabase(config.database.url);

  @Module({
    imports: [...coreImports({ ...config, log: { level: 'warn' } }), UsersModule, AuthModule],
  })
  class AdminCliModule {}

  const app = await NestFactory.createApplicationContext(AdminCliModule, {
    logger: ['error', 'warn'],
  });
  try {
    const outcome = await app.get(AuthService).ensureAdmin(values.email, values.password);
    if (outcome === 'exists') {
      const users = app.get(UsersService);
      const credentials = await users.findCredentials(values.email);
      await users.changeRole(credentials!.id, 'admin');
      console.log(`${values.email} already existed and is now an admin (password unchanged).`);
    } else {
      console.log(`Created admin ${values.email}.`);
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
