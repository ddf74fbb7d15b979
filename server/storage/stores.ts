import { join } from 'node:path';
import { FolderPhotoStore } from './folder/folder-photo-store.js';
import type { PhotoStore } from './photo-store.js';
import type { Repository } from './repository.js';
import { openSqliteRepository } from './sqlite/sqlite-repository.js';

/** Where the server keeps what it receives: records, and photo bytes. */
export interface Stores {
  repository: Repository;
  photos: PhotoStore;
}

export interface StoresConfig {
  /** Holds fieldsync.db and photos/; created when missing. */
  dataDir: string;
  /** Largest photo upload accepted, in bytes. */
  photoMaxBytes: number;
}

/** Closes both stores, each once what it has under way is done. */
export async function closeStores(stores: Stores): Promise<void> {
  await Promise.all([stores.repository.close(), stores.photos.close()]);
}

/**
 * The SQLite database DATA_DIR/fieldsync.db, migrated, and the photo
 * folder DATA_DIR/photos, cleared of temp files a crash left: ready to hand
 * to buildApp.
 */
export async function openStores(config: StoresConfig): Promise<Stores> {
  const repository = openSqliteRepository(config.dataDir);
  try {
    await repository.migrate();
    const photos = await FolderPhotoStore.open(join(config.dataDir, 'photos'), config.photoMaxBytes);
    return { repository, photos };
  } catch (err) {
    await repository.close();
    throw err;
  }
}
