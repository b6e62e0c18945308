/** Who is making an authenticated client request: the owner of the access token presented. */
export interface Requester {
  readonly userId: string;
  readonly deviceId: string;
  readonly tokenId: number;
  /** The SHA-256 hash of the token used, so logout can revoke exactly this token. */
  readonly tokenHash: string;
  readonly isAdmin: boolean;
  /** Suspended by a server admin (accountSuspension.ts says what that forbids). */
  readonly suspended: boolean;
}
