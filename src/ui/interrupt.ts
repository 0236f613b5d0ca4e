/**
 * What to do when the user presses Ctrl-C at this moment. A handler takes over the ending: it
 * stops its work (e.g. aborts a send) and lets the command finish through its normal path,
 * which records what happened and exits 130. It must not write to the store itself.
 */
export type InterruptHandler = () => void;

const handlers: InterruptHandler[] = [];

/** Registers the handler for Ctrl-C while a step runs (the latest wins); returns its removal. */
export function onInterrupt(handler: InterruptHandler): () => void {
  handlers.push(handler);
  return () => {
    const at = handlers.lastIndexOf(handler);
    if (at >= 0) handlers.splice(at, 1);
  };
}

/** Runs the latest registered handler; false when none is registered (the entry then exits 130 itself). */
export function runInterruptHandler(): boolean {
  const handler = handlers.at(-1);
  if (!handler) return false;
  handler();
  return true;
}
