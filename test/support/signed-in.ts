/**
 * Signs this browser in as someone unless it already is: the server allows
 * one address 10 sign-in tries a minute, and every test file of a run comes
 * from the same one.
 */
import { signIn, whoAmI } from '../../src/accounts/accounts-api.js';

export interface Credentials {
  username: string;
  password: string;
}

export async function signedInAs(who: Credentials): Promise<void> {
  const me = await whoAmI();
  if (me.kind === 'ok' && me.value.user?.username === who.username) return;
  const outcome = await signIn(who);
  if (outcome.kind !== 'ok') throw new Error(`${who.username} could not sign in: ${outcome.message}`);
}
