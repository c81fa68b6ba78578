// Entry of a pool worker thread in Node: registers tsx (TypeScript) and loads worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
