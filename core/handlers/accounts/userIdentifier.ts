/**
 * The user a login or password stage names: `identifier: {type: "m.id.user", user}` or the deprecated top-level
 * `user`, given as a full user ID or a localpart. Third-party identifiers name nobody here (no 3PIDs are bound).
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { MatrixError } from '../matrixError.ts';

export function identifiedUserId(body: JsonObject, serverName: string): string {
  const identifier = body.identifier;
  let user: unknown;
  if (identifier !== undefined && identifier !== null) {
    if (typeof identifier !== 'object' || Array.isArray(identifier)) throw MatrixError.badJson('identifier must be an object');
    const type = identifier.type;
    if (type === 'm.id.user') user = identifier.user;
    else if (type === 'm.id.thirdparty' || type === 'm.id.phone') throw MatrixError.forbidden('Invalid username or password');
    else throw new MatrixError(400, 'M_UNKNOWN', `Unknown login identifier type ${JSON.stringify(type)}`);
  } else {
    user = body.user;
  }
  if (user === undefined || user === null) throw MatrixError.missingParam('Missing identifier.user');
  if (typeof user !== 'string' || user === '') throw MatrixError.badJson('identifier.user must be a non-empty string');
  return user.startsWith('@') ? user : `@${user}:${serverName}`;
}
