import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Role } from './roles';
import type { ApiKeyScope } from './permissions';

/** Who is calling: the account, with its role as it is now. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  /** The login session (refresh-token family) of an access token; absent for an API key. */
  sessionId?: string;
  /** Set when the caller used an API key: its scopes narrow the role's permissions. */
  apiKey?: { id: string; scopes: ApiKeyScope[] };
}

export interface RequestWithUser {
  user?: AuthenticatedUser;
}

/** The caller, on routes that require authentication. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<RequestWithUser>().user,
);
