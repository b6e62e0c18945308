/**
 * The layering rules of DESIGN.md ("The house"), after VS Code's: core never reaches into the Electron or UI
 * layers; the renderer is browser code that reaches core only through type-only imports of the admin API types.
 */
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import type { ImportRecord } from './importScanner.ts';

export interface LayeringViolation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly rule: string;
}

/** Files under core/ that the renderer may import, type-only (the admin API's request/response types). */
export const RENDERER_ALLOWED_CORE_TYPES = [`core${sep}http${sep}admin${sep}`];

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]!);
}

function isElectron(specifier: string): boolean {
  return specifier === 'electron' || specifier.startsWith('electron/');
}

function layerOf(repoRelativePath: string): string {
  return repoRelativePath.split(sep)[0]!;
}

/** Checks one file (path relative to the repository root) against the rules. */
export function checkFile(repoRoot: string, file: string, imports: readonly ImportRecord[]): LayeringViolation[] {
  const violations: LayeringViolation[] = [];
  const layer = layerOf(file);
  for (const imp of imports) {
    const target = imp.specifier.startsWith('.') ? relative(repoRoot, resolve(repoRoot, dirname(file), imp.specifier)) : null;
    const targetLayer = target ? layerOf(target) : null;
    const flag = (rule: string) => violations.push({ file, line: imp.line, specifier: imp.specifier, rule });

    if (layer === 'core') {
      if (isElectron(imp.specifier)) flag('core/ must not import electron');
      if (targetLayer === 'main' || targetLayer === 'renderer') flag(`core/ must not import ${targetLayer}/`);
    }
    if (layer === 'main') {
      if (targetLayer === 'renderer') flag('main/ must not import renderer/ code');
    }
    if (layer === 'renderer') {
      if (isNodeBuiltin(imp.specifier)) flag('renderer/ must not import Node built-ins');
      if (isElectron(imp.specifier)) flag('renderer/ must not import electron (the preload script is the bridge)');
      if (targetLayer === 'main') flag('renderer/ must not import main/');
      if (targetLayer === 'core') {
        const allowed = RENDERER_ALLOWED_CORE_TYPES.some((prefix) => target!.startsWith(prefix));
        if (!allowed) flag('renderer/ may import from core/ only the admin API types (core/http/admin/)');
        else if (!imp.typeOnly) flag('renderer/ may import core/ admin API types only with `import type`');
      }
    }
  }
  return violations;
}
