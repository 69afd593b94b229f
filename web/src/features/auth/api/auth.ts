/** Signing in and out, and passwords (POST /auth/login, /auth/logout, /auth/password). */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { Ok } from "../../../shared/api/types";

export interface LoginResult {
  csrfToken: string;
  expiresAt: string;
  mustChangePassword: boolean;
}

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  minCharacterClasses: number;
}

export function login(input: { login: string; password: string }): Promise<LoginResult> {
  return apiRequest<LoginResult>("/auth/login", { method: "POST", body: input });
}

export function logout(everywhere: boolean): Promise<{ endedSessions: number }> {
  return apiRequest("/auth/logout", { method: "POST", query: { everywhere } });
}

export function changePassword(input: { currentPassword: string; newPassword: string }): Promise<Ok> {
  return apiRequest<Ok>("/auth/password", { method: "POST", body: input });
}

export function usePasswordPolicy() {
  return useQuery({
    queryKey: ["auth", "password-policy"],
    queryFn: () => apiRequest<PasswordPolicy>("/auth/password-policy"),
    staleTime: Number.POSITIVE_INFINITY,
  });
}
