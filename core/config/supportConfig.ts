/**
 * The `support` section: who runs this server and where users get help, served at `/.well-known/matrix/support`
 * (spec v1.10). Optional; without it the endpoint answers 404.
 */
import { isAcceptableUserId } from '../events/identifiers.ts';
import type { ConfigReader } from './configReader.ts';

export interface SupportContactConfig {
  readonly matrix_id: string | null;
  readonly email_address: string | null;
  /** `m.role.admin`, `m.role.security`, or a namespaced role of one's own. */
  readonly role: string;
}

export interface SupportConfig {
  readonly contacts: readonly SupportContactConfig[];
  readonly support_page: string | null;
}

/** The spec's two roles; others must follow the Common Namespaced Identifier Grammar (and not claim `m.`). */
const SPEC_ROLES = ['m.role.admin', 'm.role.security'];

export function readSupport(r: ConfigReader): SupportConfig | null {
  const support = r.section('support');
  if (!support) return null;
  support.onlyKeys(['contacts', 'support_page']);
  const contacts = support.sectionList('contacts').map((contact): SupportContactConfig => {
    contact.onlyKeys(['matrix_id', 'email_address', 'role']);
    if (!contact.has('role')) contact.fail('role', 'is required');
    if (!contact.has('matrix_id') && !contact.has('email_address')) contact.fail('matrix_id', 'or email_address must be given');
    return {
      matrix_id: contact.optionalString('matrix_id', null, (v) => (isAcceptableUserId(v) ? null : `"${v}" is not a Matrix user ID`)),
      email_address: contact.optionalString('email_address', null, (v) => (/^[^\s@]+@[^\s@]+$/.test(v) ? null : `"${v}" is not an email address`)),
      role: contact.string('role', '', roleProblem),
    };
  });
  const supportPage = support.optionalString('support_page', null, (v) => (/^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v) ? null : `must be an http(s) URL (got "${v}")`));
  if (contacts.length === 0 && supportPage === null) support.fail('contacts', 'or support_page must be given');
  return { contacts, support_page: supportPage };
}

function roleProblem(role: string): string | null {
  if (SPEC_ROLES.includes(role)) return null;
  if (role.startsWith('m.')) return `"${role}" is not a role of the spec (${SPEC_ROLES.join(', ')})`;
  return /^[a-z][a-z0-9._-]{0,254}$/.test(role) ? null : `"${role}" is not m.role.admin, m.role.security or a namespaced identifier`;
}
