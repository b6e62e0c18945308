/**
 * Positions in a room's timeline, as clients pass them to /messages (`from`, `to`) and get them from /sync
 * (`prev_batch`) and /messages (`start`, `end`):
 *   `s<stream>`          a position in the events stream: everything at or below it is "before"
 *   `t<depth>-<stream>`  a topological position (depth, then stream order), for history across forks
 * Tokens are opaque to clients; both forms are accepted wherever a room position is.
 */
import { MatrixError } from '../matrixError.ts';

export interface RoomPaginationToken {
  /** Events stream position. */
  readonly stream: number;
  /** Depth, when the token is topological. */
  readonly topological: number | null;
}

export function streamToken(stream: number): RoomPaginationToken {
  return { stream, topological: null };
}

export function topologicalToken(depth: number, stream: number): RoomPaginationToken {
  return { stream, topological: depth };
}

export function encodeRoomToken(token: RoomPaginationToken): string {
  return token.topological === null ? `s${token.stream}` : `t${token.topological}-${token.stream}`;
}

/** Parses a token; a malformed one is 400 M_INVALID_PARAM naming the parameter. */
export function parseRoomToken(text: string, parameter = 'from'): RoomPaginationToken {
  const stream = /^s(-?\d+)(?:_.*)?$/.exec(text);
  if (stream) return streamToken(Number(stream[1]));
  const topo = /^t(-?\d+)-(-?\d+)$/.exec(text);
  if (topo) return topologicalToken(Number(topo[1]), Number(topo[2]));
  throw MatrixError.invalidParam(`Invalid pagination token in ${parameter}`);
}
