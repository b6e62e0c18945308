/**
 * The events writer rule (SEED-BEHAVIOURS.md §2): the classes that write events exist only on the instance
 * configured as `stream_writers.events`; constructing one anywhere else is a programming or configuration error.
 */
export interface InstanceIdentity {
  /** This process's instance name (`main` for the desktop app). */
  readonly instanceName: string;
  /** The instance configured to write the events stream. */
  readonly eventsWriter: string;
}

export class NotEventsWriterError extends Error {
  override readonly name = 'NotEventsWriterError';
  constructor(identity: InstanceIdentity, what: string) {
    super(`${what} may only be constructed on the events writer "${identity.eventsWriter}", not on "${identity.instanceName}"`);
  }
}

export function isEventsWriter(identity: InstanceIdentity): boolean {
  return identity.instanceName === identity.eventsWriter;
}

export function assertEventsWriter(identity: InstanceIdentity, what: string): void {
  if (!isEventsWriter(identity)) throw new NotEventsWriterError(identity, what);
}
