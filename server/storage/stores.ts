import { join } from 'node:path';
import { FolderPhotoStore } from './folder/folder-photo-store.js';
import type { PhotoStore } from './photo-store.js';
import type { Repository } from './repository.js';
import type { S3PhotoStoreOptions } from './s3/s3-photo-store.js';
import { openSqliteRepository } from './sqlite/sqlite-repository.js';

// The PostgreSQL driver and the S3 SDK load only when the configuration names
// them: the default installation (SQLite, a folder) starts without them.
const postgres = (): Promise<typeof import('./postgres/postgres-repository.js')> =>
  import('./postgres/postgres-repository.js');
const s3 = (): Promise<typeof import('./s3/s3-photo-store.js')> => import('./s3/s3-photo-store.js');

/** An S3-compatible bucket for the photos (PHOTO_STORE=s3://bucket/prefix). */
export type S3Location = Pick<S3PhotoStoreOptions, 'bucket' | 'prefix' | 'client'>;

/** Where the server keeps what it receives: records, and photo bytes. */
export interface Stores {
  repository: Repository;
  photos: PhotoStore;
}

export interface StoresConfig {
  /** Holds photos/, and fieldsync.db unless databaseUrl is set; created when missing. */
  dataDir: string;
  /** A postgres:// URL to keep the records in PostgreSQL; null or absent for SQLite in dataDir. */
  databaseUrl?: string | null;
  /** Connections to PostgreSQL at most; its default when absent. */
  databasePoolSize?: number;
  /** Largest photo upload accepted, in bytes. */
  photoMaxBytes: number;
  /** A bucket for the photos; null or absent for the folder DATA_DIR/photos. */
  photoStore?: S3Location | null;
}

/** Closes both stores, each once what it has under way is done. */
export async function closeStores(stores: Stores): Promise<void> {
  await Promise.all([stores.repository.close(), stores.photos.close()]);
}

/** The repository the configuration names, not yet migrated. */
export async function openRepository(
  config: Pick<StoresConfig, 'dataDir' | 'databaseUrl' | 'databasePoolSize'>,
): Promise<Repository> {
  return config.databaseUrl
    ? (await postgres()).openPostgresRepository(config.databaseUrl, { poolSize: config.databasePoolSize })
    : openSqliteRepository(config.dataDir);
}

/** The photo store the configuration names, checked and ready. */
export async function openPhotoStore(
  config: Pick<StoresConfig, 'dataDir' | 'photoStore' | 'photoMaxBytes'>,
): Promise<PhotoStore> {
  if (config.photoStore)
    return (await s3()).S3PhotoStore.open({ ...config.photoStore, maxBytes: config.photoMaxBytes });
  return FolderPhotoStore.open(join(config.dataDir, 'photos'), config.photoMaxBytes);
}

/**
 * The repository (PostgreSQL at DATABASE_URL, else SQLite in
 * DATA_DIR/fieldsync.db), migrated, and the photo store (a bucket at
 * PHOTO_STORE, else the folder DATA_DIR/photos, cleared of temp files a
 * crash left): ready to hand to buildApp.
 */
export async function openStores(config: StoresConfig): Promise<Stores> {
  const repository = await openRepository(config);
  try {
    await repository.migrate();
    const photos = await openPhotoStore(config);
    return { repository, photos };
  } catch (err) {
    await repository.close();
    throw err;
  }
}

/**
 * The stores the configuration names, opened to read only, for copying
 * them elsewhere (server/migrate-storage): the SQLite file and the photo
 * folder must exist, nothing is created or migrated (the database must be
 * up to date), and the database refuses every write.
 */
export async function openStoresToRead(config: StoresConfig): Promise<Stores> {
  const repository = config.databaseUrl
    ? (await postgres()).openPostgresRepository(config.databaseUrl, { readOnly: true })
    : openSqliteRepository(config.dataDir, { readOnly: true });
  try {
    await repository.migrate();
    const photos = config.photoStore
      ? await openPhotoStore(config)
      : await FolderPhotoStore.openToRead(join(config.dataDir, 'photos'), config.photoMaxBytes);
    return { repository, photos };
  } catch (err) {
    await repository.close();
    throw err;
  }
}
