/** A configuration problem, naming the offending field so the user can fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** Dotted path of the field, e.g. `client_listener.port`; empty for the whole document. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `config field "${field}" ${problem}` : `config ${problem}`);
  }
}
