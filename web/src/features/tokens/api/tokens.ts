/** My API tokens for system-to-system clients (the value is shown once, at creation). */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { Ok } from "../../../shared/api/types";

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export function useTokens() {
  return useQuery({
    queryKey: ["tokens"],
    queryFn: () => apiRequest<{ items: ApiToken[] }>("/auth/tokens"),
  });
}

export const createToken = (body: { name: string; expiresInDays: number }) =>
  apiRequest<{ id: number; token: string; expiresAt: string }>("/auth/tokens", { method: "POST", body });

export const revokeToken = (id: number) => apiRequest<Ok>(`/auth/tokens/${id}`, { method: "DELETE" });
