/** The berth client's identity, shown by `berth version` and `berth -v`. */
export const BERTH_VERSION = '0.1.0';
export const BERTH_GIT_COMMIT = 'unknown';
export const CLIENT_API_VERSION = '1.50';
