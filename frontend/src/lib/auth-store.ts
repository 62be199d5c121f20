import { useSyncExternalStore } from 'react';

export type AuthStatus = 'loading' | 'authenticated' | 'anonymous';

export type TokenPayload = {
  access_token: string;
  workspace_id: string;
  role: string;
  expires_in?: number;
};

export type AuthState = {
  status: AuthStatus;
  accessToken: string | null;
  workspaceId: string | null;
  role: string | null;
  /** True after an explicit sign-out (as opposed to a session that ended or never existed). */
  signedOut: boolean;
};

const initial: AuthState = { status: 'loading', accessToken: null, workspaceId: null, role: null, signedOut: false };

let state: AuthState = initial;
const listeners = new Set<() => void>();

function emit(next: AuthState) {
  state = next;
  for (const listener of listeners) listener();
}

export const authStore = {
  get: (): AuthState => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** Keep the access token in memory only (never in storage). */
  setSession(token: TokenPayload) {
    emit({
      status: 'authenticated',
      accessToken: token.access_token,
      workspaceId: token.workspace_id,
      role: token.role,
      signedOut: false,
    });
  },
  clear({ signedOut = false }: { signedOut?: boolean } = {}) {
    emit({ status: 'anonymous', accessToken: null, workspaceId: null, role: null, signedOut });
  },
  /** Test helper. */
  reset() {
    emit(initial);
  },
};

export function useAuth(): AuthState {
  return useSyncExternalStore(authStore.subscribe, authStore.get, authStore.get);
}
