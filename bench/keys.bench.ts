/**
 * End-to-end encryption key reads, each against the raw SQL of the same reads in the same run, on the same
 * database:
 * - `/keys/query` for a user with 50 devices (identity keys, display names, signatures, cross-signing keys):
 *   the query handler, and the whole HTTP request, against the SQL reads alone;
 * - `/keys/claim` of 100 one-time keys (one from each of 100 devices): the claim handler against the same
 *   select-oldest-and-delete statements in one transaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, ratio, timeOnce, type Benchmark } from './harness.ts';
import { buildConfig } from '../core/config/configLoader.ts';
import { Homeserver } from '../core/homeserver.ts';
import { silentLogger } from '../core/logging/logger.ts';
import { canonicalJson, type JsonObject } from '../core/crypto/canonicalJson.ts';
import { encodeBase64 } from '../core/crypto/base64.ts';
import { generateKeyPair, signBytes } from '../core/crypto/ed25519.ts';
import { signedBytes } from '../core/crypto/jsonSigning.ts';
import type { Requester } from '../core/handlers/requester.ts';
import { hashAccessToken } from '../core/handlers/accounts/accessTokenHandler.ts';

const DEVICES_PER_QUERY = 50;
const CLAIM_DEVICES = 100;
const CLAIM_ROUNDS = Number(process.env.BENCH_CLAIM_ROUNDS ?? 300);

function randomKey(): string {
  return encodeBase64(generateKeyPair().publicKey);
}

/** Signed device keys, as a client uploads them. */
function deviceKeys(userId: string, deviceId: string): JsonObject {
  const pair = generateKeyPair();
  const keys: JsonObject = {
    user_id: userId,
    device_id: deviceId,
    algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
    keys: { [`curve25519:${deviceId}`]: randomKey(), [`ed25519:${deviceId}`]: encodeBase64(pair.publicKey) },
  };
  return { ...keys, signatures: { [userId]: { [`ed25519:${deviceId}`]: encodeBase64(signBytes(pair, signedBytes(keys))) } } };
}

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-keys-'));
  const config = buildConfig({ server_name: 'bench.test', log_level: 'error' }, { data_dir: dir, host: '127.0.0.1', port: 0 });
  const homeserver = Homeserver.open({ config, log: silentLogger });
  try {
    const { port } = await homeserver.listen();
    const stores = homeserver.storage.stores;
    const db = stores.db;
    const now = Date.now();

    // A user with 50 devices, each with identity keys and a name; cross-signing keys; a self-signing
    // signature on every device.
    const owner = '@owner:bench.test';
    const asker = '@asker:bench.test';
    db.transaction(() => {
      for (let i = 0; i < DEVICES_PER_QUERY; i++) {
        const deviceId = `DEVICE${i}`;
        stores.devices.ensureDevice(owner, deviceId, `Device number ${i}`);
        stores.deviceKeys.setDeviceKeys(owner, deviceId, deviceKeys(owner, deviceId), now);
        stores.crossSigningKeys.addSignatures([{ userId: owner, keyId: 'ed25519:selfsigningkey', targetUserId: owner, targetDeviceId: deviceId, signature: 'c2lnbmF0dXJl' }]);
      }
      for (const type of ['master', 'self_signing', 'user_signing'] as const) {
        const publicKey = randomKey();
        stores.crossSigningKeys.setKey(owner, type, publicKey, { user_id: owner, usage: [type], keys: { [`ed25519:${publicKey}`]: publicKey } }, now);
      }
    })();
    const requester: Requester = { userId: asker, deviceId: 'ASKER', tokenId: 0, tokenHash: '', isAdmin: false, suspended: false };
    const queryBody = { device_keys: { [owner]: [] } };
    const keyQuery = homeserver.handlers.e2ee.keyQuery;

    const rawDevices = db.prepare(
      `SELECT k.device_id, k.key_json, d.display_name FROM e2e_device_keys_json k
       JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id WHERE k.user_id = ? AND d.hidden = 0 ORDER BY k.device_id`,
    );
    const rawSignatures = db.prepare('SELECT user_id, key_id, target_device_id, signature FROM e2e_cross_signing_signatures WHERE target_user_id = ? AND user_id = ?');
    const rawCrossSigning = db.prepare("SELECT key_type, public_key, key_json FROM e2e_cross_signing_keys WHERE user_id = ? AND key_type IN ('master', 'self_signing')");
    const rawMasterSignatures = db.prepare('SELECT user_id, key_id, signature FROM e2e_cross_signing_signatures WHERE target_user_id = ? AND target_device_id = ? AND user_id = ?');
    const queryRaw = () =>
      db.transaction(() => {
        rawDevices.all(owner);
        rawSignatures.all(owner, owner);
        const keys = rawCrossSigning.all(owner) as { key_type: string; public_key: string }[];
        const master = keys.find((k) => k.key_type === 'master');
        if (master) rawMasterSignatures.all(owner, master.public_key, asker);
      })();

    const handlerQuery = await measure(`KeyQueryHandler.query, ${DEVICES_PER_QUERY} devices`, () => keyQuery.query(requester, queryBody));
    const rawQuery = await measure(`raw SQL reads of the same rows`, queryRaw);

    // The same query over HTTP, with a real access token.
    const token = 'bench-token';
    stores.devices.ensureDevice(asker, 'ASKER', null);
    stores.accessTokens.addToken(hashAccessToken(token), asker, 'ASKER', now);
    const url = `http://127.0.0.1:${port}/_matrix/client/v3/keys/query`;
    const body = JSON.stringify(queryBody);
    const httpQuery = await measure(`POST /keys/query over HTTP, ${DEVICES_PER_QUERY} devices`, async () => {
      const res = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
      await res.arrayBuffer();
    });

    // Two users with 100 devices each and enough one-time keys for every round: one for the handler, one for
    // the raw statements.
    const rawTarget = '@raw:bench.test';
    const handlerTarget = '@target:bench.test';
    const insertKey = db.prepare('INSERT INTO e2e_one_time_keys_json (user_id, device_id, algorithm, key_id, ts_added_ms, key_json) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const userId of [handlerTarget, rawTarget]) {
        for (let d = 0; d < CLAIM_DEVICES; d++) {
          stores.devices.ensureDevice(userId, `D${d}`, null);
          for (let k = 0; k < CLAIM_ROUNDS; k++) {
            const json = canonicalJson({ key: randomKey(), signatures: { [userId]: { [`ed25519:D${d}`]: 'c2lnbmF0dXJl' } } });
            insertKey.run(userId, `D${d}`, 'signed_curve25519', `K${k}`, now, json);
          }
        }
      }
    })();
    const claimBody = { one_time_keys: { [handlerTarget]: Object.fromEntries(Array.from({ length: CLAIM_DEVICES }, (_, d) => [`D${d}`, 'signed_curve25519'])) } };
    const keyClaim = homeserver.handlers.e2ee.keyClaim;
    const handlerClaim = await timeOnce(`KeyClaimHandler.claim, ${CLAIM_DEVICES} one-time keys per claim`, CLAIM_ROUNDS, async () => {
      for (let round = 0; round < CLAIM_ROUNDS; round++) await keyClaim.claim(claimBody);
    });

    const rawClaim = db.prepare(
      `DELETE FROM e2e_one_time_keys_json WHERE id = (
         SELECT id FROM e2e_one_time_keys_json WHERE user_id = ? AND device_id = ? AND algorithm = ? ORDER BY id LIMIT 1
       ) RETURNING key_id, key_json`,
    );
    const rawClaimTime = await timeOnce(`raw SQL: the same select-and-delete for ${CLAIM_DEVICES} keys in one transaction`, CLAIM_ROUNDS, () => {
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        db.transaction(() => {
          for (let d = 0; d < CLAIM_DEVICES; d++) rawClaim.get(rawTarget, `D${d}`, 'signed_curve25519');
        }).immediate();
      }
    });

    return [
      ratio(`/keys/query of a user with ${DEVICES_PER_QUERY} devices: handler vs raw SQL reads`, handlerQuery, rawQuery),
      ratio(`/keys/query of a user with ${DEVICES_PER_QUERY} devices: HTTP request vs raw SQL reads`, httpQuery, rawQuery),
      ratio(`/keys/claim of ${CLAIM_DEVICES} one-time keys: handler vs raw SQL`, handlerClaim, rawClaimTime),
    ];
  } finally {
    await homeserver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default benchmark;
