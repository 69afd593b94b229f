/** Changing the organisation tree: renames and the life of a school (all under /api/v1). */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { Ok, Ownership } from "../../../shared/api/types";

export interface UnitEvent {
  id: number;
  eventType:
    | "opened"
    | "renamed"
    | "updated"
    | "closed"
    | "reopened"
    | "merged"
    | "absorbed"
    | "moved"
    | string;
  effectiveOn: string;
  details: Record<string, unknown>;
  createdAt: string;
}

export interface SchoolInput {
  schoolCode: string;
  name: string;
  runningType: string;
  stages: string[];
  ownership: Ownership;
  creditCode?: string | null;
  address?: string | null;
  divisionCode: string;
  parentCode?: string;
  supervisingUnitCode?: string;
  openedOn?: string;
}

export interface SchoolUpdate {
  runningType?: string;
  stages?: string[];
  ownership?: Ownership;
  creditCode?: string | null;
  address?: string | null;
  supervisingUnitCode?: string;
  effectiveOn?: string;
}

export function useUnitHistory(id: number) {
  return useQuery({
    queryKey: ["units", id, "history"],
    queryFn: () => apiRequest<{ items: UnitEvent[] }>(`/units/${id}/history`),
  });
}

/** After any change the tree, the figures and the audit trail are stale. */
export function invalidateOrgs(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ["units"] }),
    queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
    queryClient.invalidateQueries({ queryKey: ["audit"] }),
  ]).then(() => undefined);
}

export const renameUnit = (id: number, body: { name: string; effectiveOn?: string }) =>
  apiRequest<Ok>(`/units/${id}/rename`, { method: "POST", body });

export const openSchool = (body: SchoolInput) =>
  apiRequest<{ id: number }>("/schools", { method: "POST", body });

export const updateSchool = (id: number, body: SchoolUpdate) =>
  apiRequest<Ok>(`/schools/${id}`, { method: "PATCH", body });

export const closeSchool = (id: number, body: { effectiveOn?: string; reason?: string }) =>
  apiRequest<Ok>(`/schools/${id}/close`, { method: "POST", body });

export const reopenSchool = (id: number, body: { effectiveOn?: string }) =>
  apiRequest<Ok>(`/schools/${id}/reopen`, { method: "POST", body });

export const mergeSchool = (id: number, body: { intoUnitId: number; effectiveOn?: string }) =>
  apiRequest<Ok>(`/schools/${id}/merge`, { method: "POST", body });

export const moveSchool = (id: number, body: { parentCode: string; effectiveOn?: string }) =>
  apiRequest<Ok>(`/schools/${id}/move`, { method: "POST", body });

export const deleteSchool = (id: number) => apiRequest<Ok>(`/schools/${id}`, { method: "DELETE" });
