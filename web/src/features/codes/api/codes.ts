/** The list of code sets; one set's items are read through shared/code-sets. */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { CodeSetSummary } from "../../../shared/api/types";

export function useCodeSets() {
  return useQuery({
    queryKey: ["code-sets"],
    queryFn: () => apiRequest<{ items: CodeSetSummary[] }>("/code-sets"),
    staleTime: Number.POSITIVE_INFINITY,
  });
}
