import { randomUUID } from 'node:crypto';
import type { MyUser, NewUserRequest, Role, UserChangeRequest, UserInfo } from '../../shared/accounts.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { UserChange, UserRecord } from '../storage/accounts.js';
import type { Repository, RepositoryTx } from '../storage/repository.js';
import { hashPassword, passwordProblem } from './passwords.js';

/** Letters and digits of any script, and . _ - @; spaces inside are kept as typed. */
const USERNAME_RE = /^[\p{L}\p{N}._@-](?:[\p{L}\p{N}._@ -]{0,62}[\p{L}\p{N}._@-])?$/u;

/** The username as compared: "Amina", "amina" and "ＡＭＩＮＡ" are one account. */
export function usernameKey(username: string): string {
  return username.trim().normalize('NFKC').toLowerCase();
}

/** The username as stored and shown, or 400 saying what is wrong with it. */
export function checkUsername(username: string): string {
  const trimmed = username.trim().normalize('NFC');
  if (!USERNAME_RE.test(trimmed))
    throw badRequest(
      'A username is 1 to 64 letters, digits, dots, hyphens, underscores or @ (spaces allowed inside).',
      'username',
    );
  return trimmed;
}

/** 400 when the password is too short (or too long), saying so. */
export function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw badRequest(problem, 'password');
}

/** An administrator reviews every form: formIds is null whatever was asked. */
function formsFor(role: Role, formIds: string[] | null): string[] | null {
  return role === 'admin' ? null : formIds && [...new Set(formIds)].sort();
}

export function userInfo(u: UserRecord): UserInfo {
  const { id, username, role, formIds, createdAt, disabledAt } = u;
  return { id, username, role, formIds, createdAt, disabledAt };
}

export function myUser(u: UserRecord, sessionExpiresAt: string): MyUser {
  return { id: u.id, username: u.username, role: u.role, formIds: u.formIds, sessionExpiresAt };
}

/** Whether the user reviews submissions of the form. */
export function userMayReview(user: UserRecord, formId: string): boolean {
  return user.formIds === null || user.formIds.includes(formId);
}

/**
 * Creates a supervisor or administrator (in tx, when given), or refuses
 * with 400 (username, password) or 409 (username taken, in any case).
 * The password is hashed at passwordCost (log2 of scrypt's N).
 */
export async function createUser(
  repo: RepositoryTx,
  request: NewUserRequest,
  now: Date,
  passwordCost: number,
): Promise<UserRecord> {
  const username = checkUsername(request.username);
  checkPassword(request.password);
  const user: UserRecord = {
    id: randomUUID(),
    username,
    usernameKey: usernameKey(username),
    passwordHash: await hashPassword(request.password, passwordCost),
    role: request.role,
    formIds: formsFor(request.role, request.formIds),
    createdAt: now.toISOString(),
    disabledAt: null,
  };
  const { inserted, stored } = await repo.insertUser(user);
  if (!inserted) throw conflict(`The username "${stored.username}" is taken: choose another.`, 'username');
  return user;
}

/**
 * Applies a change to a user. A new password, or disabling, ends every
 * session of the user. The last administrator who is not disabled cannot
 * be disabled or made a supervisor (409): nobody could manage the server.
 * A new password is hashed at passwordCost.
 */
export async function changeUser(
  repo: Repository,
  id: string,
  request: UserChangeRequest,
  now: Date,
  passwordCost: number,
): Promise<UserRecord> {
  if (request.password !== undefined) checkPassword(request.password);
  const passwordHash =
    request.password === undefined ? undefined : await hashPassword(request.password, passwordCost);
  return repo.withTransaction(async (tx) => {
    const user = await tx.getUser(id);
    if (!user) throw notFound(`The server has no user ${id}.`);
    const role = request.role ?? user.role;
    const change: UserChange = { role, formIds: formsFor(role, request.formIds ?? user.formIds) };
    if (passwordHash !== undefined) change.passwordHash = passwordHash;
    if (request.disabled !== undefined)
      change.disabledAt = request.disabled ? (user.disabledAt ?? now.toISOString()) : null;
    const updated = await tx.updateUser(id, change);
    if (!updated) throw notFound(`The server has no user ${id}.`);
    if (user.role === 'admin' && !user.disabledAt && !(await tx.hasAdministrator()))
      throw conflict(
        'This is the last administrator: make another user an administrator first, or nobody could manage the server.',
      );
    if (passwordHash !== undefined || updated.disabledAt !== null) await tx.deleteUserSessions(id);
    // A new password is a fresh start for the limit on failed sign-ins too.
    if (passwordHash !== undefined) await tx.clearSignInFailures(user.usernameKey);
    return updated;
  });
}
