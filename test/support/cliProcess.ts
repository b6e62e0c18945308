/** Runs the real CLI (core/cli.ts through tsx) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO_ROOT, 'core', 'cli.ts');
// `--import tsx` would resolve from the child's cwd, which tests sometimes set outside the repository.
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function spawnCli(args: string[], options: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolvePromise) => child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr })));
}

/** Starts `serve` and resolves once it printed its "listening on" line. */
export function startServeProcess(t: TestContext, args: string[], options: { cwd?: string } = {}) {
  return startListeningProcess(t, 'serve', args, options);
}

/** Starts a long-running command (`serve`, `relay`) and resolves once it printed its first line. */
export async function startListeningProcess(t: TestContext, command: string, args: string[], options: { cwd?: string } = {}) {
  const child = spawnCli([command, ...args], options);
  const done = collect(child);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const firstLine = await new Promise<string>((resolvePromise, reject) => {
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        child.stdout!.off('data', onData);
        resolvePromise(buffered.slice(0, newline));
      }
    };
    child.stdout!.on('data', onData);
    child.on('close', (code) => reject(new Error(`${command} exited with ${code} before listening`)));
  });
  return { child, firstLine, done };
}
