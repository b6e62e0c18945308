/**
 * Locates the Matrix specification checkout that sits beside this repository (../shared/matrix-spec) and reads
 * test material from it. The spec is never copied into the project; a missing spec fails loudly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function candidates(): string[] {
  const list: string[] = [];
  if (process.env.MATRIX_SPEC_DIR) list.push(resolve(process.env.MATRIX_SPEC_DIR));
  list.push(resolve(repoRoot, '..', 'shared', 'matrix-spec'));
  // A clean clone for a CI check lands elsewhere (e.g. /tmp/ci-check); the workplace keeps the spec here.
  list.push('/work/shared/matrix-spec');
  return list;
}

export function matrixSpecDir(): string {
  for (const dir of candidates()) {
    if (existsSync(join(dir, 'content', 'appendices.md'))) return dir;
  }
  throw new Error(
    `Matrix specification not found (looked in ${candidates().join(', ')}); set MATRIX_SPEC_DIR to its checkout`,
  );
}

export function readSpecFile(relativePath: string): string {
  return readFileSync(join(matrixSpecDir(), relativePath), 'utf8');
}

/** The fenced code blocks of a markdown section (from its heading to the next heading of the same or higher level). */
export function codeBlocksOfSection(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+\s/.test(l) && l.replace(/^#+\s+/, '').trim() === heading);
  if (start < 0) throw new Error(`section "${heading}" not found in the spec`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const headingMatch = /^(#+)\s/.exec(line);
    if (current === null && headingMatch && headingMatch[1]!.length <= level) break;
    if (line.trim().startsWith('```')) {
      if (current === null) current = [];
      else {
        blocks.push(current.join('\n'));
        current = null;
      }
    } else if (current !== null) {
      current.push(line);
    }
  }
  return blocks;
}

/** The indented (4-space) pseudo-code lines of a section, e.g. the signing-key seed. */
export function sectionText(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+\s/.test(l) && l.replace(/^#+\s+/, '').trim() === heading);
  if (start < 0) throw new Error(`section "${heading}" not found in the spec`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const out: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^(#+)\s/.exec(lines[i]!);
    if (m && m[1]!.length <= level) break;
    out.push(lines[i]!);
  }
  return out.join('\n');
}
