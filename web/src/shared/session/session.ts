/**
 * Who is signed in and what they may do (GET /auth/me). Every part of the console asks this
 * one query; permissions are "module:action" strings and decide menus and buttons, while the
 * API remains the one that enforces them.
 */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../api/client";
import type { Me } from "../api/types";

export const meQueryKey = ["auth", "me"] as const;

export function fetchMe(): Promise<Me> {
  return apiRequest<Me>("/auth/me");
}

export function useMe() {
  return useQuery({ queryKey: meQueryKey, queryFn: fetchMe, staleTime: 60_000, retry: false });
}

export function hasPermission(me: Me | undefined, permission: string): boolean {
  return me?.permissions.includes(permission) ?? false;
}

/** The signed-in user's permission check; false while the session is loading. */
export function useCan(): (permission: string) => boolean {
  const { data } = useMe();
  return (permission: string) => hasPermission(data, permission);
}
