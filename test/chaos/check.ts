/**
 * The promise, checked: what the device captured against what the server
 * holds. Every capture on the server exactly once, with the payload the
 * device saved and photos whose bytes hash to their names; nothing on the
 * server that was not captured; every outbox entry "sent".
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { canonicalJson, canonicalPayload } from '../../shared/canonical.js';
import type { SubmissionPayload } from '../../shared/submission.js';
import type { ServerProcess } from '../e2e/harness.js';

export interface Verdict {
  captured: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  pending: number;
  extra: number;
  /** Submissions the supervisor's live review screen failed to show once each (missing, twice, unknown). */
  reviewProblems: number;
  /** One line per problem, for the report. */
  problems: string[];
}

interface DeviceRecord {
  status: string;
  payload: SubmissionPayload;
}

/** Every submission record on the device, read straight from IndexedDB. */
export function deviceRecords(page: Page): Promise<DeviceRecord[]> {
  return page.evaluate(
    () =>
      new Promise<DeviceRecord[]>((resolve, reject) => {
        const req = indexedDB.open('fieldsync-submissions');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const all = req.result.transaction('submissions', 'readonly').objectStore('submissions').getAll();
          all.onsuccess = () => {
            req.result.close();
            resolve(all.result as DeviceRecord[]);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** The marker a capture carries: its "People served" answer, unique within a run. */
export function markerOf(p: SubmissionPayload): number {
  return Number(p.answers.people_served);
}

export async function check(page: Page, server: ServerProcess, markers: Set<number>): Promise<Verdict> {
  const problems: string[] = [];
  const device = await deviceRecords(page);
  const held = await server.submissions();
  const v: Verdict = {
    captured: markers.size,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    pending: 0,
    extra: 0,
    reviewProblems: 0,
    problems,
  };

  const onDevice = new Map<number, DeviceRecord[]>();
  for (const r of device)
    onDevice.set(markerOf(r.payload), [...(onDevice.get(markerOf(r.payload)) ?? []), r]);
  const onServer = new Map<number, typeof held>();
  for (const s of held) onServer.set(markerOf(s), [...(onServer.get(markerOf(s)) ?? []), s]);

  for (const r of device) {
    if (r.status !== 'sent') {
      v.pending++;
      problems.push(`pending: ${r.payload.id} (marker ${markerOf(r.payload)}) is ${r.status}`);
    }
  }
  for (const m of markers) {
    const mine = onDevice.get(m) ?? [];
    const theirs = onServer.get(m) ?? [];
    if (mine.length > 1) {
      v.duplicated += mine.length - 1;
      problems.push(`duplicated on the device: marker ${m} saved ${mine.length} times`);
    }
    if (theirs.length === 0) {
      v.lost++;
      problems.push(
        `lost: marker ${m} ${mine.length ? `(${mine[0]!.payload.id}, ${mine[0]!.status})` : '(not on the device either)'}`,
      );
      continue;
    }
    if (theirs.length > 1) {
      v.duplicated += theirs.length - 1;
      problems.push(`duplicated: marker ${m} on the server ${theirs.length} times`);
    }
    const saved = mine[0];
    const got = theirs[0]!;
    if (!saved) continue;
    // What the server adds beside the payload: its receipt, and which enrolled device sent it.
    const payload: SubmissionPayload & { receipt?: unknown; sentBy?: unknown } = { ...got };
    delete payload.receipt;
    delete payload.sentBy;
    if (canonicalJson(canonicalPayload(payload)) !== canonicalJson(canonicalPayload(saved.payload))) {
      v.corrupted++;
      problems.push(`corrupted: ${got.id}'s payload on the server differs from the device's`);
      continue;
    }
    for (const photo of got.photos) {
      const res = await server.get(`/api/photos/${photo.sha256}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const hash = createHash('sha256').update(bytes).digest('hex');
      if (!res.ok || hash !== photo.sha256 || bytes.length !== photo.bytes) {
        v.corrupted++;
        problems.push(
          `corrupted: photo ${photo.sha256.slice(0, 12)}… of ${got.id} (HTTP ${res.status}, hash ${hash.slice(0, 12)}…)`,
        );
        break;
      }
    }
  }
  for (const [m, theirs] of onServer) {
    if (!markers.has(m)) {
      v.extra += theirs.length;
      problems.push(`extra: the server holds marker ${m}, which was never captured`);
    }
  }
  return v;
}
