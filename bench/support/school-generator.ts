/**
 * Deterministic synthetic schools for benchmarks: spread over the real counties of the loaded
 * division tree, with valid school codes (type + province + a sequence unique per type and
 * province), names built like real ones (county name + place or ordinal + a school word, so
 * many names share substrings such as 小学, 中心, 第一), and stages and running types that fit
 * the type. The mix of types is roughly China's (about half kindergartens, then primary …);
 * higher education (41, 42, 91, 92) is left out: those hang under provinces, not counties.
 */
import { Random } from "./random";

export interface CountyRef {
  id: number;
  code: string;
  name: string;
  provinceCode: string;
  educationDepartmentId: number;
  hrssDepartmentId: number;
}

interface RunningTypeProfile {
  code: string;
  weight: number;
  stages: string[];
  /** Name templates; each returns the part after the county name. */
  names: ((g: NameParts) => string)[];
  /** Supervised by the county's HR department (技工学校), not the education one. */
  hrss?: boolean;
}

interface SchoolTypeProfile {
  type: string;
  weight: number;
  privateShare: number;
  runningTypes: RunningTypeProfile[];
}

interface NameParts {
  place: () => string;
  brand: () => string;
  ordinal: () => string;
}

const PLACE_FIRST = [
  ..."东西南北新城河山石马金龙青白红长大李王张刘陈杨黄赵周吴高林平安永兴富和柳桃杏枣梨松柏云泉湖溪水沙岭坪田桥庄",
];
const PLACE_SECOND = [..."关口坪桥庄集店寨湾坝坡岗营屯铺场园头家沟河山岭塘冲洞田坑溪峪港阳丰林"];
const PLACE_KIND = ["镇", "乡", "街道", "村", ""];
const BRANDS = [
  ..."实验 育才 育英 启明 阳光 希望 明德 博雅 文昌 新华 红星 光明 朝阳 东方 向阳 星光 春蕾 晨曦 蓝天".split(
    " ",
  ),
  ..."金色童年 小太阳 七彩 童心 爱心 培英 树人 求实 崇文 致远 英才 外国语 师范附属 机关".split(" "),
];
const DIGITS = [..."〇一二三四五六七八九"];

/** 1 → 一, 10 → 十, 23 → 二十三 (1..99). */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const units = n % 10;
  return `${tens === 1 ? "" : DIGITS[tens]}十${units === 0 ? "" : DIGITS[units]}`;
}

const same = (suffix: string) => (g: NameParts) => `${g.place()}${suffix}`;

