"""The demo catalogue of Litang: categories and products, loaded by catalog/demo.py.

Accuracy notes: products and prices are plausible for Litang and Ganzi in 2024–2025
(county-seat shop and online prices), not quotes from a real seller. Tibetan names are
working translations to be checked by a native speaker. Cordyceps (虫草) is left out on
purpose: its trade is regulated. Tibetan tea (藏茶) is drunk everywhere in Litang but
made in Ya'an, so it has no origin point in the county. Origins are demo service points
(highland/network/demo_data.py): yak products from 奔戈乡 villages above 4,000 m,
matsutake from the forests of 濯绒村 (哈依乡, 3,100 m), barley from 布日村 (呷洼乡).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from highland.catalog.models import Direction

CATEGORIES: list[dict[str, Any]] = [
    # code, names, direction, commission (basis points)
    {
        "code": "meat-dairy",
        "name_zh": "肉类乳品",
        "name_bo": "ཤ་དང་འོ་ཟས།",
        "name_en": "Meat and dairy",
        "direction": Direction.UP,
        "commission_bp": 500,
    },
    {
        "code": "mushrooms-herbs",
        "name_zh": "菌菇药材",
        "name_bo": "ཤ་མོ་དང་སྨན་རྩི།",
        "name_en": "Mushrooms and herbs",
        "direction": Direction.UP,
        "commission_bp": 800,
    },
    {
        "code": "tea",
        "name_zh": "茶叶",
        "name_bo": "ཇ།",
        "name_en": "Tea",
        "direction": Direction.UP,
        "commission_bp": 600,
    },
    {
        "code": "grains",
        "name_zh": "粮油",
        "name_bo": "འབྲུ་རིགས།",
        "name_en": "Grains",
        "direction": Direction.UP,
        "commission_bp": 400,
    },
    {
        "code": "fruit-vegetables",
        "name_zh": "果蔬",
        "name_bo": "ཤིང་འབྲས་དང་ཚོད་མ།",
        "name_en": "Fruit and vegetables",
        "direction": Direction.UP,
        "commission_bp": 400,
    },
    {
        "code": "crafts",
        "name_zh": "手工艺品",
        "name_bo": "ལག་ཤེས་བཟོ་རྩལ།",
        "name_en": "Crafts",
        "direction": Direction.UP,
        "commission_bp": 1000,
    },
    {
        "code": "farm-inputs",
        "name_zh": "农资",
        "name_bo": "ཞིང་ལས་ཡོ་བྱད།",
        "name_en": "Farm inputs",
        "direction": Direction.DOWN,
        "commission_bp": 200,
    },
    {
        "code": "household",
        "name_zh": "日用百货",
        "name_bo": "ཁྱིམ་ཚང་ཡོ་བྱད།",
        "name_en": "Household goods",
        "direction": Direction.DOWN,
        "commission_bp": 600,
    },
]


@dataclass(frozen=True)
class DemoSku:
    code: str
    label_zh: str
    label_en: str
    price_fen: int
    stock: int
    unit: str = "pack"
    unit_weight_g: int | None = None
    label_bo: str = ""


@dataclass(frozen=True)
class DemoProduct:
    seller: str  # "coop", "enterprise" or "herder"
    category: str
    name_zh: str
    name_bo: str
    name_en: str
    storage_class: str
    shelf_life_days: int | None
    origin: str | None  # service point code
    description_zh: str
    description_bo: str
    description_en: str
    skus: list[DemoSku]
    story_zh: str = ""
    story_bo: str = ""
    story_en: str = ""


PRODUCTS: list[DemoProduct] = [
    DemoProduct(
        seller="coop",
        category="meat-dairy",
        name_zh="牦牛肉干",
        name_bo="གཡག་ཤ་སྐམ་པོ།",
        name_en="Yak jerky",
        storage_class="ambient",
        shelf_life_days=180,
        origin="LT-S01-V01",
        description_zh="奔戈乡草场放养牦牛，手工风干，不加防腐剂。",
        description_en="Free-range yaks from the Benge pastures, air-dried by hand, no preservatives.",
        description_bo="དཔོན་སྒར་ཤང་གི་རྩྭ་ཐང་དུ་རང་དབང་ངང་འཚོ་བའི་གཡག་གི་ཤ་ལག་བཟོས་ཀྱིས་རླུང་ལ་བསྐམས་པ། རུལ་འགོག་རྫས་མ་བསྲེས།",
        story_zh="合作社三十多户牧民共同放牧，冬季在4000米以上的扎嘎村风干。",
        story_bo="ཚོགས་པའི་འབྲོག་པ་ཁྱིམ་ཚང་སུམ་ཅུ་ལྷག་གིས་མཉམ་དུ་ཕྱུགས་འཚོ་བྱེད། ཤ་དེ་དགུན་ཁར་མཐོ་ཚད་སྨི་ 4000 ཡན་གྱི་བྲག་དཀར་གྲོང་ཚོར་རླུང་ལ་བསྐམས་པ་ཡིན།",
        story_en="Thirty-odd herding households of the cooperative graze together; the meat is "
        "air-dried in winter at Zhaga village, above 4,000 m.",
        skus=[
            DemoSku(
                "LT-YJ-100",
                "原味 100 克袋装",
                "Original, 100 g pack",
                3980,
                120,
                "pack",
                120,
                label_bo="བྲོ་བ་རང་བཞིན། གྷ་རམ་ 100 ཡོད་པའི་ཁུག་མ།",
            ),
            DemoSku(
                "LT-YJ-250",
                "原味 250 克袋装",
                "Original, 250 g pack",
                8800,
                60,
                "pack",
                280,
                label_bo="བྲོ་བ་རང་བཞིན། གྷ་རམ་ 250 ཡོད་པའི་ཁུག་མ།",
            ),
            DemoSku(
                "LT-YJ-250S",
                "麻辣 250 克袋装",
                "Spicy, 250 g pack",
                8800,
                4,
                "pack",
                280,
                label_bo="ཁ་ཚ་བ། གྷ་རམ་ 250 ཡོད་པའི་ཁུག་མ།",
            ),
        ],
    ),
    DemoProduct(
        seller="coop",
        category="meat-dairy",
        name_zh="牦牛酸奶",
        name_bo="འབྲི་ཞོ།",
        name_en="Yak yoghurt",
        storage_class="chilled",
        shelf_life_days=15,
        origin="LT-S01-V02",
        description_zh="高原母牦牛鲜奶自然发酵，需0–4 °C冷藏。",
        description_en="Fresh milk of highland dri (female yaks), naturally fermented; keep at 0–4 °C.",
        description_bo="མཐོ་སྒང་གི་འབྲི་འོ་སོ་མ་ལས་རང་བཞིན་གྱིས་བཟོས་པའི་ཞོ། དྲོད་ཚད་ 0–4 °C ནང་གྲང་ཉར་བྱེད་དགོས།",
        skus=[
            DemoSku(
                "LT-YY-6",
                "200 克 × 6 杯",
                "6 cups × 200 g",
                5900,
                40,
                "pack",
                1400,
                label_bo="གྷ་རམ་ 200 ཡོད་པའི་ཕོར་པ་ 6",
            )
        ],
    ),
    DemoProduct(
        seller="herder",
        category="meat-dairy",
        name_zh="牦牛奶渣",
        name_bo="ཕྱུར་བ།",
        name_en="Dried yak cheese (chura)",
        storage_class="ambient",
        shelf_life_days=180,
        origin="LT-S01-V05",
        description_zh="格扎村牧户自制奶渣，酥油提炼后的奶酪晒干而成。",
        description_en="Made by a Geza village herding household: curd left after churning butter, "
        "sun-dried.",
        description_bo="དགེ་བཀྲ་གྲོང་ཚོའི་འབྲོག་པ་ཁྱིམ་ཚང་གིས་རང་བཟོས་བྱས་པ། མར་བསྲུབས་རྗེས་ལྷག་པའི་ཕྱུར་བ་ཉི་མར་བསྐམས་པ།",
        skus=[
            DemoSku(
                "LT-NZ-500",
                "500 克袋装",
                "500 g bag",
                4500,
                30,
                "pack",
                520,
                label_bo="གྷ་རམ་ 500 ཡོད་པའི་ཁུག་མ།",
            )
        ],
    ),
    DemoProduct(
        seller="herder",
        category="fruit-vegetables",
        name_zh="蕨麻",
        name_bo="གྲོ་མ།",
        name_en="Droma (silverweed root)",
        storage_class="ambient",
        shelf_life_days=365,
        origin="LT-S01-V05",
        description_zh="草原野生蕨麻（人参果），晒干，可煮粥或配酥油米饭。",
        description_en="Wild silverweed roots from the grassland, dried; cook in porridge or with "
        "butter and rice.",
        description_bo="རྩྭ་ཐང་གི་རི་སྐྱེས་གྲོ་མ་བསྐམས་པ། ཐུག་པའི་ནང་བསྐོལ་བའམ་མར་དང་འབྲས་ཆན་མཉམ་དུ་ཟ་ཆོག",
        skus=[
            DemoSku(
                "LT-JM-W",
                "散装称重",
                "Loose, by weight",
                6800,
                15000,
                "weight",
                None,
                label_bo="ཐུམ་མེད། ལྗིད་ཚད་ལྟར།",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="mushrooms-herbs",
        name_zh="鲜松茸",
        name_bo="ཤ་མོ་སོ་མ།",
        name_en="Fresh matsutake",
        storage_class="chilled",
        shelf_life_days=5,
        origin="LT-S03-V02",
        description_zh="哈依乡濯绒村林下采摘，当天冷链发出，0–4 °C 保存。",
        description_en="Picked in the forests of Zhuorong village, Hayi; shipped cold the same day, "
        "keep at 0–4 °C.",
        description_bo="ཧ་ཡི་ཤང་གྲོ་རོང་གྲོང་ཚོའི་ནགས་ཚལ་ནས་བཏུས་པ། ཉིན་དེ་ཉིད་ལ་གྲང་ཉར་ངང་སྐྱེལ་བ་དང་། དྲོད་ཚད་ 0–4 °C ནང་ཉར་དགོས།",
        skus=[
            DemoSku(
                "LT-SR-W",
                "鲜品 按重量",
                "Fresh, by weight",
                29800,
                20000,
                "weight",
                None,
                label_bo="སོ་མ། ལྗིད་ཚད་ལྟར།",
            ),
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="mushrooms-herbs",
        name_zh="冻松茸",
        name_bo="ཤ་མོ་འཁྱགས་མ།",
        name_en="Frozen matsutake",
        storage_class="frozen",
        shelf_life_days=365,
        origin="LT-S03-V02",
        description_zh="采摘后速冻，−18 °C 以下保存。",
        description_en="Quick-frozen after picking; keep at −18 °C or colder.",
        description_bo="བཏུས་རྗེས་མྱུར་དུ་འཁྱགས་སུ་བཅུག་པ། དྲོད་ཚད་ −18 °C དང་དེ་ལས་དམའ་བའི་ནང་ཉར་དགོས།",
        skus=[
            DemoSku(
                "LT-SRF-500",
                "500 克盒装",
                "500 g box",
                22800,
                25,
                "pack",
                650,
                label_bo="གྷ་རམ་ 500 ཡོད་པའི་སྒམ།",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="tea",
        name_zh="藏茶",
        name_bo="བོད་ཇ།",
        name_en="Tibetan brick tea",
        storage_class="ambient",
        shelf_life_days=None,
        origin=None,
        description_zh="雅安黑茶砖，熬酥油茶用。",
        description_en="Dark brick tea from Ya'an, for butter tea.",
        description_bo="ཡ་ཨན་ནས་ཐོན་པའི་ཇ་པག་ནག་པོ། སྲུབ་ཇ་བཟོ་བར་སྤྱོད།",
        skus=[
            DemoSku(
                "LT-ZC-500",
                "500 克茶砖",
                "500 g brick",
                4800,
                80,
                "piece",
                520,
                label_bo="གྷ་རམ་ 500 ཡོད་པའི་ཇ་པག",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="grains",
        name_zh="青稞",
        name_bo="ནས།",
        name_en="Highland barley",
        storage_class="ambient",
        shelf_life_days=365,
        origin="LT-S04-V02",
        description_zh="呷洼乡布日村种植的青稞，可炒制糌粑。",
        description_en="Barley grown at Buri village, Gawa; roast it for tsampa.",
        description_bo="ག་བ་ཤང་བུ་རི་གྲོང་ཚོར་བཏབ་པའི་ནས། རྔོས་ནས་རྩམ་པ་བཟོ་ཆོག",
        skus=[
            DemoSku(
                "LT-QK-2500",
                "2.5 千克袋装",
                "2.5 kg bag",
                3500,
                50,
                "pack",
                2550,
                label_bo="ཀི་ལོ་གྷ་རམ་ 2.5 ཡོད་པའི་ཁུག་མ།",
            ),
            DemoSku(
                "LT-QK-5000",
                "5 千克袋装",
                "5 kg bag",
                6500,
                20,
                "pack",
                5080,
                label_bo="ཀི་ལོ་གྷ་རམ་ 5 ཡོད་པའི་ཁུག་མ།",
            ),
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="grains",
        name_zh="青稞挂面",
        name_bo="ནས་ཀྱི་ཐུག་པ།",
        name_en="Highland barley noodles",
        storage_class="ambient",
        shelf_life_days=365,
        origin="LT-C",
        description_zh="青稞粉与小麦粉制成，县城加工。",
        description_en="Barley and wheat flour, made in the county seat.",
        description_bo="ནས་ཕྱེ་དང་གྲོ་ཕྱེ་ལས་བཟོས་པ། རྫོང་སར་བཟོས།",
        skus=[
            DemoSku(
                "LT-GM-4",
                "500 克 × 4 袋",
                "4 × 500 g",
                3900,
                0,
                "pack",
                2100,
                label_bo="གྷ་རམ་ 500 ཡོད་པའི་ཁུག་མ་ 4",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="crafts",
        name_zh="藏香",
        name_bo="བོད་སྤོས།",
        name_en="Tibetan incense",
        storage_class="ambient",
        shelf_life_days=None,
        origin="LT-C",
        description_zh="柏树粉与草药手工搓制，约100支一盒。",
        description_en="Hand-rolled from juniper powder and herbs, about 100 sticks a box.",
        description_bo="ཤུག་པའི་ཕྱེ་དང་སྨན་རྩི་ལག་བཟོས་ཀྱིས་སྒྲིལ་བ། སྒམ་རེར་སྤོས་སྡོང་ 100 ཙམ་ཡོད།",
        skus=[
            DemoSku(
                "LT-ZX-100",
                "一盒（约 100 支）",
                "One box (about 100 sticks)",
                3800,
                70,
                "pack",
                250,
                label_bo="སྒམ་གཅིག (སྤོས་སྡོང་ 100 ཙམ།)",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="crafts",
        name_zh="唐卡",
        name_bo="ཐང་ཀ།",
        name_en="Thangka painting",
        storage_class="ambient",
        shelf_life_days=None,
        origin="LT-C",
        description_zh="本地画师以矿物颜料手绘，附画师签名证书。",
        description_en="Hand-painted by local artists in mineral pigments, with a signed certificate.",
        description_bo="ས་གནས་ཀྱི་ལྷ་བྲིས་པས་རྡོ་ཚོན་གྱིས་ལག་བྲིས་བྱས་པ། ལྷ་བྲིས་པའི་མིང་རྟགས་ཡོད་པའི་ལག་ཁྱེར་ཡོད།",
        skus=[
            DemoSku(
                "LT-TK-S",
                "小幅 30×40 厘米",
                "Small, 30 × 40 cm",
                128000,
                2,
                "piece",
                800,
                label_bo="ཆུང་ངུ། ལི་སྨི་ 30 × 40",
            ),
            DemoSku(
                "LT-TK-M",
                "中幅 50×70 厘米",
                "Medium, 50 × 70 cm",
                368000,
                1,
                "piece",
                1500,
                label_bo="འབྲིང་པོ། ལི་སྨི་ 50 × 70",
            ),
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="farm-inputs",
        name_zh="复合化肥",
        name_bo="རྫས་ལུད།",
        name_en="Compound fertiliser",
        storage_class="ambient",
        shelf_life_days=None,
        origin=None,
        description_zh="氮磷钾 15-15-15，50 千克袋，送到乡镇服务站自提。",
        description_en="NPK 15-15-15, 50 kg bag, delivered to the township station for pickup.",
        description_bo="NPK 15-15-15 ཀི་ལོ་གྷ་རམ་ 50 ཡོད་པའི་ཁུག་མ། ཤང་གི་ཞབས་ཞུ་ས་ཚིགས་སུ་སྐྱེལ་ནས་རང་ཉིད་ཀྱིས་ལེན་དགོས།",
        skus=[
            DemoSku(
                "LT-HF-50",
                "50 千克袋",
                "50 kg bag",
                16800,
                40,
                "pack",
                50000,
                label_bo="ཀི་ལོ་གྷ་རམ་ 50 ཡོད་པའི་ཁུག་མ།",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="household",
        name_zh="太阳能充电宝",
        name_bo="ཉི་འོད་གློག་གསོག",
        name_en="Solar power bank",
        storage_class="ambient",
        shelf_life_days=None,
        origin=None,
        description_zh="20000 毫安时，带太阳能板，游牧点手机充电用。",
        description_en="20,000 mAh with a solar panel, for charging phones at herding camps.",
        description_bo="20000 mAh ཉི་འོད་པང་ལེབ་ཡོད། འབྲོག་སྡོད་སར་ཁ་པར་ལ་གློག་གསོག་བྱེད་པར་སྤྱོད།",
        skus=[
            DemoSku(
                "LT-CD-20K",
                "20000 毫安时",
                "20,000 mAh",
                12900,
                35,
                "piece",
                450,
                label_bo="གློག་གསོག་ཚད་ 20000 mAh",
            )
        ],
    ),
    DemoProduct(
        seller="enterprise",
        category="household",
        name_zh="保温壶",
        name_bo="དྲོད་འཛིན་ཇ་དམ།",
        name_en="Vacuum flask",
        storage_class="ambient",
        shelf_life_days=None,
        origin=None,
        description_zh="不锈钢 2 升，装酥油茶保温 24 小时。",
        description_en="Stainless steel, 2 litres, keeps butter tea hot for 24 hours.",
        description_bo="བཙའ་མི་འབབ་པའི་ལྕགས། ལི་ཊར་ 2 ཤོང་། སྲུབ་ཇ་ཆུ་ཚོད་ 24 རིང་དྲོད་འཛིན་ཐུབ།",
        skus=[DemoSku("LT-BW-2L", "2 升", "2 litres", 8900, 25, "piece", 1100, label_bo="ལི་ཊར་ 2")],
    ),
]
