import { Global, Module } from '@nestjs/common';
import { IdempotencyKeysRepository } from './idempotency/idempotency-keys.repository';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { TransactionRunner } from './transaction-runner';

/** The transaction runner (with its Idempotency-Key store), for every module. */
@Global()
@Module({
  providers: [TransactionRunner, IdempotencyStore, IdempotencyKeysRepository],
  exports: [TransactionRunner],
})
export class TransactionsModule {}
