/** Resolves in a task of its own, so the work before and after it are separate tasks: neither blocks input for long. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
