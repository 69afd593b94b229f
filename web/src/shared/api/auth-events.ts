/**
 * The API client notices when the session is gone or a password change is forced; the router
 * listens and moves the clerk to the right page, whichever screen made the request.
 */
export type AuthEvent = "signed-out" | "password-change-required";
type Listener = (event: AuthEvent) => void;

const listeners = new Set<Listener>();

export function onAuthEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function emitAuthEvent(event: AuthEvent): void {
  for (const listener of listeners) listener(event);
}
