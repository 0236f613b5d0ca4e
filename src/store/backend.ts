import type { Engine } from './engine.js';

/** What the store's operations run on: the engine, and who acts (written into every audit entry). */
export interface Backend {
  readonly engine: Engine;
  readonly admin: string;
}