export const SCHOOL_TYPE_PROFILES: SchoolTypeProfile[] = [
  {
    type: "11",
    weight: 50,
    privateShare: 0.4,
    runningTypes: [
      {
        code: "111",
        weight: 97,
        stages: ["preschool"],
        names: [
          (g) => `${g.place()}中心幼儿园`,
          (g) => `${g.ordinal()}幼儿园`,
          (g) => `${g.brand()}幼儿园`,
          same("幼儿园"),
          (g) => `${g.place()}${g.brand()}幼儿园`,
        ],
      },
      { code: "119", weight: 3, stages: ["preschool"], names: [(g) => `${g.place()}小学附设幼儿班`] },
    ],
  },
  {
    type: "21",
    weight: 29,
    privateShare: 0.05,
    runningTypes: [
      {
        code: "211",
        weight: 90,
        stages: ["primary"],
        names: [
          (g) => `${g.ordinal()}小学`,
          (g) => `${g.place()}中心小学`,
          same("小学"),
          (g) => `${g.brand()}小学`,
          (g) => `${g.place()}完全小学`,
        ],
      },
      { code: "218", weight: 10, stages: ["primary"], names: [(g) => `${g.place()}小学教学点`] },
    ],
  },
  {
    type: "31",
    weight: 10,
    privateShare: 0.1,
    runningTypes: [
      {
        code: "311",
        weight: 60,
        stages: ["junior"],
        names: [(g) => `${g.ordinal()}初级中学`, same("初级中学"), (g) => `${g.ordinal()}中学`, same("中学")],
      },
      {
        code: "312",
        weight: 40,
        stages: ["primary", "junior"],
        names: [same("九年一贯制学校"), (g) => `${g.brand()}学校`, (g) => `${g.place()}${g.brand()}学校`],
      },
    ],
  },
  {
    type: "34",
    weight: 3,
    privateShare: 0.15,
    runningTypes: [
      {
        code: "341",
        weight: 40,
        stages: ["junior", "senior"],
        names: [(g) => `${g.ordinal()}中学`, (g) => `${g.brand()}中学`],
      },
      {
        code: "342",
        weight: 50,
        stages: ["senior"],
        names: [(g) => `${g.ordinal()}高级中学`, same("高级中学"), (g) => `${g.brand()}高级中学`],
      },
      {
        code: "345",
        weight: 10,
        stages: ["primary", "junior", "senior"],
        names: [(g) => `${g.brand()}十二年一贯制学校`, same("十二年一贯制学校")],
      },
    ],
  },
  {
    type: "36",
    weight: 1.5,
    privateShare: 0.3,
    runningTypes: [
      {
        code: "365",
        weight: 50,
        stages: ["secondary_vocational"],
        names: [(g) => `${g.ordinal()}职业高级中学`, same("职业高级中学"), () => "职业教育中心"],
      },
      {
        code: "362",
        weight: 30,
        stages: ["secondary_vocational"],
        names: [same("中等专业学校"), (g) => `${g.brand()}中等专业学校`],
      },
      { code: "366", weight: 20, stages: ["secondary_vocational"], names: [same("技工学校")], hrss: true },
    ],
  },
  {
    type: "51",
    weight: 0.5,
    privateShare: 0.02,
    runningTypes: [
      { code: "513", weight: 60, stages: ["special"], names: [() => "培智学校", same("培智学校")] },
      { code: "514", weight: 30, stages: ["special"], names: [() => "特殊教育学校"] },
      { code: "512", weight: 10, stages: ["special"], names: [() => "聋哑学校"] },
    ],
  },
  {
    type: "93",
    weight: 4,
    privateShare: 0.5,
    runningTypes: [
      { code: "932", weight: 70, stages: ["adult"], names: [same("成人文化技术学校")] },
      {
        code: "931",
        weight: 30,
        stages: ["adult"],
        names: [same("职工技术培训学校"), (g) => `${g.brand()}培训学校`],
      },
    ],
  },
  {
    type: "22",
    weight: 0.3,
    privateShare: 0,
    runningTypes: [{ code: "222", weight: 1, stages: ["adult"], names: [same("农民文化技术学校")] }],
  },
  {
    type: "33",
    weight: 0.2,
    privateShare: 0,
    runningTypes: [{ code: "332", weight: 1, stages: ["adult"], names: [same("成人初级中学")] }],
  },
  {
    type: "35",
    weight: 0.1,
    privateShare: 0,
    runningTypes: [{ code: "352", weight: 1, stages: ["adult"], names: [same("成人高级中学")] }],
  },
  {
    type: "32",
    weight: 0.1,
    privateShare: 0,
    runningTypes: [{ code: "321", weight: 1, stages: ["junior"], names: [same("职业初级中学")] }],
  },
  {
    type: "37",
    weight: 0.05,
    privateShare: 0,
    runningTypes: [{ code: "371", weight: 1, stages: ["junior"], names: [() => "专门学校"] }],
  },
];

/**
 * Relative number of schools per county by province: the municipalities and the most populous
 * provinces have more schools per county, the western plateau provinces fewer. A rough shape,
 * not statistics.
 */
export const PROVINCE_WEIGHT: Record<string, number> = {
  "11": 2,
  "12": 1.6,
  "31": 2,
  "50": 2,
  "41": 1.6,
  "44": 1.8,
  "37": 1.4,
  "13": 1.2,
  "51": 1.2,
  "43": 1.1,
  "54": 0.3,
  "63": 0.5,
  "65": 0.8,
};

