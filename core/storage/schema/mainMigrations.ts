/** Every migration of the homeserver database, in order. Append only. */
import type { Migration } from '../engine/migrations.ts';
import { m0001Accounts } from './m0001_accounts.ts';
import { m0002EventsAndState } from './m0002_events_and_state.ts';
import { m0003DeviceLists } from './m0003_device_lists.ts';

export const MAIN_MIGRATIONS: readonly Migration[] = [m0001Accounts, m0002EventsAndState, m0003DeviceLists];
