/**
 * The school-year rules that are data (data/students/school-year.json): which grade is final in
 * each stage (per province: 6-3 or 5-4 systems), the summer window in which graduating grades
 * are frozen, and the graduation and promotion dates.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";
import type { CodeRegistry } from "../../platform/codes/codes.service";

interface SchoolYearFile {
  finalGrades: { default: Record<string, string>; provinces: Record<string, Record<string, string>> };
  summerFreeze: { from: string; to: string };
  graduationDeadline: string;
  promotionDate: string;
}

export const schoolYear: SchoolYearFile = JSON.parse(
  readFileSync(path.join(projectRoot, "data", "students", "school-year.json"), "utf8"),
) as SchoolYearFile;

export function finalGrade(provinceCode: string, stage: string): string | undefined {
  return schoolYear.finalGrades.provinces[provinceCode]?.[stage] ?? schoolYear.finalGrades.default[stage];
}

export interface GradeStep {
  grade: string;
  /** The next grade, or null when this is the stage's final (graduating) grade. */
  next: string | null;
}

/** Every grade of the code set with its successor under a province's system. */
export function gradeSteps(codes: CodeRegistry, provinceCode: string): GradeStep[] {
  const steps: GradeStep[] = [];
  const groups = new Map<string, string[]>();
  for (const item of codes.items("grade")) {
    if (!item.parentCode || !item.isActive) continue;
    groups.set(item.parentCode, [...(groups.get(item.parentCode) ?? []), item.code]);
  }
  for (const [stage, grades] of groups) {
    const last = finalGrade(provinceCode, stage) ?? grades.at(-1)!;
    const lastIndex = grades.indexOf(last);
    grades.forEach((grade, i) => {
      if (lastIndex >= 0 && i > lastIndex) return;
      steps.push({ grade, next: i === lastIndex ? null : (grades[i + 1] ?? null) });
    });
  }
  return steps;
}

/** True on dates (YYYY-MM-DD) inside the summer window when graduating grades are frozen. */
export function isInSummerFreeze(date: string): boolean {
  const monthDay = date.slice(5);
  return monthDay >= schoolYear.summerFreeze.from && monthDay <= schoolYear.summerFreeze.to;
}
