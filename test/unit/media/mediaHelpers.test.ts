/** The media repository's pure parts: Content-Disposition encoding, content types, multipart framing, address policy, thumbnail sizes, media IDs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentDisposition, fileNameFromDisposition, sanitizeFileName } from '../../../core/media/contentDisposition.ts';
import { isInlineSafe, normalizeContentType, servedContentType } from '../../../core/media/mediaContentType.ts';
import { boundaryOf, multipartFrame, parseMultipartMedia } from '../../../core/media/multipartMixed.ts';
import { AddressPolicy } from '../../../core/media/addressPolicy.ts';
import { selectThumbnailSize } from '../../../core/media/thumbnailer.ts';
import { isValidMediaId, newMediaId, parseMxcUri } from '../../../core/media/mediaId.ts';
import { ftsMatchExpression, highlightsOf, searchWords } from '../../../core/handlers/search/searchQuery.ts';

test('Content-Disposition: quoted ASCII, RFC 5987 for the rest, nothing that breaks the header', () => {
  assert.equal(contentDisposition('inline', 'cat.png'), 'inline; filename="cat.png"');
  // Backslashes are path separators on some systems: dropped like slashes.
  assert.equal(contentDisposition('attachment', 'a "b" \\c.txt'), 'attachment; filename="a \\"b\\" c.txt"');
  assert.equal(contentDisposition('inline', 'Grüße 🐱.png'), "inline; filename*=utf-8''Gr%C3%BC%C3%9Fe%20%F0%9F%90%B1.png");
  assert.equal(contentDisposition('inline', 'evil\r\nSet-Cookie: a=b'), 'inline; filename="evilSet-Cookie: a=b"');
  assert.equal(contentDisposition('inline', '../../etc/passwd'), 'inline; filename="....etcpasswd"');
  assert.equal(contentDisposition('attachment', null), 'attachment');
  assert.equal(contentDisposition('attachment', '..'), 'attachment');
  assert.equal(sanitizeFileName('\u0000\u0007'), null);
  assert.equal(fileNameFromDisposition("inline; filename*=utf-8''na%C3%AFve.txt"), 'naïve.txt');
  assert.equal(fileNameFromDisposition('attachment; filename="a \\"q\\".txt"'), 'a "q".txt');
  assert.equal(fileNameFromDisposition('inline; filename=plain.txt'), 'plain.txt');
  assert.equal(fileNameFromDisposition('inline'), null);
});

test('content types: only well-formed types are kept; only script-free types are inline', () => {
  assert.equal(normalizeContentType('IMAGE/PNG'), 'image/png');
  assert.equal(normalizeContentType('text/plain; charset=UTF-8; foo=bar'), 'text/plain; charset=utf-8');
  assert.equal(normalizeContentType('application/json; charset=utf-8'), 'application/json');
  assert.equal(normalizeContentType('garbage'), 'application/octet-stream');
  assert.equal(normalizeContentType('a/b\r\nX: y'), 'application/octet-stream');
  assert.equal(normalizeContentType(null), 'application/octet-stream');
  assert.equal(servedContentType('text/csv'), 'text/csv; charset=utf-8');
  for (const type of ['image/png', 'video/mp4', 'audio/ogg', 'text/plain']) assert.ok(isInlineSafe(type), type);
  for (const type of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/pdf', 'application/javascript']) assert.ok(!isInlineSafe(type), type);
});

test('multipart/mixed: what we frame we parse, including a quoted boundary and binary bytes', () => {
  const bytes = Buffer.from([0, 13, 10, 45, 45, 255, 1, 2]);
  const { head, tail } = multipartFrame('b0undary', { a: 1 }, 'image/png', 'inline; filename="x.png"');
  const body = Buffer.concat([head, bytes, tail]);
  const parsed = parseMultipartMedia(body, 'b0undary');
  assert.deepEqual(parsed.metadata, { a: 1 });
  assert.equal(parsed.contentType, 'image/png');
  assert.deepEqual(parsed.bytes, bytes);
  assert.equal(parsed.location, null);
  assert.equal(boundaryOf('multipart/mixed; boundary="abc def"'), 'abc def');
  assert.equal(boundaryOf('application/json'), null);
  const redirect = Buffer.from('--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b\r\nLocation: https://cdn.example/x\r\n\r\n\r\n--b--\r\n');
  assert.equal(parseMultipartMedia(redirect, 'b').location, 'https://cdn.example/x');
  assert.throws(() => parseMultipartMedia(Buffer.from('nothing'), 'b'));
  assert.throws(() => parseMultipartMedia(Buffer.from('--b\r\nContent-Type: application/json\r\n\r\nnot json\r\n--b\r\n\r\nx\r\n--b--'), 'b'));
});

test('address policy: loopback, private, link-local and embedded IPv4 are refused; an allowlist opens ranges', () => {
  const policy = new AddressPolicy();
  for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1', '2002:c0a8:101::1', '224.0.0.1', 'not-an-ip']) {
    assert.equal(policy.isAllowed(address), false, address);
  }
  for (const address of ['93.184.216.34', '2606:4700:4700::1111', '::ffff:93.184.216.34']) assert.equal(policy.isAllowed(address), true, address);
  const lan = new AddressPolicy(['192.168.1.0/24', '::1']);
  assert.equal(lan.isAllowed('192.168.1.20'), true);
  assert.equal(lan.isAllowed('192.168.2.20'), false);
  assert.equal(lan.isAllowed('::1'), true);
});

test('thumbnail sizes: the smallest pre-generated size that covers the request, by method', () => {
  assert.deepEqual(selectThumbnailSize(96, 96, 'crop'), { width: 96, height: 96, method: 'crop' });
  assert.deepEqual(selectThumbnailSize(20, 20, 'crop'), { width: 32, height: 32, method: 'crop' });
  assert.deepEqual(selectThumbnailSize(500, 500, 'crop'), { width: 96, height: 96, method: 'crop' });
  assert.deepEqual(selectThumbnailSize(300, 200, 'scale'), { width: 320, height: 240, method: 'scale' });
  assert.deepEqual(selectThumbnailSize(640, 480, 'scale'), { width: 640, height: 480, method: 'scale' });
  assert.deepEqual(selectThumbnailSize(4000, 3000, 'scale'), { width: 800, height: 600, method: 'scale' });
});

test('media IDs and mxc URIs', () => {
  const id = newMediaId();
  assert.ok(isValidMediaId(id));
  assert.equal(id.length, 24);
  for (const bad of ['', '..', 'a/b', 'a.b', 'a%2F', 'x'.repeat(256)]) assert.equal(isValidMediaId(bad), false, bad);
  assert.deepEqual(parseMxcUri('mxc://example.org/abc_DEF-1'), { serverName: 'example.org', mediaId: 'abc_DEF-1' });
  assert.equal(parseMxcUri('mxc://example.org/../x'), null);
  assert.equal(parseMxcUri('https://example.org/x'), null);
});

test('search terms become safe FTS5 expressions; highlights include the words matched by prefix', () => {
  assert.deepEqual(searchWords('Hello, WORLD! hello'), ['hello', 'world']);
  assert.equal(ftsMatchExpression(searchWords('a" OR body:* NEAR(x')), '"a"* "or"* "body"* "near"* "x"*');
  assert.equal(ftsMatchExpression(searchWords('!!! ...')), null);
  assert.deepEqual(highlightsOf(['walk'], ['Walking the dog', 'walked']).sort(), ['Walking', 'walk', 'walked'].sort());
});
