/**
 * Administrative divisions (GB/T 2260) by code: forms that take a division code show its name
 * next to the field, so a mistyped code is noticed before submitting.
 */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "./client";

export interface Division {
  code: string;
  name: string;
  level: number;
  parentCode: string | null;
  provinceCode: string;
}

export function useDivision(code: string | undefined) {
  return useQuery({
    queryKey: ["divisions", code],
    queryFn: () => apiRequest<Division>(`/divisions/${code}`),
    enabled: code !== undefined && /^\d{6}$/.test(code),
    staleTime: Number.POSITIVE_INFINITY,
  });
}
