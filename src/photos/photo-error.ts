import type { PhotoFailure } from './photo-messages.js';

/**
 * A photo that could not be added. The message is written for the person who
 * chose the file; reason lets the interface react without parsing it.
 */
export class PhotoError extends Error {
  override readonly name = 'PhotoError';
  readonly reason: PhotoFailure;

  constructor(reason: PhotoFailure, fileName?: string, options?: ErrorOptions) {
    super(messageFor(reason, fileName), options);
    this.reason = reason;
  }
}

function messageFor(reason: PhotoFailure, fileName: string | undefined): string {
  const named = fileName ? `“${fileName}”` : undefined;
  switch (reason) {
    case 'not-an-image':
      return `${named ?? 'This file'} is not a photo. Choose a JPEG, PNG or WebP image.`;
    case 'unreadable':
      return `${named ?? 'This photo'} could not be read. It may be damaged; take the photo again.`;
    case 'unsupported':
      return (
        `${named ?? 'This photo'} is in a format this browser cannot open. Choose a JPEG, PNG or WebP image ` +
        '(on an iPhone, set Settings › Camera › Formats to “Most Compatible”).'
      );
    case 'failed':
      return `${named ?? 'This photo'} could not be prepared on this device. Close other apps and try again.`;
  }
}
