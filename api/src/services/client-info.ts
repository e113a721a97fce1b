// Who is on the other end of a request: the address and user agent that sessions and the audit log record.
export interface ClientInfo {
  /** The socket's address, or the forwarded one when the socket is a trusted proxy (Express's `trust proxy`). */
  address: string;
  /** Printable text only, cut to a length worth showing. */
  userAgent: string;
}
