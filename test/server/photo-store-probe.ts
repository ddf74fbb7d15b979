/**
 * A look behind a test server's photo store, at what the API cannot show:
 * the bytes as stored, uploads under way or left behind, and faults a
 * disk or an operator can cause. One probe per kind of store, so the
 * photo tests run unchanged on the folder and on the bucket.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { FolderPhotoStore } from '../../server/storage/folder/folder-photo-store.js';
import type { PhotoStore } from '../../server/storage/photo-store.js';
import { S3PhotoStore } from '../../server/storage/s3/s3-photo-store.js';
import type { S3Location } from '../../server/storage/stores.js';

/** A photo store and where it is (a TestServer is one). */
export interface ProbedStore {
  photos: PhotoStore;
  photoStore: S3Location | null;
}

export interface PhotoStoreProbe {
  /** The bytes held under the hash, or null. */
  read(sha256: string): Promise<Buffer | null>;
  /** Changes whenever the bytes under the hash are written again. */
  version(sha256: string): Promise<string>;
  /** Bytes of uploads under way or left behind: temp files, spooled uploads, stray objects. */
  leftovers(): Promise<string[]>;
  /** Loses the bytes of a photo, as a failed disk or an operator's mistake would. */
  lose(sha256: string): Promise<void>;
  /** Puts bytes in place behind the server's back, as a crash between storing and recording leaves them. */
  plant(sha256: string, bytes: Buffer): Promise<void>;
  /** The smallest time between two writes that version() tells apart. */
  readonly clockResolutionMs: number;
}

function folderProbe(store: FolderPhotoStore): PhotoStoreProbe {
  const fileOf = (hash: string): string => join(store.root, hash.slice(0, 2), hash.slice(2));
  return {
    read: async (hash) => {
      try {
        return readFileSync(fileOf(hash));
      } catch {
        return null;
      }
    },
    version: async (hash) => {
      const s = statSync(fileOf(hash));
      return `${s.ino}:${s.mtimeMs}`;
    },
    leftovers: async () =>
      readdirSync(store.root, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp-')),
    lose: async (hash) => rmSync(fileOf(hash)),
    plant: async (hash, bytes) => {
      mkdirSync(join(store.root, hash.slice(0, 2)), { recursive: true });
      writeFileSync(fileOf(hash), bytes);
    },
    clockResolutionMs: 20,
  };
}

function bucketProbe(store: S3PhotoStore, location: S3Location | null): PhotoStoreProbe {
  const client = new S3Client(location?.client ?? {});
  const Bucket = store.bucket;
  const Key = (hash: string): string => store.keyOf(hash);
  return {
    read: async (hash) => {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket, Key: Key(hash) }));
        return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
      } catch {
        return null;
      }
    },
    version: async (hash) => {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key: Key(hash) }));
      return `${head.LastModified?.toISOString()}:${head.ETag}`;
    },
    leftovers: async () => {
      const spooled = readdirSync(store.spoolDir);
      // Every object under the prefix must be a photo's, named by its whole hash.
      const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: store.prefix }));
      const stray = (listed.Contents ?? [])
        .map((o) => o.Key ?? '')
        .filter((key) => !/^[0-9a-f]{64}$/.test(key.slice(store.prefix.length)));
      return [...spooled, ...stray];
    },
    lose: async (hash) => {
      await client.send(new DeleteObjectCommand({ Bucket, Key: Key(hash) }));
    },
    plant: async (hash, bytes) => {
      await client.send(new PutObjectCommand({ Bucket, Key: Key(hash), Body: bytes }));
    },
    // LastModified has whole seconds.
    clockResolutionMs: 1100,
  };
}

export function probePhotoStore({ photos, photoStore }: ProbedStore): PhotoStoreProbe {
  if (photos instanceof FolderPhotoStore) return folderProbe(photos);
  if (photos instanceof S3PhotoStore) return bucketProbe(photos, photoStore);
  throw new Error('No probe for this kind of photo store.');
}
