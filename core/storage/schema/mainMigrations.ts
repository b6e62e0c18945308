/** Every migration of the homeserver database, in order. Append only. */
import type { Migration } from '../engine/migrations.ts';
import { m0001Accounts } from './m0001_accounts.ts';

export const MAIN_MIGRATIONS: readonly Migration[] = [m0001Accounts];
