"""The demo county's two cooperatives: who they are, their rules, their member households
and a season of intakes. Made-up households with common Khampa names; weights and prices
are plausible for Litang (matsutake in August, yak meat at the November slaughter)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (Chinese, Tibetan) given names of the heads of household.
HEADS: list[tuple[str, str]] = [
    ("扎西", "བཀྲ་ཤིས"),
    ("卓玛", "སྒྲོལ་མ"),
    ("次仁", "ཚེ་རིང"),
    ("央金", "དབྱངས་ཅན"),
    ("多吉", "རྡོ་རྗེ"),
    ("拉姆", "ལྷ་མོ"),
    ("丹增", "བསྟན་འཛིན"),
    ("尼玛", "ཉི་མ"),
    ("达瓦", "ཟླ་བ"),
    ("曲珍", "ཆོས་སྒྲོན"),
    ("贡布", "མགོན་པོ"),
    ("益西", "ཡེ་ཤེས"),
    ("索朗", "བསོད་ནམས"),
    ("平措", "ཕུན་ཚོགས"),
    ("边巴", "སྤེན་པ"),
    ("巴桑", "པ་སངས"),
    ("旺堆", "དབང་འདུས"),
    ("群培", "ཆོས་འཕེལ"),
    ("仁青", "རིན་ཆེན"),
    ("德吉", "བདེ་སྐྱིད"),
    ("嘎玛", "ཀརྨ"),
    ("顿珠", "དོན་གྲུབ"),
    ("强巴", "བྱམས་པ"),
    ("桑珠", "བསམ་གྲུབ"),
    ("白玛", "པདྨ"),
    ("其美", "འཆི་མེད"),
    ("普布", "ཕུར་བུ"),
    ("洛桑", "བློ་བཟང"),
    ("格列", "དགེ་ལེགས"),
]

MATSUTAKE_COOP = {
    "name_zh": "理塘县君坝乡松茸专业合作社",
    "name_bo": "ལི་ཐང་རྫོང་ཅིན་པ་ཤང་ཤ་མོ་མཉམ་ལས་ཁང་།",
    "name_en": "Junba Township Matsutake Cooperative",
}
# The matsutake cooperative's staff (the yak cooperative's are demo people already).
MATSUTAKE_STAFF = [
    ("mt_manager", "泽仁 (松茸合作社)", "cooperative_manager", "13800000021"),
    ("mt_accountant", "卓嘎 (松茸合作社会计)", "cooperative_accountant", "13800000022"),
]

RULES_FROM = dt.date(2026, 1, 1)


@dataclass(frozen=True)
class GradeData:
    code: str
    label_zh: str
    label_bo: str
    label_en: str
    factor_bp: int


YAK_GRADES = [
    GradeData("A", "里脊、外脊", "རྒྱབ་ཤ", "Loin", 13000),
    GradeData("B", "腿肉", "རྐང་ཤ", "Leg", 10000),
    GradeData("C", "碎肉、肋条", "ཤ་ཕྲན", "Trimmings and ribs", 7000),
]
MATSUTAKE_GRADES = [
    GradeData(
        "A", "一级（未开伞，菌盖≤5厘米）", "རིམ་པ་དང་པོ།", "Grade 1 (closed, cap ≤ 5 cm)", 15000
    ),
    GradeData("B", "二级（菌盖5–8厘米）", "རིམ་པ་གཉིས་པ།", "Grade 2 (cap 5–8 cm)", 10000),
    GradeData("C", "三级（开伞或破损）", "རིམ་པ་གསུམ་པ།", "Grade 3 (open or broken)", 5000),
]
MATSUTAKE_ATTRIBUTES = [
    {
        "key": "cap_mm",
        "label_zh": "菌盖直径",
        "label_bo": "ཤ་མོའི་ཁེབས་ཀྱི་ཞེང་ཚད།",
        "label_en": "Cap diameter",
        "unit": "mm",
        "min": 10,
        "max": 200,
        "required": True,
    },
    {
        "key": "moisture_pct",
        "label_zh": "含水率",
        "label_bo": "རླན་ཚད།",
        "label_en": "Moisture",
        "unit": "%",
        "min": 50,
        "max": 98,
        "required": False,
    },
]

# Collection days of the season (local dates) and the hour the scale opened.
MATSUTAKE_DAYS = [dt.date(2026, 8, 5), dt.date(2026, 8, 12), dt.date(2026, 8, 19)]
YAK_DAYS = [dt.date(2026, 11, 10), dt.date(2026, 11, 17)]
# Grade A loin brought in on the first yak day: exactly 10 kg from three households,
# made into 28 packs of jerky (100 g each) and sold.
YAK_JERKY_LOT_GRAMS = [3450, 3200, 3350]
JERKY_SKU = "LT-YJ-100"
JERKY_PACKS = 28
JERKY_PROCESSING_COST_FEN = 12000
JERKY_ORDERS = [7, 7, 7, 7]  # packs per buyer order: all 28 sold
