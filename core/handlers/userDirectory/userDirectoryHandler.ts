/**
 * `/user_directory/search`: users whose ID or display name matches every word of the search term, among the
 * users the searcher may find (sharing a room, in a public room, or a local account). Results rank users whose
 * name or ID starts with the term first, then alphabetically; `limited` says more matched than were returned.
 */
import type { UserDirectoryReadStore, DirectoryEntry } from '../../storage/databases/main/userDirectoryReadStore.ts';
import type { Requester } from '../requester.ts';

export const DEFAULT_DIRECTORY_LIMIT = 10;
export const MAX_DIRECTORY_LIMIT = 100;

export interface DirectoryResult {
  user_id: string;
  display_name?: string;
  avatar_url?: string;
}

export class UserDirectoryHandler {
  constructor(private readonly store: UserDirectoryReadStore) {}

  search(requester: Requester, term: string, limit: number): { results: DirectoryResult[]; limited: boolean } {
    const words = term.toLowerCase().match(/[\p{L}\p{N}_.=\-/+]+/gu) ?? [];
    if (words.length === 0) return { results: [], limited: false };
    const whole = term.trim().toLowerCase();
    const matches = this.store.visibleUsers(requester.userId).filter((entry) => {
      const haystack = tokensOf(entry);
      return words.every((word) => haystack.some((token) => token.startsWith(word)));
    });
    const score = (entry: DirectoryEntry) => {
      const name = entry.displayName?.toLowerCase() ?? '';
      const localpart = entry.userId.slice(1).toLowerCase();
      return name.startsWith(whole) || localpart.startsWith(whole) ? 0 : 1;
    };
    matches.sort((a, b) => score(a) - score(b) || (a.displayName ?? a.userId).localeCompare(b.displayName ?? b.userId) || a.userId.localeCompare(b.userId));
    return {
      results: matches.slice(0, limit).map((entry) => ({
        user_id: entry.userId,
        ...(entry.displayName ? { display_name: entry.displayName } : {}),
        ...(entry.avatarUrl ? { avatar_url: entry.avatarUrl } : {}),
      })),
      limited: matches.length > limit,
    };
  }
}

/** Words a search may match the start of: the whole user ID, its localpart and server, and display name words. */
function tokensOf(entry: DirectoryEntry): string[] {
  const id = entry.userId.toLowerCase();
  const [localpart = '', server = ''] = id.slice(1).split(':');
  const tokens = [id, id.slice(1), localpart, server, ...localpart.split(/[._=\-/+]/)];
  if (entry.displayName) tokens.push(entry.displayName.toLowerCase(), ...(entry.displayName.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []));
  return tokens.filter((t) => t !== '');
}
