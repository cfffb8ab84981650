/** Body of every non-2xx JSON response, served with `Content-Type: application/json` exactly. */
export interface ErrorResponse {
  message: string;
}