export interface GeneratedSchool {
  /** Position in generation order (also the insertion order). */
  index: number;
  code: string;
  name: string;
  county: CountyRef;
  runningType: string;
  stages: string[];
  ownership: "public" | "private";
  supervisingUnitId: number;
  openedOn: string;
  address: string;
}

export interface GeneratorOptions {
  total: number;
  seed: number;
  counties: CountyRef[];
  /** The school_type codes of the loaded code set; a profile whose type is missing is an error. */
  schoolTypes: ReadonlySet<string>;
}

/** How many schools each county gets: weight × a random spread, rounded by largest remainder. */
export function allocateSchools(counties: CountyRef[], total: number, random: Random): number[] {
  const weights = counties.map(
    (c) => (PROVINCE_WEIGHT[c.provinceCode] ?? 1) * Math.exp(0.45 * random.gaussian()),
  );
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (missing-- <= 0) break;
    counts[i]! += 1;
  }
  return counts;
}

/**
 * Yields the schools in insertion order. Counties are interleaved at random (a registry fills
 * over years, not county by county), so a subtree's rows are spread over the table as they
 * would be in production rather than stored together.
 */
export function* generateSchools(options: GeneratorOptions): Generator<GeneratedSchool> {
  for (const profile of SCHOOL_TYPE_PROFILES) {
    if (!options.schoolTypes.has(profile.type))
      throw new Error(`School type ${profile.type} is not in the school_type code set`);
  }
  const random = new Random(options.seed);
  const counts = allocateSchools(options.counties, options.total, random);
  const order = new Uint16Array(options.total);
  let k = 0;
  counts.forEach((count, county) => {
    order.fill(county, k, k + count);
    k += count;
  });
  random.shuffle(order);

  const types = SCHOOL_TYPE_PROFILES.map((p) => ({ weight: p.weight, value: p }));
  const sequences = new Map<string, number>();
  const usedNames = new Set<string>();
  const parts: NameParts = {
    place: () =>
      `${random.pick(PLACE_FIRST)}${random.pick(PLACE_SECOND)}${random.weighted(
        PLACE_KIND.map((value, i) => ({ value, weight: i === 4 ? 2 : 1 })),
      )}`,
    brand: () => random.pick(BRANDS),
    // Low numbers are far more common: 第一中学 exists in every county, 第三十七 rarely.
    ordinal: () => `第${chineseNumber(Math.min(99, 1 + Math.floor(Math.abs(random.gaussian()) * 6)))}`,
  };

  for (let index = 0; index < options.total; index++) {
    const county = options.counties[order[index]!]!;
    const profile = random.weighted(types);
    const running = random.weighted(profile.runningTypes.map((r) => ({ weight: r.weight, value: r })));
    let name = "";
    for (let attempt = 0; attempt < 6; attempt++) {
      name = `${county.name}${random.pick(running.names)(parts)}`;
      if (!usedNames.has(name)) break;
    }
    if (usedNames.has(name)) name = `${name}（${parts.place()}校区）`;
    usedNames.add(name);
    const key = `${profile.type}${county.provinceCode}`;
    const sequence = (sequences.get(key) ?? 0) + 1;
    if (sequence > 999_999) throw new Error(`More than 999999 schools of type ${key}`);
    sequences.set(key, sequence);
    yield {
      index,
      code: `${key}${String(sequence).padStart(6, "0")}`,
      name,
      county,
      runningType: running.code,
      stages: running.stages,
      ownership: random.next() < profile.privateShare ? "private" : "public",
      supervisingUnitId: running.hrss ? county.hrssDepartmentId : county.educationDepartmentId,
      openedOn: `${random.int(1950, 2023)}-09-01`,
      address: `${county.name}${parts.place()}路${random.int(1, 300)}号`,
    };
  }
}
