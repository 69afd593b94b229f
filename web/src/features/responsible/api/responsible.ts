/** Responsible persons (责任人): a leader and an operator per unit and system. */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { Ok, Page } from "../../../shared/api/types";

export type Duty = "leader" | "operator";

export interface ResponsiblePerson {
  system: string;
  duty: Duty;
  name: string;
  position: string | null;
  phone: string;
  email: string | null;
  updatedAt: string;
}

export interface MissingUnit {
  id: number;
  code: string;
  name: string;
  kind: string;
  missingDuties: Duty[];
}

export function useResponsiblePersons(unitId: number) {
  return useQuery({
    queryKey: ["responsible", unitId],
    queryFn: () => apiRequest<{ items: ResponsiblePerson[] }>(`/units/${unitId}/responsible-persons`),
  });
}

export function useMissing(filter: {
  system: string;
  kind?: "school" | "department";
  page: number;
  pageSize: number;
}) {
  return useQuery({
    queryKey: ["responsible", "missing", filter],
    queryFn: () => apiRequest<Page<MissingUnit>>("/responsible-persons/missing", { query: { ...filter } }),
    enabled: filter.system !== "",
    placeholderData: (previous) => previous,
  });
}

export const assignPerson = (
  unitId: number,
  system: string,
  duty: Duty,
  body: { name: string; position?: string | null; phone: string; email?: string | null },
) => apiRequest<Ok>(`/units/${unitId}/responsible-persons/${system}/${duty}`, { method: "PUT", body });

export const removePerson = (unitId: number, system: string, duty: Duty) =>
  apiRequest<Ok>(`/units/${unitId}/responsible-persons/${system}/${duty}`, { method: "DELETE" });
