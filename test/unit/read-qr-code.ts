// Reads a QR code image back as a phone's camera would, with jsQR.
import 'jsqr/dist/jsQR.js';

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

/** The text a QR code image holds; throws when no code is found in it. */
export async function readQrCode(img: HTMLImageElement): Promise<string> {
  await img.decode();
  const size = 400;
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext('2d')!;
  context.drawImage(img, 0, 0, size, size);
  const { data } = context.getImageData(0, 0, size, size);
  // The UMD build sets self.jsQR when loaded as a plain script.
  const read = (self as unknown as { jsQR: JsQr }).jsQR;
  const code = read(data, size, size);
  if (!code) throw new Error('No QR code could be read from the image.');
  return code.data;
}
