/** What a tenant believes of a transaction from its relay: its origin's X-Matrix signature decides. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { KeyRing } from '../../../core/federation/keyRing.ts';
import { ServerKeyDocument } from '../../../core/federation/serverKeyDocument.ts';
import { parseXMatrixAuthorization, xMatrixAuthorization } from '../../../core/federation/xMatrixAuthorization.ts';
import { ServerKeysStore } from '../../../core/storage/databases/main/serverKeysStore.ts';
import { openDataDirectory } from '../../../core/storage/dataDirectory.ts';
import { RELAY_MIGRATIONS } from '../../../core/relay/schema/relayMigrations.ts';
import { checkRelayedTransaction, relayTxnResponse, type RelayTxnResponse } from '../../../core/relay/relayedTransaction.ts';
import type { OriginAuthorization } from '../../../core/relay/mailboxStore.ts';
import { tempDir } from '../../support/tempDir.ts';

const aKey = SigningKey.generate();
const cKey = SigningKey.generate();
const CONTENT: JsonObject = { origin: 'a.test', origin_server_ts: 5, pdus: [], edus: [{ edu_type: 'm.typing', content: { room_id: '!r:a.test', user_id: '@alice:a.test', typing: true } }] };

function signed(uri: string, destination: string, options: { origin?: string; key?: SigningKey; method?: string } = {}): OriginAuthorization {
  const origin = options.origin ?? 'a.test';
  const method = options.method ?? 'PUT';
  const header = xMatrixAuthorization({ method, uri, origin, destination, content: CONTENT }, options.key ?? aKey);
  const { key, sig } = parseXMatrixAuthorization(header);
  return { method, uri, origin, destination, key, sig };
}

function response(authorization: OriginAuthorization | null, content: JsonObject = CONTENT): RelayTxnResponse {
  return relayTxnResponse({ entryId: 1, tenant: 'b.test', origin: 'a.test', txnId: 'txn1', content, authorization, receivedTs: 1 }, 1);
}

test('a relayed transaction is believed only under a verifying signature of a request addressed to the tenant', async (t) => {
  const directory = openDataDirectory(tempDir(t), { serverName: 'b.test', migrations: RELAY_MIGRATIONS, databaseFile: 'keys.db' });
  t.after(() => directory.close());
  const documents: Record<string, JsonObject> = {
    'a.test': new ServerKeyDocument({ serverName: 'a.test', signingKey: aKey }).current(),
    'c.test': new ServerKeyDocument({ serverName: 'c.test', signingKey: cKey }).current(),
  };
  const keyRing = new KeyRing({ ownServerName: 'b.test', ownKey: SigningKey.generate(), store: new ServerKeysStore(directory.db), fetchDirect: async (server) => documents[server] });
  const context = { ownServerName: 'b.test', relayServerName: 'relay.test', keyRing };
  const check = (r: RelayTxnResponse) => checkRelayedTransaction(r, context);

  assert.deepEqual(await check(response(signed('/_matrix/federation/v1/send/txn%201', 'b.test'))), { kind: 'signed', origin: 'a.test', txnId: 'txn 1', body: CONTENT });
  assert.deepEqual(await check(response(signed('/_matrix/federation/v1/send_relay/t2/%40user%3Ab.test', 'relay.test'))), { kind: 'signed', origin: 'a.test', txnId: 't2', body: CONTENT });

  const refusals: [string, RelayTxnResponse, RegExp][] = [
    ['no signature (a Dendrite-style deposit)', response(null), /no origin signature/],
    ['a signature without its sig', { ...response(null), origin_authorization: { ...signed('/_matrix/federation/v1/send/t', 'b.test'), sig: 7, content: CONTENT } as never }, /malformed/],
    ['content altered after signing', response(signed('/_matrix/federation/v1/send/t', 'b.test'), { ...CONTENT, edus: [] }), /does not verify/],
    ['a /send signed for another server', response(signed('/_matrix/federation/v1/send/t', 'c.test')), /not a transaction for us/],
    ['send_relay for another server’s user', response(signed('/_matrix/federation/v1/send_relay/t/%40user%3Ac.test', 'relay.test')), /not a transaction for us/],
    ['send_relay deposited at another relay', response(signed('/_matrix/federation/v1/send_relay/t/%40user%3Ab.test', 'other.relay')), /not a transaction for us/],
    ['some other request', response(signed('/_matrix/federation/v1/invite/t', 'b.test')), /not a transaction for us/],
    ['not a PUT', response(signed('/_matrix/federation/v1/send/t', 'b.test', { method: 'POST' })), /not a PUT/],
    ['signed by another server’s key', response(signed('/_matrix/federation/v1/send/t', 'b.test', { key: cKey })), /does not verify/],
    ['claiming another origin', response(signed('/_matrix/federation/v1/send/t', 'b.test', { origin: 'c.test' })), /signature of c\.test does not verify/],
  ];
  for (const [what, relayed, reason] of refusals) {
    const outcome = await check(relayed);
    assert.equal(outcome.kind, 'unsigned', what);
    assert.match((outcome as { reason: string }).reason, reason, what);
    assert.equal(outcome.origin, 'a.test', `${what}: the claimed origin is kept for the PDUs`);
  }
});
