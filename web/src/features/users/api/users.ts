/** Accounts of the user's scope and their roles (GET/POST/PATCH /users, PUT /users/:id/roles). */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { Ok, Page } from "../../../shared/api/types";

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  phone: string | null;
  unitId: number;
  unitName: string;
  status: "active" | "disabled";
  roles: string[];
  mustChangePassword: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  /** Whether I outrank this account, so that the account actions are mine to take. */
  canManage: boolean;
}

export interface Role {
  code: string;
  nameZh: string;
  nameEn: string;
  descriptionZh: string;
  unitSides: string[];
  permissions: string[];
}

export interface UserFilter {
  q?: string;
  unitId?: number;
  status?: "active" | "disabled";
  role?: string;
  page: number;
  pageSize: number;
}

export function useUsers(filter: UserFilter) {
  return useQuery({
    queryKey: ["users", filter],
    queryFn: () => apiRequest<Page<UserRow>>("/users", { query: { ...filter } }),
    placeholderData: (previous) => previous,
  });
}

export function useRoles() {
  return useQuery({
    queryKey: ["roles"],
    queryFn: () => apiRequest<{ items: Role[] }>("/roles"),
    staleTime: 10 * 60_000,
  });
}

export const createUser = (body: {
  username: string;
  displayName: string;
  phone?: string | null;
  unitId: number;
  roles: string[];
}) => apiRequest<{ id: number; temporaryPassword: string }>("/users", { method: "POST", body });

export const updateUser = (
  id: number,
  body: { displayName?: string; phone?: string | null; status?: "active" | "disabled" },
) => apiRequest<Ok>(`/users/${id}`, { method: "PATCH", body });

export const setRoles = (id: number, roles: string[]) =>
  apiRequest<Ok>(`/users/${id}/roles`, { method: "PUT", body: { roles } });

export const resetPassword = (id: number) =>
  apiRequest<{ temporaryPassword: string }>(`/users/${id}/reset-password`, { method: "POST" });

export const unlockUser = (id: number) => apiRequest<Ok>(`/users/${id}/unlock`, { method: "POST" });

export const endUserSessions = (id: number) =>
  apiRequest<{ endedSessions: number; revokedTokens: number }>(`/users/${id}/end-sessions`, {
    method: "POST",
  });
