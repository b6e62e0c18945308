/** Dot-separated property paths (appendices) with backslash escapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePropertyPath, valueAtPath } from '../../../core/handlers/push/propertyPath.ts';

test('paths split on unescaped dots; \\. and \\\\ are escapes; other backslashes are literal', () => {
  assert.deepEqual(parsePropertyPath('content.body'), ['content', 'body']);
  assert.deepEqual(parsePropertyPath('content.m\\.relates_to'), ['content', 'm.relates_to']);
  assert.deepEqual(parsePropertyPath('content.m\\\\foo'), ['content', 'm\\foo']);
  assert.deepEqual(parsePropertyPath('content.m\\x'), ['content', 'm\\x']);
  assert.deepEqual(parsePropertyPath('content.m\\\\.foo'), ['content', 'm\\', 'foo']);
  assert.deepEqual(parsePropertyPath('trailing\\'), ['trailing\\']);
  assert.deepEqual(parsePropertyPath('type'), ['type']);
  assert.deepEqual(parsePropertyPath('a..b'), ['a', '', 'b']);
});

test('valueAtPath walks objects only and distinguishes dotted keys from nesting', () => {
  const event = {
    type: 'm.room.message',
    content: {
      body: 'hi',
      'm.relates_to': { rel_type: 'm.replace' },
      m: { relates_to: { rel_type: 'nested' } },
      'm\\foo': 'backslash',
      list: [{ a: 1 }],
      nothing: null,
    },
  };
  assert.equal(valueAtPath(event, 'type'), 'm.room.message');
  assert.equal(valueAtPath(event, 'content.body'), 'hi');
  assert.equal(valueAtPath(event, 'content.m\\.relates_to.rel_type'), 'm.replace');
  assert.equal(valueAtPath(event, 'content.m.relates_to.rel_type'), 'nested');
  assert.equal(valueAtPath(event, 'content.m\\\\foo'), 'backslash');
  assert.equal(valueAtPath(event, 'content.nothing'), null);
  assert.equal(valueAtPath(event, 'content.missing'), undefined);
  assert.equal(valueAtPath(event, 'content.body.length'), undefined, 'strings have no properties');
  assert.equal(valueAtPath(event, 'content.list.0.a'), undefined, 'arrays are not indexed');
  assert.equal(valueAtPath(event, 'content.constructor'), undefined, 'only own properties');
});
