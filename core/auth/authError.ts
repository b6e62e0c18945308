/**
 * The one error the authorisation rules raise: the event is not allowed. Its message names the rule that refused
 * the event in words ("sender is banned"), so logs and Matrix errors (M_FORBIDDEN) can say why.
 */
export class AuthError extends Error {
  override readonly name: string = 'AuthError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Thrown by power-level reads when the room's own power levels hold a value that cannot be read as a level. */
export class InvalidPowerLevelsError extends AuthError {
  override readonly name: string = 'InvalidPowerLevelsError';
}
