/**
 * Who is signed in on this browser, as the server last said: one service for
 * the whole app, reaching elements through `sessionContext`. Screens that sign
 * in or out tell it, so the navigation and the expiry warning follow at once.
 */
import { createContext } from '@lit/context';
import type { Me, MyUser } from '../../shared/accounts.js';
import { signOut, signOutEverywhere, whoAmI, type ApiOutcome } from './accounts-api.js';

export class AccountSession extends EventTarget {
  #me: Me | null = null;

  /** What the server last said; null until it has answered once. */
  get me(): Me | null {
    return this.#me;
  }

  /** The person signed in, with when their session ends; null for nobody. */
  get user(): MyUser | null {
    return this.#me?.user ?? null;
  }

  /** Records an answer naming who is asking (GET /api/me, signing in, set-up). */
  update(me: Me): void {
    this.#me = me;
    this.dispatchEvent(new Event('change'));
  }

  /**
   * Asks the server again. A signed-in person's request also counts as use:
   * the session's idle limit starts again from now.
   */
  async refresh(): Promise<ApiOutcome<Me>> {
    const outcome = await whoAmI();
    if (outcome.kind === 'ok') this.update(outcome.value);
    return outcome;
  }

  /** Signs out of this browser, or of every browser; the session is gone once the answer is ok. */
  async signOut(everywhere = false): Promise<ApiOutcome<null>> {
    const outcome = everywhere ? await signOutEverywhere() : await signOut();
    if (outcome.kind === 'ok' && this.#me) this.update({ ...this.#me, user: null });
    return outcome;
  }
}

export const sessionContext = createContext<AccountSession>(Symbol('fieldsync-session'));
