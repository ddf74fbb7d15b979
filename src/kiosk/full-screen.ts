/**
 * Asks for full screen where the browser allows it (not on iPhone). Only a
 * tap may ask, so call it in the tap's handler, before anything is awaited;
 * a refusal changes nothing.
 */
export function askFullScreen(): void {
  if (document.fullscreenEnabled && !document.fullscreenElement)
    document.documentElement.requestFullscreen({ navigationUI: 'hide' }).catch(() => undefined);
}
