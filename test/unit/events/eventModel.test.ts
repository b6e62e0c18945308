import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { canonicalJson, type JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { buildEvent, buildUnsignedEvent, completeEvent, completeEventOffThread, type EventSigner } from '../../../core/events/eventBuilder.ts';
import { RoomEvent } from '../../../core/events/roomEvent.ts';
import { computeEventId } from '../../../core/events/eventId.ts';
import { EventFormat, getRoomVersion, KNOWN_ROOM_VERSIONS, UnsupportedRoomVersionError } from '../../../core/events/roomVersions.ts';
import { checkEventSignature, hasValidContentHash } from '../../../core/events/eventSigning.ts';
import { validatePdu, type EventProblem } from '../../../core/events/eventValidation.ts';
import { redactEvent } from '../../../core/events/redaction.ts';
import type { Pdu } from '../../../core/events/pdu.ts';

const signer: EventSigner = { serverName: 'hs.test', signingKey: SigningKey.generate('t1') };

function createEvent(version: string): RoomEvent {
  return buildEvent(
    { type: 'm.room.create', roomId: '!room:hs.test', sender: '@alice:hs.test', stateKey: '', content: { creator: '@alice:hs.test', room_version: version }, prevEvents: [], authEventIds: [], originServerTs: 1000 },
    getRoomVersion(version),
    signer,
  );
}

test('room versions 1 to 11 are known; others are refused', () => {
  assert.deepEqual([...KNOWN_ROOM_VERSIONS.keys()], ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
  assert.throws(() => getRoomVersion('12'), UnsupportedRoomVersionError);
  assert.throws(() => getRoomVersion('org.example.custom'), UnsupportedRoomVersionError);
});

test('event IDs: v1/v2 carry $opaque:domain; v3 standard Base64; v4+ URL-safe Base64 of the reference hash', () => {
  const v1 = createEvent('1');
  assert.match(v1.eventId, /^\$[A-Za-z0-9_-]+:hs\.test$/);
  assert.equal(v1.pdu.event_id, v1.eventId);
  for (const version of ['3', '4', '11']) {
    const event = createEvent(version);
    const roomVersion = getRoomVersion(version);
    // Independent computation: SHA-256 of the canonical redacted event without signatures/unsigned.
    const { signatures: _s, unsigned: _u, ...redacted } = redactEvent(event.pdu, roomVersion);
    const digest = createHash('sha256').update(canonicalJson(redacted)).digest('base64').replace(/=+$/, '');
    const expected = '$' + (version === '3' ? digest : digest.replace(/\+/g, '-').replace(/\//g, '_'));
    assert.equal(event.eventId, expected, `v${version}`);
    assert.equal(event.pdu.event_id, undefined);
    // An event_id member in a v3+ event is ignored.
    assert.equal(computeEventId({ ...event.pdu, event_id: '$forged' }, roomVersion), expected);
  }
});

test('built events are hashed, signed and valid in every room version', () => {
  for (const version of KNOWN_ROOM_VERSIONS.values()) {
    const create = createEvent(version.identifier);
    const message = buildEvent(
      { type: 'm.room.message', roomId: '!room:hs.test', sender: '@alice:hs.test', content: { body: 'hi' }, prevEvents: [create], authEventIds: [create.eventId] },
      version,
      signer,
    );
    assert.equal(message.depth, 2);
    // The ID computed from the signed bytes at build time is the one any server computes from the PDU.
    assert.equal(message.eventId, computeEventId(message.pdu, version));
    const withAge = completeEvent({ ...message.pdu, age_ts: 1234 } as JsonObject, version, signer);
    assert.equal(withAge.eventId, computeEventId(withAge.pdu, version), 'a top-level age_ts is outside the reference hash');
    assert.deepEqual(message.prevEventIds, [create.eventId]);
    assert.deepEqual(message.authEventIds, [create.eventId]);
    assert.ok(hasValidContentHash(message.pdu, version));
    assert.deepEqual(checkEventSignature(message.pdu, version, 'hs.test', signer.signingKey.keyId, signer.signingKey.keyPair.publicKey), { ok: true });
    assert.equal(validatePdu(message.pdu, version).ok, true);
    assert.equal(message.stateKey, null);
    assert.equal(create.stateKey, '');
    // The content hash no longer matches once content changes; the signature over the redacted form still does.
    const tampered = { ...message.pdu, content: { body: 'changed' } };
    assert.equal(hasValidContentHash(tampered, version), false);
    assert.deepEqual(checkEventSignature(tampered, version, 'hs.test', signer.signingKey.keyId, signer.signingKey.keyPair.publicKey), { ok: true });
  }
});

test('an event signed on the thread pool is the event signed on the event loop, in every room version', async () => {
  for (const version of KNOWN_ROOM_VERSIONS.values()) {
    const create = createEvent(version.identifier);
    const unsigned = buildUnsignedEvent(
      { type: 'm.room.message', roomId: '!room:hs.test', sender: '@alice:hs.test', content: { body: 'hi' }, prevEvents: [create], authEventIds: [create.eventId], originServerTs: 2000 },
      version,
      'hs.test',
    );
    const onLoop = completeEvent(unsigned, version, signer, { txnId: 't' });
    const offThread = await completeEventOffThread(unsigned, version, signer, { txnId: 't' });
    // v1 and v2 events carry a random event ID of their own; from v3 the ID is the reference hash. ed25519
    // signatures are deterministic: the same bytes give the same signature.
    if (version.eventFormat !== EventFormat.V1) {
      assert.equal(offThread.eventId, onLoop.eventId, `v${version.identifier}`);
      assert.deepEqual(offThread.pdu.signatures, onLoop.pdu.signatures);
    }
    assert.deepEqual(offThread.internal, { txnId: 't' });
    assert.deepEqual(checkEventSignature(offThread.pdu, version, 'hs.test', signer.signingKey.keyId, signer.signingKey.keyPair.publicKey), { ok: true });
  }
});

test('redacts is null, never a throw, when absent or malformed; v11 reads content.redacts (SEED-BEHAVIOURS.md §5)', () => {
  const v10 = getRoomVersion('10');
  const v11 = getRoomVersion('11');
  const create10 = createEvent('10');
  const create11 = createEvent('11');
  const redaction = (version: typeof v10, create: RoomEvent, redacts?: string) =>
    buildEvent({ type: 'm.room.redaction', roomId: '!room:hs.test', sender: '@alice:hs.test', content: {}, prevEvents: [create], authEventIds: [create.eventId], ...(redacts ? { redacts } : {}) }, version, signer);

  const r10 = redaction(v10, create10, '$target');
  assert.equal(r10.pdu.redacts, '$target');
  assert.equal(r10.redacts, '$target');
  const r11 = redaction(v11, create11, '$target');
  assert.equal(r11.pdu.redacts, undefined);
  assert.equal(r11.content.redacts, '$target');
  assert.equal(r11.redacts, '$target');

  assert.equal(redaction(v10, create10).redacts, null);
  assert.equal(redaction(v11, create11).redacts, null);
  // v11 ignores a top-level redacts; a non-string redacts is null.
  const topLevelIn11 = RoomEvent.fromPdu({ ...r11.pdu, content: {}, redacts: '$x' } as Pdu, v11);
  assert.equal(topLevelIn11.redacts, null);
  const numeric = RoomEvent.fromPdu({ ...r11.pdu, content: { redacts: 5 } } as Pdu, v11);
  assert.equal(numeric.redacts, null);
  assert.equal(numeric.rawRedacts, 5);
  // A redacted redaction keeps content.redacts in v11 and loses the top-level one before.
  assert.equal(RoomEvent.fromPdu(redactEvent(r11.pdu, v11) as Pdu, v11).redacts, '$target');
  assert.equal(RoomEvent.fromPdu(redactEvent(r10.pdu, v10) as Pdu, v10).redacts, null);
  // Non-redaction events have no redacts even if they carry the field.
  assert.equal(RoomEvent.fromPdu({ ...create10.pdu, redacts: '$x' } as Pdu, v10).redacts, null);
});

function problemsOf(value: unknown, version = '11'): EventProblem[] {
  const result = validatePdu(value, getRoomVersion(version));
  return result.ok ? [] : result.problems;
}

test('validation names each bad field and enforces size and field limits', () => {
  const good = createEvent('11').pdu as JsonObject;
  assert.deepEqual(problemsOf(good), []);
  const fields = (value: unknown, version?: string) => problemsOf(value, version).map((p) => p.field);
  assert.deepEqual(fields('x'), ['(event)']);
  assert.deepEqual(fields({ ...good, type: 5 }), ['type']);
  assert.deepEqual(fields({ ...good, type: 't'.repeat(256) }), ['type']);
  assert.deepEqual(fields({ ...good, sender: 'alice' }), ['sender']);
  assert.deepEqual(fields({ ...good, sender: `@${'a'.repeat(250)}:hs.test` }), ['sender']);
  assert.deepEqual(fields({ ...good, room_id: '!nodomain' }), ['room_id']);
  assert.deepEqual(fields({ ...good, state_key: 'é'.repeat(128) }), ['state_key']); // 256 bytes
  assert.deepEqual(fields({ ...good, content: [] }), ['content']);
  assert.deepEqual(fields({ ...good, depth: -1 }), ['depth']);
  assert.deepEqual(fields({ ...good, depth: 1.5 }), ['(event)', 'depth']);
  assert.deepEqual(fields({ ...good, origin_server_ts: '1' }), ['origin_server_ts']);
  assert.deepEqual(fields({ ...good, hashes: {} }), ['hashes']);
  assert.deepEqual(fields({ ...good, signatures: { hs: 'x' } }), ['signatures']);
  assert.deepEqual(fields({ ...good, prev_events: Array.from({ length: 21 }, (_, i) => `$e${i}`) }), ['prev_events']);
  assert.deepEqual(fields({ ...good, auth_events: Array.from({ length: 11 }, (_, i) => `$e${i}`) }), ['auth_events']);
  assert.deepEqual(fields({ ...good, prev_events: [['$e', {}]] }), ['prev_events']);
  assert.deepEqual(fields({ ...good, unsigned: 3 }), ['unsigned']);
  assert.deepEqual(fields({ ...good, content: { big: 'x'.repeat(70000) } }), ['(event)']);
  assert.match(problemsOf({ ...good, content: { n: 2 ** 60 } })[0]!.message, /canonical integer range/);
  // v1 needs event_id and [id, hashes] pairs; floats are tolerated there (no strict canonical JSON).
  const v1 = createEvent('1').pdu as JsonObject;
  assert.deepEqual(fields(v1, '1'), []);
  assert.deepEqual(fields({ ...v1, event_id: undefined }, '1'), ['event_id']);
  assert.deepEqual(fields({ ...v1, prev_events: ['$e'] }, '1'), ['prev_events']);
  assert.deepEqual(fields({ ...v1, content: { pl: 1.5 } }, '1'), []);
  assert.deepEqual(fields({ ...v1, content: { pl: 1.5 } }, '6'), ['(event)']);
});
