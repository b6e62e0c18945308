/**
 * Client-server endpoints answer under `/_matrix/client/v3` and the older `r0` prefix (still used by some
 * clients and bots), and a few under `v1`.
 */
export function clientV3(path: string): string[] {
  return [`/_matrix/client/v3${path}`, `/_matrix/client/r0${path}`];
}

export function clientV1(path: string): string[] {
  return [`/_matrix/client/v1${path}`];
}
