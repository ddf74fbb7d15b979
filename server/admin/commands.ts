import { ROLES, type Role } from '../../shared/accounts.js';
import { lowCostWarning } from '../auth/passwords.js';
import { createEnrollment, revokeDevice } from '../auth/devices.js';
import { createSetupToken, setupLink } from '../auth/setup.js';
import { changeUser, createUser, usernameKey } from '../auth/users.js';
import type { Repository } from '../storage/repository.js';
import { readPassword } from './password-input.js';

export const HELP = `npm run admin -- <command> [options]

Manages the accounts of a Fieldsync server, from its database directly: it
uses the stores the same variables name as for the server (DATA_DIR,
DATABASE_URL), and nothing needs to be stopped.

Commands:
  create-user --username NAME --role admin|supervisor [--forms ID,ID]
      Creates a user; asks for the password (at least 10 characters), or
      reads it from the first line of standard input when that is not a
      terminal. --forms limits a supervisor to those forms.
  reset-password --username NAME
      Sets a new password, asked for the same way, and ends the user's sessions.
  create-enrollment --name NAME [--forms ID,ID] [--kiosk]
      Prints a one-time link (24 hours) that enrolls the device opening it:
      show it as a QR code, or open it on the device.
  list-devices
      Lists every device: enrolled, waiting for its code, or revoked.
  revoke-device ID
      Refuses the device's credential from now on. What it sent is kept.
  setup-link
      Prints a new one-time link (one hour) to set up the first administrator.

Examples:
  npm run admin -- create-user --username amina --role supervisor --forms water-point-inspection
  echo 'a long passphrase' | npm run admin -- reset-password --username amina
  DATA_DIR=/var/lib/fieldsync npm run admin -- list-devices`;

/** A command line the command cannot run: the message says what is wrong. */
export class UsageError extends Error {}

export interface Command {
  name: string;
  positional: string[];
  flags: Map<string, string>;
}

/** Options that take no value. */
const SWITCHES = new Set(['--kiosk']);

/** The command and its options; null for --help. */
export function parseCommand(args: string[]): Command | null {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) return null;
  const [name = '', ...rest] = args;
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    if (SWITCHES.has(arg)) {
      flags.set(arg.slice(2), 'true');
      continue;
    }
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value.`);
    flags.set(arg.slice(2), value);
    i++;
  }
  return { name, positional, flags };
}

function flag(command: Command, name: string): string {
  const value = command.flags.get(name);
  if (value === undefined) throw new UsageError(`${command.name} needs --${name}.`);
  return value;
}

/** "a, b,c" → ['a', 'b', 'c'] */
function formList(value: string): string[] {
  return value
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${value}".`);
  return value as Role;
}

export interface CommandContext {
  repo: Repository;
  /** Where links start: PUBLIC_URL, else the server's address on this machine. */
  origin: string;
  /** log2 of scrypt's N for new password hashes (PASSWORD_HASH_COST). */
  passwordCost: number;
  out: (line: string) => void;
  /** Said on standard error, beside the command's own output. */
  warn: (line: string) => void;
}

async function findUser(repo: Repository, username: string) {
  const user = await repo.findUserByName(usernameKey(username));
  if (!user) throw new UsageError(`There is no user "${username}" (in any case): check the spelling.`);
  return user;
}

/** Runs one command; throws UsageError, or HttpError with the API's own words. */
export async function runCommand(
  command: Command,
  { repo, origin, passwordCost, out, warn }: CommandContext,
): Promise<void> {
  const now = new Date();
  const readNewPassword = (prompt: string): Promise<string> => {
    const cheapHashes = lowCostWarning(passwordCost);
    if (cheapHashes) warn(cheapHashes);
    return readPassword(prompt);
  };
  const known = (...flags: string[]): void => {
    for (const f of command.flags.keys())
      if (!flags.includes(f)) throw new UsageError(`${command.name} takes no --${f}.`);
  };
  switch (command.name) {
    case 'create-user': {
      known('username', 'role', 'forms');
      const username = flag(command, 'username');
      const asked = role(flag(command, 'role'));
      const forms = command.flags.get('forms');
      const formIds = forms === undefined ? null : formList(forms);
      const password = await readNewPassword(`Password for ${username}`);
      const user = await createUser(repo, { username, password, role: asked, formIds }, now, passwordCost);
      out(`Created ${user.role} "${user.username}" (${user.id}).`);
      return;
    }
    case 'reset-password': {
      known('username');
      const user = await findUser(repo, flag(command, 'username'));
      const password = await readNewPassword(`New password for ${user.username}`);
      await changeUser(repo, user.id, { password }, now, passwordCost);
      out(`The password of "${user.username}" is changed; every session of theirs has ended.`);
      return;
    }
    case 'create-enrollment': {
      known('name', 'forms', 'kiosk');
      const forms = command.flags.get('forms');
      const request = {
        name: flag(command, 'name'),
        formIds: forms === undefined ? null : formList(forms),
        kiosk: command.flags.has('kiosk'),
      };
      const made = await createEnrollment(repo, request, origin, now);
      out(`Open this link on the device (once, within 24 hours), or show it as a QR code:\n  ${made.url}`);
      return;
    }
    case 'list-devices': {
      known();
      const devices = await repo.listDevices();
      if (devices.length === 0) out('No devices yet: create an enrollment in the administration screen.');
      for (const d of devices) {
        const state = d.revokedAt
          ? `revoked ${d.revokedAt}`
          : d.enrolledAt
            ? `enrolled ${d.enrolledAt}, last seen ${d.lastSeenAt ?? 'never'}${d.appVersion ? `, app ${d.appVersion}` : ''}`
            : `waiting for its code until ${d.enrollmentExpiresAt}`;
        const forms = d.formIds === null ? 'every form' : d.formIds.join(', ');
        out(`${d.id}  ${d.name}${d.kiosk ? ' (kiosk)' : ''}: ${forms}; ${state}`);
      }
      return;
    }
    case 'revoke-device': {
      known();
      const [id] = command.positional;
      if (id === undefined) throw new UsageError('revoke-device needs the device id (see list-devices).');
      const device = await revokeDevice(repo, id, now);
      out(`Device "${device.name}" (${device.id}) is revoked since ${device.revokedAt}.`);
      return;
    }
    case 'setup-link': {
      known();
      if (await repo.hasAdministrator())
        throw new UsageError('The server already has an administrator: sign in, or use create-user.');
      out(
        `Open this link (once, within an hour) to choose the first administrator:\n  ${setupLink(origin, await createSetupToken(repo, now))}`,
      );
      return;
    }
    default:
      throw new UsageError(`There is no command "${command.name}".`);
  }
}
