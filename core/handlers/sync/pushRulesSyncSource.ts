/**
 * Push rules in /sync: the user's rules as `m.push_rules` global account data (`{global: ruleset}`, what
 * `GET /pushrules/` answers), on an initial sync and whenever they changed, in the token's `push_rules` slot
 * (the push-rules stream). Changes of that stream wake waiting syncs.
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import type { PushRulesHandler } from '../push/pushRulesHandler.ts';
import type { SyncResponse } from './syncResponse.ts';
import type { SyncStreamContext, SyncStreamSource } from './syncStreamSource.ts';

export const PUSH_RULES_STREAM = 'push_rules';
export const PUSH_RULES_ACCOUNT_DATA = 'm.push_rules';

export class PushRulesSyncSource implements SyncStreamSource {
  constructor(
    private readonly pushRules: PushRulesHandler,
    private readonly stores: DataStores,
    notifier: Notifier,
  ) {
    // Rule changes name their user in the stream, but waking every waiter is simpler and they are rare.
    stores.streams.pushRules.onAdvance((position) => notifier.notifyAll(PUSH_RULES_STREAM, position));
  }

  currentPosition(): number {
    return this.pushRules.currentStreamPosition();
  }

  async addToSync(context: SyncStreamContext, response: SyncResponse): Promise<boolean> {
    if (!context.filter.accountData.allowsType(PUSH_RULES_ACCOUNT_DATA)) return false;
    if (context.from !== null && !this.stores.pushRules.haveRulesChanged(context.userId, context.from, context.to)) return false;
    const global = await this.pushRules.getRuleset(context.userId);
    response.account_data.events.push({ type: PUSH_RULES_ACCOUNT_DATA, content: { global: global as never } });
    return context.from !== null;
  }
}
