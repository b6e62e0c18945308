/**
 * The server-default push rules ("Predefined Rules"), per user, in the order the specification lists them.
 *
 * We advertise spec versions up to v1.12, whose predefined rules still include the legacy mention rules
 * (`.m.rule.contains_display_name`, `.m.rule.roomnotif` and the content rule `.m.rule.contains_user_name`), which
 * v1.17 removed (MSC4210). Clients and bots that do not send `m.mentions` rely on them; as v1.7 requires, they are
 * skipped for events whose content has an `m.mentions` property (see LEGACY_MENTION_RULE_IDS). The specification
 * defines no poll rules, so there are none here.
 *
 * `.m.rule.master` is the first override rule and always stays ahead of user-defined rules; every other default
 * rule comes after the user's rules of its kind.
 */
import { localpartOf } from '../../events/identifiers.ts';
import type { PushAction, PushRule, PushRuleKind, PushRuleset } from './pushRule.ts';

export const MASTER_RULE_ID = '.m.rule.master';

/** Default rules that only apply to events without `content["m.mentions"]` (v1.7 "intentional mentions"). */
export const LEGACY_MENTION_RULE_IDS: ReadonlySet<string> = new Set(['.m.rule.contains_display_name', '.m.rule.contains_user_name', '.m.rule.roomnotif']);

const NOTIFY_SOUND_HIGHLIGHT: readonly PushAction[] = ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }];
const NOTIFY_HIGHLIGHT: readonly PushAction[] = ['notify', { set_tweak: 'highlight' }];
const NOTIFY_SOUND: readonly PushAction[] = ['notify', { set_tweak: 'sound', value: 'default' }];

function rule(rule_id: string, conditions: PushRule['conditions'], actions: readonly PushAction[], enabled = true): PushRule {
  return { rule_id, default: true, enabled, conditions, actions };
}

const typeIs = (pattern: string) => ({ kind: 'event_match', key: 'type', pattern });
const stateKeyEmpty = { kind: 'event_match', key: 'state_key', pattern: '' };

/** The default override rules, `.m.rule.master` first. */
function overrideRules(userId: string): PushRule[] {
  return [
    rule(MASTER_RULE_ID, [], [], false),
    rule('.m.rule.suppress_notices', [{ kind: 'event_match', key: 'content.msgtype', pattern: 'm.notice' }], []),
    rule(
      '.m.rule.invite_for_me',
      [typeIs('m.room.member'), { kind: 'event_match', key: 'content.membership', pattern: 'invite' }, { kind: 'event_match', key: 'state_key', pattern: userId }],
      NOTIFY_SOUND,
    ),
    rule('.m.rule.member_event', [typeIs('m.room.member')], []),
    rule('.m.rule.is_user_mention', [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId }], NOTIFY_SOUND_HIGHLIGHT),
    rule('.m.rule.contains_display_name', [{ kind: 'contains_display_name' }], NOTIFY_SOUND_HIGHLIGHT),
    rule(
      '.m.rule.is_room_mention',
      [{ kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true }, { kind: 'sender_notification_permission', key: 'room' }],
      NOTIFY_HIGHLIGHT,
    ),
    rule('.m.rule.roomnotif', [{ kind: 'event_match', key: 'content.body', pattern: '@room' }, { kind: 'sender_notification_permission', key: 'room' }], NOTIFY_HIGHLIGHT),
    rule('.m.rule.tombstone', [typeIs('m.room.tombstone'), stateKeyEmpty], NOTIFY_HIGHLIGHT),
    rule('.m.rule.reaction', [typeIs('m.reaction')], []),
    rule('.m.rule.room.server_acl', [typeIs('m.room.server_acl'), stateKeyEmpty], []),
    rule('.m.rule.suppress_edits', [{ kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' }], []),
  ];
}

function contentRules(userId: string): PushRule[] {
  const localpart = localpartOf(userId) ?? userId;
  return [{ rule_id: '.m.rule.contains_user_name', default: true, enabled: true, pattern: localpart, actions: NOTIFY_SOUND_HIGHLIGHT }];
}

function underrideRules(): PushRule[] {
  const memberCountIs2 = { kind: 'room_member_count', is: '2' };
  return [
    rule('.m.rule.call', [typeIs('m.call.invite')], ['notify', { set_tweak: 'sound', value: 'ring' }]),
    rule('.m.rule.encrypted_room_one_to_one', [memberCountIs2, typeIs('m.room.encrypted')], NOTIFY_SOUND),
    rule('.m.rule.room_one_to_one', [memberCountIs2, typeIs('m.room.message')], NOTIFY_SOUND),
    rule('.m.rule.message', [typeIs('m.room.message')], ['notify']),
    rule('.m.rule.encrypted', [typeIs('m.room.encrypted')], ['notify']),
  ];
}

/** The default ruleset of `userId`, before any change the user made. */
export function defaultPushRules(userId: string): PushRuleset {
  return { override: overrideRules(userId), content: contentRules(userId), room: [], sender: [], underride: underrideRules() };
}

/** Whether `ruleId` names a server-default rule of `kind` (the same for every user). */
export function isDefaultRule(kind: PushRuleKind, ruleId: string): boolean {
  return DEFAULT_RULE_IDS[kind].has(ruleId);
}

const DEFAULT_RULE_IDS: Readonly<Record<PushRuleKind, ReadonlySet<string>>> = (() => {
  const rules = defaultPushRules('@user:example.org');
  return {
    override: new Set(rules.override.map((r) => r.rule_id)),
    content: new Set(rules.content.map((r) => r.rule_id)),
    room: new Set(rules.room.map((r) => r.rule_id)),
    sender: new Set(rules.sender.map((r) => r.rule_id)),
    underride: new Set(rules.underride.map((r) => r.rule_id)),
  };
})();
