/**
 * Whether a dialog's "close" event still finds it closed. The event is fired
 * a task after close(), by when the dialog may have been opened again (a
 * quick click, a busy phone): clean-up on close must then leave it alone.
 */
export function stillClosed(e: Event): boolean {
  return !(e.target as HTMLDialogElement).open;
}
