import { SetMetadata } from '@nestjs/common';

export const NO_STORE = 'no-store';

/**
 * The route's answers carry tokens or account data even to anonymous callers (sign-in):
 * `Cache-Control: no-store` on all of them, as on every answer to an authenticated caller
 * (set by AuthenticationGuard).
 */
export const NoStore = () => SetMetadata(NO_STORE, true);
