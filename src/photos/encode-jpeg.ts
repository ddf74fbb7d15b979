/**
 * A bitmap as JPEG bytes, drawn on a canvas of exactly its size. Transparent
 * areas (PNG, WebP) become white, since JPEG has no alpha and would turn them black.
 */
export async function encodeJpeg(bitmap: ImageBitmap, quality: number): Promise<ArrayBuffer> {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas context in this worker.');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  // Give the pixels back now: iOS Safari counts canvas memory until collection.
  canvas.width = 0;
  canvas.height = 0;
  if (blob.type !== 'image/jpeg') throw new Error(`The canvas encoded ${blob.type || 'nothing'}, not JPEG.`);
  return blob.arrayBuffer();
}
