/** sdarts — SmoothDARTS in TypeScript over LibTorch. Package entry. */
export * from './tensor/index.js';
export * as autograd from './tensor/autograd.js';
export { SdartsError } from './util/errors.js';
