/** Long jobs (GET /jobs/:id): the annual promotion is ordered, then polled until it ends. */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";

export interface Job {
  id: number;
  kind: string;
  status: "queued" | "running" | "succeeded" | "failed" | string;
  unitId: number;
  progressDone: number;
  progressTotal: number;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export const isJobRunning = (job: Job | undefined) =>
  job === undefined || job.status === "queued" || job.status === "running";

export function useJob(id: number | null) {
  return useQuery({
    queryKey: ["jobs", id],
    queryFn: () => apiRequest<Job>(`/jobs/${id}`),
    enabled: id !== null,
    refetchInterval: (query) => (isJobRunning(query.state.data) ? 1000 : false),
    staleTime: 0,
  });
}

export const orderPromotion = (body: { unitId: number; graduate: boolean; effectiveOn?: string }) =>
  apiRequest<{ jobId: number }>("/students/promotions", { method: "POST", body });

export const resumeJob = (id: number) => apiRequest<{ id: number }>(`/jobs/${id}/resume`, { method: "POST" });
