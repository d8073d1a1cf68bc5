/**
 * What other modules may use of users: accounts and the ledger through their services, and
 * the row and role types. Its repositories and entities stay inside (an ESLint rule says so).
 */
export { UsersModule } from './users.module';
export { UsersService } from './users.service';
export { LedgerService } from './ledger.service';
export { ROLES } from './user.entity';
export type { Role } from './user.entity';
export { EmailTakenError } from './users.repository';
export type { UserRow } from './users.repository';
