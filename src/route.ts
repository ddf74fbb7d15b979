/** The app's screens by path. Paths (not hashes) so every screen can be deep-linked. */
export type Route =
  | { name: 'forms' }
  | { name: 'new'; id: string }
  | { name: 'draft'; id: string }
  /** focus: a submission to bring into view, e.g. opened from the map. */
  | { name: 'outbox'; focus?: string }
  | { name: 'map' }
  | { name: 'diagnostics' }
  /** The enrollment link, /enroll#code=…: the code is in the fragment, which reaches no server. */
  | { name: 'enroll' }
  /** The first start's set-up link, /setup#token=…. */
  | { name: 'setup' }
  /** Signing in, for administrators and supervisors. */
  | { name: 'signin' }
  /** An administrator's devices: enrollment links, revoking. */
  | { name: 'devices' }
  /** An administrator's supervisors and administrators. */
  | { name: 'users' }
  /** A supervisor's review of the submissions of their forms. */
  | { name: 'review' }
  /** A shared tablet's kiosk screen (shown whenever kiosk mode is on, whatever the address). */
  | { name: 'kiosk' }
  /** Setting up kiosk mode, or changing it with the PIN. */
  | { name: 'kiosk-setup' }
  | { name: 'not-found' };

export function matchRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0) return { name: 'forms' };
  if (parts.length === 2 && first === 'forms' && second) return { name: 'new', id: second };
  if (parts.length === 2 && first === 'drafts' && second) return { name: 'draft', id: second };
  if (parts.length === 1 && first === 'outbox') return { name: 'outbox' };
  if (parts.length === 2 && first === 'outbox' && second) return { name: 'outbox', focus: second };
  if (parts.length === 1 && first === 'map') return { name: 'map' };
  if (parts.length === 1 && first === 'diagnostics') return { name: 'diagnostics' };
  if (parts.length === 1 && first === 'enroll') return { name: 'enroll' };
  if (parts.length === 1 && first === 'setup') return { name: 'setup' };
  if (parts.length === 1 && first === 'signin') return { name: 'signin' };
  if (parts.length === 1 && first === 'devices') return { name: 'devices' };
  if (parts.length === 1 && first === 'users') return { name: 'users' };
  if (parts.length === 1 && first === 'review') return { name: 'review' };
  if (parts.length === 1 && first === 'kiosk') return { name: 'kiosk' };
  if (parts.length === 2 && first === 'kiosk' && second === 'setup') return { name: 'kiosk-setup' };
  return { name: 'not-found' };
}
