import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { AppConfig } from '../../config/app-config';

/** argon2id hashing with the configured cost. */
@Injectable()
export class PasswordService {
  /** Verified when the email is unknown, so both failures take the same time. */
  private dummyHash?: Promise<string>;

  constructor(private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.config.auth.argon2;
    return argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    this.dummyHash ??= this.hash('dummy password for timing equality');
    const target = hash ?? (await this.dummyHash);
    const matches = await argon2.verify(target, password).catch(() => false);
    return hash !== undefined && matches;
  }
}
