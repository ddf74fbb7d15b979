/**
 * Whether the server answers, asked with the smallest request it serves.
 * `navigator.onLine` only knows about the device's own link: a server that
 * is down, or a network that reaches nothing, still reads as online.
 */
import type { Health } from '../../shared/submission.js';
import { apiFetch } from '../core/api-request.js';

/** Resolves true when the server answered its health check in time; never rejects. */
export async function serverAnswers(baseUrl = '', timeoutMs = 4_000): Promise<boolean> {
  try {
    const res = await apiFetch(`${baseUrl}/api/health`, {
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return false;
    // A captive portal answers 200 too: only our own body counts.
    const body = (await res.json()) as Partial<Health> | null;
    return body?.ok === true;
  } catch {
    return false;
  }
}
