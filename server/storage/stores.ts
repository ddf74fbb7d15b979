import { join } from 'node:path';
import { FolderPhotoStore } from './folder/folder-photo-store.js';
import type { PhotoStore } from './photo-store.js';
import type { Repository } from './repository.js';
import { openPostgresRepository } from './postgres/postgres-repository.js';
import { openSqliteRepository } from './sqlite/sqlite-repository.js';

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
}

/** Closes both stores, each once what it has under way is done. */
export async function closeStores(stores: Stores): Promise<void> {
  await Promise.all([stores.repository.close(), stores.photos.close()]);
}

/** The repository the configuration names, not yet migrated. */
export function openRepository(
  config: Pick<StoresConfig, 'dataDir' | 'databaseUrl' | 'databasePoolSize'>,
): Repository {
  return config.databaseUrl
    ? openPostgresRepository(config.databaseUrl, config.databasePoolSize)
    : openSqliteRepository(config.dataDir);
}

/**
 * The repository (PostgreSQL at DATABASE_URL, else SQLite in
 * DATA_DIR/fieldsync.db), migrated, and the photo
 * folder DATA_DIR/photos, cleared of temp files a crash left: ready to hand
 * to buildApp.
 */
export async function openStores(config: StoresConfig): Promise<Stores> {
  const repository = openRepository(config);
  try {
    await repository.migrate();
    const photos = await FolderPhotoStore.open(join(config.dataDir, 'photos'), config.photoMaxBytes);
    return { repository, photos };
  } catch (err) {
    await repository.close();
    throw err;
  }
}
