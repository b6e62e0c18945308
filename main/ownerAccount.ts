/**
 * The first run's answers: checked field by field (server name, username, password) with the core's own rules,
 * and the owner's account created through core's registerLocalUser as a server admin.
 */
import { userInfo } from 'node:os';
import { isValidServerName, isValidUserLocalpart } from '../core/events/identifiers.ts';
import { registerLocalUser, MAX_PASSWORD_LENGTH } from '../core/handlers/accounts/localUserRegistration.ts';
import { MatrixError } from '../core/handlers/matrixError.ts';
import type { Homeserver } from '../core/homeserver.ts';
import type { PasswordHashCost } from '../core/crypto/passwordHash.ts';
import type { FirstRunAnswer, FirstRunResult } from '../core/http/admin/desktopBridgeTypes.ts';

export type CheckedAnswer = { readonly ok: true; readonly answer: FirstRunAnswer } | Extract<FirstRunResult, { ok: false }>;

/** A username suggestion from the OS account name, reduced to what Matrix allows. */
export function suggestedUsername(): string {
  let name = 'me';
  try {
    name = userInfo().username;
  } catch {
    // No OS account name (some containers): keep the fallback.
  }
  const cleaned = name.toLowerCase().replace(/[^a-z0-9._=\-/+]/g, '');
  return cleaned === '' ? 'me' : cleaned;
}

export function checkFirstRunAnswer(raw: unknown, fixedServerName: string | null): CheckedAnswer {
  const answer = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const serverName = fixedServerName ?? (typeof answer.server_name === 'string' ? answer.server_name.trim() : '');
  const username = typeof answer.username === 'string' ? answer.username.trim().replace(/^@/, '').toLowerCase() : '';
  const password = typeof answer.password === 'string' ? answer.password : '';
  if (!isValidServerName(serverName)) return { ok: false, field: 'server_name', error: `"${serverName}" is not a valid server name (e.g. localhost or alice.example.org)` };
  if (!isValidUserLocalpart(username)) return { ok: false, field: 'username', error: 'Use only a-z, 0-9 and = _ - . / +' };
  if (password.length < 8) return { ok: false, field: 'password', error: 'Use at least 8 characters' };
  if (password.length > MAX_PASSWORD_LENGTH) return { ok: false, field: 'password', error: `Use at most ${MAX_PASSWORD_LENGTH} characters` };
  return { ok: true, answer: { server_name: serverName, username, password } };
}

/** Creates the owner (a server admin); a refusal by the core comes back as a field error. */
export async function createOwnerAccount(homeserver: Homeserver, answer: FirstRunAnswer, passwordCost?: PasswordHashCost): Promise<FirstRunResult> {
  try {
    const userId = await registerLocalUser(
      { serverName: homeserver.serverName, users: homeserver.storage.stores.users, ...(passwordCost ? { passwordCost } : {}) },
      { localpart: answer.username, password: answer.password, admin: true },
    );
    return { ok: true, user_id: userId };
  } catch (e) {
    if (!(e instanceof MatrixError)) throw e;
    const field = e.errcode === 'M_WEAK_PASSWORD' ? 'password' : e.errcode === 'M_USER_IN_USE' || e.errcode === 'M_INVALID_USERNAME' ? 'username' : null;
    return { ok: false, field, error: e.message };
  }
}
