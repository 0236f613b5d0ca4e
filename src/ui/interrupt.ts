/** What to do when the user presses Ctrl-C at this moment: say what state things are in. */
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

/** Runs the latest registered handler; false when none is registered. Called by the entry on SIGINT. */
export function runInterruptHandler(): boolean {
  const handler = handlers.at(-1);
  if (!handler) return false;
  handler();
  return true;
}
