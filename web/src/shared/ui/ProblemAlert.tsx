import { Alert } from "antd";
import { isProblem } from "../api/problem";
import type { UnplacedProblem } from "./form-errors";

/** Shows an API failure as the API worded it (already in the UI language). */
export function ProblemAlert({ error, problem }: { error?: unknown; problem?: UnplacedProblem | null }) {
  let detail: string | undefined;
  let messages: string[] = [];
  if (problem) {
    detail = problem.detail;
    messages = problem.messages;
  } else if (error) {
    detail = error instanceof Error ? error.message : String(error);
    if (isProblem(error)) messages = error.errors.map((e) => e.message);
  }
  if (!detail) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={detail}
      description={
        messages.length > 0 ? (
          <ul style={{ margin: 0, paddingInlineStart: 20 }}>
            {messages.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : undefined
      }
      style={{ marginBottom: 16 }}
    />
  );
}
