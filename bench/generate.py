#!/usr/bin/env python3
"""Deterministic generator of a realistic guide project with N conferences.

    python3 bench/generate.py 1000 /tmp/guide-1000

Names are Chinese of realistic length with English translations in the
content catalog; all fields, many units and every month of the window are
used, about one conference in twelve is one-off. The same N always gives the
same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FIELDS = [("math-physics", "数理科学", "Mathematical and Physical Sciences"),
          ("chemistry", "化学科学", "Chemical Sciences"), ("life", "生命科学", "Life Sciences"),
          ("earth", "地球科学", "Earth Sciences"),
          ("engineering-materials", "工程与材料科学", "Engineering and Materials Sciences"),
          ("information", "信息科学", "Information Sciences"),
          ("management", "管理科学", "Management Sciences"), ("medicine", "医学科学", "Medical Sciences")]
TOPICS = {
    "math-physics": [("计算数学", "Computational Mathematics"), ("凝聚态物理", "Condensed Matter Physics"),
                     ("理论与应用力学", "Theoretical and Applied Mechanics"), ("光学工程", "Optical Engineering"),
                     ("天体物理", "Astrophysics"), ("统计学", "Statistics")],
    "chemistry": [("催化", "Catalysis"), ("高分子科学", "Polymer Science"), ("分析化学", "Analytical Chemistry"),
                  ("光化学", "Photochemistry"), ("电化学", "Electrochemistry")],
    "life": [("分子生物学", "Molecular Biology"), ("生态学", "Ecology"), ("遗传学", "Genetics"),
             ("植物生物学", "Plant Biology"), ("神经科学", "Neuroscience"), ("微生物学", "Microbiology")],
    "earth": [("地质学", "Geology"), ("气象学", "Meteorology"), ("海洋科学", "Marine Science"),
              ("地理信息", "Geographic Information"), ("地球物理", "Geophysics")],
    "engineering-materials": [("机械工程", "Mechanical Engineering"), ("先进材料", "Advanced Materials"),
                              ("航空航天", "Aeronautics and Astronautics"), ("土木工程", "Civil Engineering"),
                              ("能源动力", "Energy and Power"), ("交通运输", "Transportation")],
    "information": [("人工智能", "Artificial Intelligence"), ("计算机科学", "Computer Science"),
                    ("通信网络", "Communication Networks"), ("自动化", "Automation"),
                    ("中文信息处理", "Chinese Information Processing"), ("集成电路", "Integrated Circuits")],
    "management": [("管理科学与工程", "Management Science and Engineering"), ("系统工程", "Systems Engineering"),
                   ("科技政策", "Science and Technology Policy"), ("城市规划", "Urban Planning")],
    "medicine": [("肿瘤学", "Oncology"), ("心血管病学", "Cardiology"), ("药学", "Pharmacy"),
                 ("中西医结合", "Integrative Medicine"), ("公共卫生", "Public Health"), ("康复医学", "Rehabilitation Medicine")],
}
KINDS_OF_MEETING = [("学术年会", "Annual Conference"), ("学术大会", "Congress"), ("前沿论坛", "Frontier Forum"),
                    ("青年学者论坛", "Young Scholars Forum"), ("国际学术研讨会", "International Symposium"),
                    ("创新发展大会", "Innovation and Development Conference")]
QUALIFIERS = [("全国", "National"), ("中国", "China"), ("国际", "International"), ("亚太", "Asia-Pacific"),
              ("长三角", "Yangtze River Delta"), ("粤港澳大湾区", "Greater Bay Area")]
CITIES = [("北京", "Beijing"), ("上海", "Shanghai"), ("广州", "Guangzhou"), ("深圳", "Shenzhen"), ("杭州", "Hangzhou"),
          ("南京", "Nanjing"), ("武汉", "Wuhan"), ("成都", "Chengdu"), ("重庆", "Chongqing"), ("西安", "Xi'an"),
          ("长沙", "Changsha"), ("厦门", "Xiamen"), ("青岛", "Qingdao"), ("合肥", "Hefei"), ("哈尔滨", "Harbin"),
          ("昆明", "Kunming"), ("兰州", "Lanzhou"), ("乌鲁木齐", "Urumqi"), ("海口", "Haikou"), ("苏州", "Suzhou")]
VENUES = [("国际会议中心", "International Conference Center"), ("国际会展中心", "International Expo Center"),
          ("大学学术交流中心", "University Academic Exchange Center"), ("宾馆会议厅", "Hotel Conference Hall")]
NUMERALS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    if n <= 10:
        return NUMERALS[n]
    if n < 20:
        return "十" + (NUMERALS[n % 10] if n % 10 else "")
    return NUMERALS[n // 10] + "十" + (NUMERALS[n % 10] if n % 10 else "")


def po_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def generate(n: int, root: Path, seed: int = 2023, templates: Path = REPO / "templates",
             source: Path = REPO) -> None:
    """The project of N conferences at ``root``, with a copy of ``templates``, its guide,
    units, pages and edition settings from ``source`` (a checkout: bench/run.py's
    --against builds each project of the checkout it measures)."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    content = root / "content"
    confs = content / "editions" / "2023" / "conferences"
    confs.mkdir(parents=True)
    shutil.copy(source / "content" / "guide.yaml", content / "guide.yaml")
    shutil.copy(source / "content" / "units.yaml", content / "units.yaml")
    shutil.copytree(source / "content" / "pages", content / "pages")
    # The project's own templates, so the benchmark can change one of them.
    shutil.copytree(templates, root / "templates")
    units = [line.split("code: ")[1].split(",")[0] for line in (content / "units.yaml").read_text(encoding="utf-8").splitlines()
             if line.startswith("- {code: ") and "group: provincial" not in line]
    unit_names = {line.split("code: ")[1].split(",")[0]: line.split("name: ")[1].split(",")[0]
                  for line in (content / "units.yaml").read_text(encoding="utf-8").splitlines() if line.startswith("- {")}
    edition = (source / "content" / "editions" / "2023" / "edition.yaml").read_text(encoding="utf-8")
    edition = edition.split("\n# Annual conference plan")[0].replace("sample: true", "sample: true  # generated benchmark data")
    # Without the fields' search terms (a hidden line on each conference
    # page): a checkout from before them reads this edition too (--against).
    edition = re.sub(r", search_terms: \[[^\]]*\]", "", edition)
    edition += "\nplans:\n" + "".join(f"  {u}: {n * 10}\n" for u in units)
    (content / "editions" / "2023" / "edition.yaml").write_text(edition, encoding="utf-8")

    english: dict[str, str] = {}
    window_days = (dt.date(2024, 3, 31) - dt.date(2023, 1, 1)).days
    for i in range(n):
        fid, _, _ = FIELDS[i % len(FIELDS)]
        topic_zh, topic_en = rng.choice(TOPICS[fid])
        qual_zh, qual_en = rng.choice(QUALIFIERS)
        meet_zh, meet_en = rng.choice(KINDS_OF_MEETING)
        one_off = i % 12 == 5
        number = rng.randint(3, 40)
        if one_off:
            name_zh = f"{qual_zh}{topic_zh}{meet_zh}（{i}）"
            name_en = f"{qual_en} {topic_en} {meet_en} ({i})"
        else:
            name_zh = f"第{chinese_number(number)}届{qual_zh}{topic_zh}{meet_zh}（{i}）"
            name_en = f"{number}th {qual_en} {topic_en} {meet_en} ({i})"
        city_zh, city_en = rng.choice(CITIES)
        venue_zh, venue_en = rng.choice(VENUES)
        venue_zh, venue_en = city_zh + venue_zh, f"{city_en} {venue_en}"
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(window_days - 4))
        end = start + dt.timedelta(days=rng.randint(0, 3))
        unit = rng.choice(units)
        host_zh = f"{city_zh}{topic_zh}研究院"
        english.update({name_zh: name_en, city_zh: city_en, venue_zh: venue_en,
                        host_zh: f"{city_en} Institute of {topic_en}"})
        lines = [f"id: conf-{i:05d}", f"series: series-{i:05d}", f"name: {name_zh}",
                 f"kind: {'one-off' if one_off else 'recurring'}"]
        if not one_off:
            lines.append(f"edition_number: {number}")
        lines += [f"field: {fid}", f"start: {start.isoformat()}"]
        if end != start:
            lines.append(f"end: {end.isoformat()}")
        lines += [f"city: {city_zh}", f"venue: {venue_zh}", f"organizers: [{unit_names[unit]}]",
                  f"hosts: [{host_zh}]", f"recommender: {unit}", f"website: https://conf-{i:05d}.example.org/"]
        if one_off:
            lines += ["exceptions:", "  - {rule: quota-one-off, reason: 基准测试数据, approved: 2023-04-01}"]
        (confs / f"conf-{i:05d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # English strings: the demo catalog (units, fields, guide) plus the generated ones.
    po_dir = root / "locales" / "en" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    demo = (source / "locales" / "en" / "LC_MESSAGES" / "content.po").read_text(encoding="utf-8")
    extra = "".join(f'\nmsgid "{po_escape(k)}"\nmsgstr "{po_escape(v)}"\n' for k, v in sorted(english.items())
                    if f'msgid "{po_escape(k)}"' not in demo)
    (po_dir / "content.po").write_text(demo + extra, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    generate(args.n, args.dir, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
