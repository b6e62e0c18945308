/** event_fields: dot-separated paths with escapes, applied to events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onlyEventFields, parseFieldPath } from '../../../core/handlers/sync/eventFields.ts';

test('paths split on dots; \\. and \\\\ are a literal dot and backslash', () => {
  assert.deepEqual(parseFieldPath('content.body'), ['content', 'body']);
  assert.deepEqual(parseFieldPath('content.m\\.relates_to'), ['content', 'm.relates_to']);
  assert.deepEqual(parseFieldPath('a\\\\.b'), ['a\\', 'b']);
  assert.deepEqual(parseFieldPath('type'), ['type']);
});

test('only the listed fields are kept; missing ones are simply absent', () => {
  const event = { type: 'm.room.message', sender: '@a:x', content: { body: 'hi', msgtype: 'm.text', 'm.relates_to': { rel_type: 'x' } }, unsigned: { age: 1 } };
  assert.deepEqual(onlyEventFields(event, ['type', 'content.body', 'content.m\\.relates_to', 'nothing.here', 'unsigned.none']), {
    type: 'm.room.message',
    content: { body: 'hi', 'm.relates_to': { rel_type: 'x' } },
  });
  assert.deepEqual(onlyEventFields(event, []), {});
});
