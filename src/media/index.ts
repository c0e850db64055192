import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logging.js';
import type { Db } from '../storage/database.js';
import { MediaStore } from '../storage/media.js';
import { MediaFileStore } from './file-store.js';
import { MediaService } from './media-service.js';

export { MediaService } from './media-service.js';

export interface MediaServiceConfig {
  server_name: string;
  media_store_path: string;
  max_upload_size: number;
}

/** Builds the media service over its table and its folder, creating the folder when absent. */
export function createMediaService(config: MediaServiceConfig, db: Db, logger: Logger): MediaService {
  mkdirSync(join(config.media_store_path, 'tmp'), { recursive: true });
  return new MediaService({
    store: new MediaStore(db),
    files: new MediaFileStore(config.media_store_path),
    serverName: config.server_name,
    maxUploadSize: config.max_upload_size,
    logger,
  });
}
