/**
 * A call that loses the race with its timeout still settles later; marking it handled keeps its
 * late rejection (a dropped connection) from being reported as unhandled. The race still sees it.
 */
export function settled<T>(call: Promise<T>): Promise<T> {
  call.catch(() => {});
  return call;
}
