import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { isEmail } from 'class-validator';
import { parseArgs } from 'node:util';
import { coreImports } from '../app.module';
import { loadConfig, loadDotEnv } from '../config/app-config';
import { prepareDependencies } from '../bootstrap/prepare-dependencies';
import { startUpFailureLine } from '../bootstrap/start-up-error';
import { startUpLogger } from '../bootstrap/start-up-log';
import { AuthModule } from '../modules/auth/auth.module';
import { AuthService } from '../modules/auth/auth.service';
import { UsersService } from '../modules/users/users.service';
import { UsersModule } from '../modules/users/users.module';
import { readSecret } from './read-secret';

const USAGE = `usage: npm run admin:create -- --email <email>

Creates an admin account, or makes the existing account with that email an admin (its
password is then left unchanged). Uses DATABASE_URL and the rest of .env like the API.

The password is never a command-line argument (npm prints the command, shells keep it in
their history). It is taken from, in order:
  ADMIN_PASSWORD   environment variable (12 to 128 characters)
  a prompt         on a terminal, typed without echo; from a pipe, its first line

options:
  --email <email>  the admin's email (or ADMIN_EMAIL)
  -h, --help       this text`;

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { email: string } | 'help' {
  let values: { email?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { email: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(
      /--password/.test(message)
        ? '--password is not accepted: set ADMIN_PASSWORD or type the password at the prompt'
        : message,
    );
  }
  if (values.help) return 'help';
  const email = (values.email ?? process.env.ADMIN_EMAIL ?? '').trim();
  if (!isEmail(email)) {
    throw new UsageError(email ? `not a valid email address: ${email}` : '--email is required');
  }
  return { email };
}

async function main(): Promise<void> {
  loadDotEnv();
  const command = parseCommandLine(process.argv.slice(2));
  if (command === 'help') {
    console.log(USAGE);
    return;
  }
  const password = process.env.ADMIN_PASSWORD || (await readSecret('Password for the admin: '));
  if (password.length < 12 || password.length > 128) {
    throw new UsageError('the password must be 12 to 128 characters');
  }
  // ADMIN_* are this command's input here, not the API's start-up admin.
  const config = loadConfig({ ...process.env, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
  const quiet = { ...config, log: { level: 'warn' } };
  await prepareDependencies(quiet, startUpLogger(quiet, 'AdminCli'));

  @Module({ imports: [...coreImports(quiet), UsersModule, AuthModule] })
  class AdminCliModule {}

  const app = await NestFactory.createApplicationContext(AdminCliModule, {
    logger: ['error', 'warn'],
  });
  try {
    const outcome = await app.get(AuthService).ensureAdmin(command.email, password);
    if (outcome === 'exists') {
      const users = app.get(UsersService);
      const credentials = await users.findCredentials(command.email);
      await users.changeRole(credentials!.id, 'admin');
      console.log(`${command.email} already existed and is now an admin (password unchanged).`);
    } else {
      console.log(`Created admin ${command.email}.`);
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`admin:create: ${error.message} (see --help)`);
    process.exit(2);
  }
  console.error(startUpFailureLine(error));
  process.exit(1);
});
