/**
 * Puts the API's field errors (problem `errors[].path`, e.g. "body.schoolCode" or "stages.0")
 * next to the form fields they name; whatever names no field is returned for an alert.
 */
import type { FormInstance } from "antd";
import { fieldPath, isProblem } from "../api/problem";

export interface UnplacedProblem {
  detail: string;
  messages: string[];
}

export function applyProblemToForm(
  form: FormInstance,
  error: unknown,
  fieldNames: readonly string[],
): UnplacedProblem | null {
  if (!isProblem(error)) {
    return { detail: error instanceof Error ? error.message : String(error), messages: [] };
  }
  const byField = new Map<string, string[]>();
  const leftover: string[] = [];
  for (const item of error.errors) {
    const [first] = fieldPath(item.path);
    if (first !== undefined && fieldNames.includes(first)) {
      byField.set(first, [...(byField.get(first) ?? []), item.message]);
    } else {
      leftover.push(item.message);
    }
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  // When every problem sits on a field, the fields say it all.
  if (byField.size > 0 && leftover.length === 0) return null;
  return { detail: error.detail, messages: leftover };
}

/**
 * As applyProblemToForm, for forms whose fields are nested ("changes.name") and whose values
 * the API reads under a prefix: workflow requests report payload fields as "payload.until" when
 * the shape is wrong and as "until" when a rule of the request type fails, so both name the field
 * "until". The longest dotted field name that starts the error's path wins.
 */
export function applyNestedProblemToForm(
  form: FormInstance,
  error: unknown,
  fieldNames: readonly string[],
  prefix = "payload",
): UnplacedProblem | null {
  if (!isProblem(error)) {
    return { detail: error instanceof Error ? error.message : String(error), messages: [] };
  }
  const byField = new Map<string, string[]>();
  const leftover: string[] = [];
  const byLength = [...fieldNames].sort((a, b) => b.length - a.length);
  for (const item of error.errors) {
    const parts = fieldPath(item.path);
    if (parts[0] === prefix) parts.shift();
    const path = parts.join(".");
    const field = byLength.find((name) => path === name || path.startsWith(`${name}.`));
    if (field) byField.set(field, [...(byField.get(field) ?? []), item.message]);
    else leftover.push(item.message);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name: name.split("."), errors })));
  if (byField.size > 0 && leftover.length === 0) return null;
  return { detail: error.detail, messages: leftover };
}
