/**
 * Canonical JSON + content hash + event signature of a typical message event, against a raw ed25519 sign of the
 * same canonical bytes: how much our event-signing pipeline costs on top of the signature itself.
 */
import { sign } from 'node:crypto';
import { measure, ratio, type Benchmark } from './harness.ts';
import { SigningKey } from '../core/crypto/signingKey.ts';
import { canonicalJsonBytes, type JsonObject } from '../core/crypto/canonicalJson.ts';
import { hashAndSignEvent } from '../core/events/eventSigning.ts';
import { getRoomVersion } from '../core/events/roomVersions.ts';
import { redactEvent } from '../core/events/redaction.ts';

const typicalMessage: JsonObject = {
  type: 'm.room.message',
  room_id: '!OGEhHVWSdvArJzumhm:example.org',
  sender: '@alice:example.org',
  origin_server_ts: 1732900000000,
  depth: 4821,
  content: {
    msgtype: 'm.text',
    body: 'Lunch at the usual place? I can book a table for half past twelve if that works for everyone.',
    'm.mentions': { user_ids: ['@bob:example.org'] },
  },
  prev_events: ['$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg'],
  auth_events: [
    '$Yf2lGmsNdSDUPwo3tSfNp6Ih7kDVQnxsmVm8BgjoBds',
    '$I3rtBh5OmBL6S-y6D_hGXuA6aKQpN2bL_GO6n1W5Blc',
    '$CRbc0-Jl3bUJx4r-nLAeFVEvxT8sSqa3pE2GcF5pb9k',
  ],
  unsigned: { age_ts: 1732900000000 },
};

const benchmark: Benchmark = async () => {
  const key = SigningKey.generate();
  const v11 = getRoomVersion('11');
  const bytes = canonicalJsonBytes(redactEvent(typicalMessage, v11));
  const ours = await measure('canonical JSON + content hash + sign (hashAndSignEvent)', () =>
    hashAndSignEvent(typicalMessage, v11, 'example.org', key),
  );
  const raw = await measure('raw crypto.sign of the same canonical bytes', () => sign(null, bytes, key.keyPair.privateKeyObject));
  return [ratio('Event signing pipeline vs raw ed25519 sign', ours, raw)];
};
export default benchmark;
