/**
 * A small leveled logger writing one line per entry to stderr (stdout is reserved for the CLI's own output,
 * such as the "listening on" line). Recent warnings and errors are kept for the health page.
 */
import type { LogLevelName } from '../config/homeserverConfig.ts';

const LEVELS: Record<LogLevelName, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogEntry {
  readonly ts: number;
  readonly level: LogLevelName;
  readonly scope: string;
  readonly message: string;
}

export interface LogSink {
  write(entry: LogEntry): void;
}

export const stderrSink: LogSink = {
  write(entry) {
    process.stderr.write(`${new Date(entry.ts).toISOString()} ${entry.level.toUpperCase().padEnd(5)} [${entry.scope}] ${entry.message}\n`);
  },
};

export class Logger {
  private readonly recent: LogEntry[];

  constructor(
    private readonly level: LogLevelName = 'info',
    private readonly sink: LogSink = stderrSink,
    private readonly scope = 'core',
    recent?: LogEntry[],
  ) {
    this.recent = recent ?? [];
  }

  /** A logger for a part of the server; shares level, sink and the recent-problems list. */
  child(scope: string): Logger {
    return new Logger(this.level, this.sink, scope, this.recent);
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error === undefined ? '' : ` ${String(error)}`;
    this.log('error', message + detail);
  }

  /** The last warnings and errors, newest last. */
  recentProblems(): readonly LogEntry[] {
    return this.recent;
  }

  private log(level: LogLevelName, message: string): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const entry = { ts: Date.now(), level, scope: this.scope, message };
    this.sink.write(entry);
    if (LEVELS[level] >= LEVELS.warn) {
      this.recent.push(entry);
      if (this.recent.length > 100) this.recent.shift();
    }
  }
}

/** For tests and tools: drops everything. */
export const silentLogger = new Logger('error', { write() {} });
