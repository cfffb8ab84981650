/** Docker Engine API v1.50 wire types, as one import for clients and the server. */
export type * from './container.js';
export type * from './host-config.js';
export type * from './network.js';
export type * from './image.js';
export type * from './exec.js';
export type * from './system.js';
export type * from './error.js';
export type * from './stats.js';
export * from './stream.js';
export * from './path-stat.js';
