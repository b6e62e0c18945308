/** Every migration of the relay service's own database (relay.db in its data directory), in order. Append only. */
import type { Migration } from '../../storage/engine/migrations.ts';
import { r0001Relay } from './r0001_relay.ts';

export const RELAY_MIGRATIONS: readonly Migration[] = [r0001Relay];
