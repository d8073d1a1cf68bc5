import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Role } from './roles';

/** Who is calling, as the access token says. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  /** The login session (refresh-token family) the token belongs to. */
  sessionId: string;
}

export interface RequestWithUser {
  user?: AuthenticatedUser;
}

/** The caller, on routes that require authentication. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<RequestWithUser>().user,
);
