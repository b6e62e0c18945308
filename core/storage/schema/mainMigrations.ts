/** Every migration of the homeserver database, in order. Append only. */
import type { Migration } from '../engine/migrations.ts';
import { m0001Accounts } from './m0001_accounts.ts';
import { m0002EventsAndState } from './m0002_events_and_state.ts';
import { m0003DeviceLists } from './m0003_device_lists.ts';
import { m0004Sync } from './m0004_sync.ts';
import { m0005Push } from './m0005_push.ts';
import { m0006Rooms } from './m0006_rooms.ts';
import { m0007E2ee } from './m0007_e2ee.ts';
import { m0008Federation } from './m0008_federation.ts';
import { m0009Media } from './m0009_media.ts';
import { m0010EventRelationsAndSearch } from './m0010_event_relations_and_search.ts';
import { m0011PushersAndReports } from './m0011_pushers_and_reports.ts';
import { m0012RefreshTokens } from './m0012_refresh_tokens.ts';
import { m0013OpenIdTokens } from './m0013_openid_tokens.ts';
import { m0014ProfileFields } from './m0014_profile_fields.ts';
import { m0015AccountModeration } from './m0015_account_moderation.ts';
import { m0016LeanerEventIndexes } from './m0016_leaner_event_indexes.ts';
import { m0017LeanerEventRows } from './m0017_leaner_event_rows.ts';
import { m0018EventJsonByStreamOrdering } from './m0018_event_json_by_stream_ordering.ts';
import { m0019PrevEventsWaiting } from './m0019_prev_events_waiting.ts';
import { m0020AppendOnlySendRows } from './m0020_append_only_send_rows.ts';

export const MAIN_MIGRATIONS: readonly Migration[] = [m0001Accounts, m0002EventsAndState, m0003DeviceLists, m0004Sync, m0005Push, m0006Rooms, m0007E2ee, m0008Federation, m0009Media, m0010EventRelationsAndSearch, m0011PushersAndReports, m0012RefreshTokens, m0013OpenIdTokens, m0014ProfileFields, m0015AccountModeration, m0016LeanerEventIndexes, m0017LeanerEventRows, m0018EventJsonByStreamOrdering, m0019PrevEventsWaiting, m0020AppendOnlySendRows];
