"""Real places of Litang County used by the demo county loader.

Sources:
- Litang county code 513334, seat at Gaocheng (高城镇), seat altitude, Tibetan names
  ལི་ཐང་རྫོང་ and དཀར་མཛེས་བོད་རིགས་རང་སྐྱོང་ཁུལ།: en.wikipedia.org/wiki/Litang_County
  and mirrors (seat 30.000N 100.267E, 3954 m; Chinese sources give 4014 m),
  zh.wikipedia mirror of 甘孜藏族自治州, zwbk2009.com 理塘县 (postcode 624300, code 513334).
- Township list and 2020 codes (奔戈乡 513334207, 呷洼乡 513334206, 濯桑乡 513334216,
  哈依乡 513334201, 禾尼乡 513334209 ...): NBS 2020 township table as copied into a public
  GitHub SQL dump (organization table, parent 83 = 理塘县).
- 格聂镇 (513334102): created 2020-06-17 from 喇嘛垭乡 + 章纳乡 (川府民政〔2020〕9号);
  seat coordinates 29°49′52″N 99°49′15″E; 12 villages incl. 然日卡村, 喇嘛垭村, 章纳村, 扎拉村:
  zh.wikipedia mirror wikim.kfd.me/格聂镇 (citing NBS 2023 codes).
- 扎拉村 (513334102209, 3600 m, 13 km SE of the town government, mostly relocated):
  mddtxt.net village page (tcmap.com.cn mirror).
- 奔戈乡: 7 villages (托仁, 扎吉贡巴, 阿超, 格扎, 卡灰, 扎嘎, 萨戈), seat 扎嘎(扎呷)村 4175 m,
  11 km SE of the county seat; distances/altitudes of 萨戈村, 托仁村, 阿超村, 格扎村:
  qqliuyan.cn/sichuan/litang_bengexiang.html (tcmap.com.cn mirror).
- 哈依乡 濯绒村 (513334201202, 3100 m, 106 km from the county seat, 30 km NW of the township
  government; neighbours 呷依布里村, 哈依村, 桑多村): tcmap.com.cn/sichuan/litang_hayixiang_rongcun.html
- 呷洼乡 门斗格村 (513334206203, 2750 m, 17 km from the township government; neighbours
  日西新村, 布日村 ...): letfai.com/sichuan/litang_kexiang_mendougecun.html
- 濯桑乡 汉戈村 (on the Litang-Daocheng Yading road, 109 households): 四川旅游新闻网 item quoted
  in a public GitHub news fixture.

Accuracy notes (see also the report that accompanied this file):
- Names of townships and villages above are sourced. Altitudes marked "# src" are sourced;
  all other altitudes and ALL coordinates except the county seat and the 格聂镇 seat are
  estimates placed from the distances/directions in the sources, not surveyed points.
- Tibetan township/village names (other than ལི་ཐང་ and the prefecture) are phonetic
  transliterations from the Chinese, not verified official Tibetan spellings.
- Connectivity values are plausible demo values, not measured coverage.
- 濯桑乡 has only one village here because no second/third village could be confirmed.
"""

from typing import Any

COUNTY: dict[str, str] = {
    "code": "513334",  # GB/T 2260 code  # src
    "name_zh": "理塘县",
    "name_bo": "ལི་ཐང་རྫོང་",  # src (Wylie: li thang rdzong)
    "name_en": "Litang County",
    "prefecture_zh": "甘孜藏族自治州",
    "prefecture_bo": "དཀར་མཛེས་བོད་རིགས་རང་སྐྱོང་ཁུལ།",  # src (dkar mdzes bod rigs rang skyong khul)
    "prefecture_en": "Garzê Tibetan Autonomous Prefecture",
}

CENTRE: dict[str, Any] = {  # the county e-commerce public service centre in the county seat
    "code": "LT-C",
    "name_zh": "理塘县电子商务公共服务中心",
    "name_bo": "ལི་ཐང་རྫོང་གི་གློག་རྡུལ་ཚོང་ལས་སྤྱི་པའི་ཞབས་ཞུ་ལྟེ་གནས།",
    "name_en": "Litang County E-commerce Public Service Centre",
    "township_zh": "高城镇",
    "township_bo": "ལི་ཐང་གྲོང་རྡལ།",  # the town is called ལི་ཐང། in Tibetan  # src
    "township_en": "Gaocheng",
    "latitude": "29.996000",  # county seat  # src (≈30.000N)
    "longitude": "100.269800",  # src (≈100.267E)
    "altitude_m": 3954,  # src (en.wikipedia infobox; Chinese sources: 4014 m)
    "connectivity": "broadband",
    "connectivity_stable": True,
}

STATIONS: list[dict[str, Any]] = [
    {  # 奔戈乡: 11 km SE of the county seat, seat at 扎嘎(扎呷)村, 4175 m  # src
        "code": "LT-S01",
        "township_zh": "奔戈乡",
        "township_bo": "དཔོན་སྒར་ཤང་",  # "chieftain's seat", matching the name's recorded meaning; not verified
        "township_en": "Benge",
        "name_zh": "奔戈乡电商服务站",
        "name_bo": "དཔོན་སྒར་ཤང་གི་གློག་རྡུལ་ཚོང་ལས་ཞབས་ཞུ་ས་ཚིགས།",
        "name_en": "Benge E-commerce Service Station",
        "latitude": "29.928000",
        "longitude": "100.348000",
        "altitude_m": 4175,  # src
        "connectivity": "4g",
        "connectivity_stable": True,
        "villages": [
            {
                "code": "LT-S01-V01",
                "village_zh": "扎嘎村",
                "village_bo": "བྲག་དཀར་གྲོང་ཚོ།",
                "village_en": "Zhaga Village",  # township seat village ("white rock")  # src
                "latitude": "29.927000",
                "longitude": "100.349000",
                "altitude_m": 4175,
                "connectivity": "4g",
                "connectivity_stable": True,
            },
            {
                "code": "LT-S01-V02",
                "village_zh": "萨戈村",
                "village_bo": "ས་སྒོ་གྲོང་ཚོ།",
                "village_en": "Sage Village",  # 7 km from county seat, borders 高城镇  # src
                "latitude": "29.958000",
                "longitude": "100.318000",
                "altitude_m": 4050,
                "connectivity": "4g",
                "connectivity_stable": True,
            },
            {
                "code": "LT-S01-V03",
                "village_zh": "托仁村",
                "village_bo": "ཐོ་རིང་གྲོང་ཚོ།",
                "village_en": "Tuoren Village",  # 15 km W of the seat on G318  # src
                "latitude": "29.990000",
                "longitude": "100.118000",
                "altitude_m": 4100,
                "connectivity": "4g",
                "connectivity_stable": True,
            },
            {
                "code": "LT-S01-V04",
                "village_zh": "阿超村",
                "village_bo": "ཨ་ཚོ་གྲོང་ཚོ།",
                "village_en": "Achao Village",  # 28 km from county seat, avg 3900 m  # src
                "latitude": "29.905000",
                "longitude": "100.470000",
                "altitude_m": 3900,
                "connectivity": "3g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S01-V05",
                "village_zh": "格扎村",
                "village_bo": "དགེ་བཀྲ་གྲོང་ཚོ།",
                "village_en": "Geza Village",  # 25 km SW of county seat, pastoral, ~4100 m  # src
                "latitude": "29.840000",
                "longitude": "100.110000",
                "altitude_m": 4100,
                "connectivity": "2g",
                "connectivity_stable": False,
            },
        ],
    },
    {  # 格聂镇: formed 2020 from 喇嘛垭乡 + 章纳乡; seat 29°49′52″N 99°49′15″E  # src
        "code": "LT-S02",
        "township_zh": "格聂镇",
        "township_bo": "དགེ་བསྙེན་གྲོང་རྡལ།",  # after Mount Genyen (dge bsnyen); not verified for the town
        "township_en": "Genie",
        "name_zh": "格聂镇电商服务站",
        "name_bo": "དགེ་བསྙེན་གྲོང་རྡལ་གྱི་གློག་རྡུལ་ཚོང་ལས་ཞབས་ཞུ་ས་ཚིགས།",
        "name_en": "Genie E-commerce Service Station",
        "latitude": "29.831111",  # src
        "longitude": "99.820833",  # src
        "altitude_m": 3860,
        "connectivity": "4g",
        "connectivity_stable": True,
        "villages": [
            {
                "code": "LT-S02-V01",
                "village_zh": "喇嘛垭村",
                "village_bo": "བླ་མ་ཡ་གྲོང་ཚོ།",
                "village_en": "Lamaya Village",
                "latitude": "29.838000",
                "longitude": "99.830000",
                "altitude_m": 3880,
                "connectivity": "4g",
                "connectivity_stable": True,
            },
            {
                "code": "LT-S02-V02",
                "village_zh": "然日卡村",
                "village_bo": "རན་རི་ཁ་གྲོང་ཚོ།",
                "village_en": "Ranrika Village",  # by the "Eye of Genyen" below Mt Genyen  # src
                "latitude": "29.812000",
                "longitude": "99.760000",
                "altitude_m": 4050,
                "connectivity": "3g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S02-V03",
                "village_zh": "章纳村",
                "village_bo": "བྲང་ན་གྲོང་ཚོ།",
                "village_en": "Zhangna Village",
                "latitude": "29.790000",
                "longitude": "99.880000",
                "altitude_m": 3750,
                "connectivity": "3g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S02-V04",
                "village_zh": "扎拉村",
                "village_bo": "བྲག་ལམ་གྲོང་ཚོ།",
                "village_en": "Zhala Village",  # 13 km SE, 3600 m, no road/power, mostly relocated  # src
                "latitude": "29.760000",
                "longitude": "99.905000",
                "altitude_m": 3600,
                "connectivity": "none",
                "connectivity_stable": False,
            },
        ],
    },
    {  # 哈依乡: far north of the county; 濯绒村 is 106 km from the seat  # src
        "code": "LT-S03",
        "township_zh": "哈依乡",
        "township_bo": "ཧ་ཡི་ཤང་",
        "township_en": "Hayi",
        "name_zh": "哈依乡电商服务站",
        "name_bo": "ཧ་ཡི་ཤང་གི་གློག་རྡུལ་ཚོང་ལས་ཞབས་ཞུ་ས་ཚིགས།",
        "name_en": "Hayi E-commerce Service Station",
        "latitude": "30.420000",
        "longitude": "100.520000",
        "altitude_m": 3400,
        "connectivity": "4g",
        "connectivity_stable": False,
        "villages": [
            {
                "code": "LT-S03-V01",
                "village_zh": "哈依村",
                "village_bo": "ཧ་ཡི་གྲོང་ཚོ།",
                "village_en": "Hayi Village",
                "latitude": "30.424000",
                "longitude": "100.516000",
                "altitude_m": 3400,
                "connectivity": "3g",
                "connectivity_stable": True,
            },
            {
                "code": "LT-S03-V02",
                "village_zh": "濯绒村",
                "village_bo": "གྲོ་རོང་གྲོང་ཚོ།",
                "village_en": "Zhuorong Village",  # 30 km NW of the township, ~3100 m  # src
                "latitude": "30.590000",
                "longitude": "100.330000",
                "altitude_m": 3100,
                "connectivity": "2g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S03-V03",
                "village_zh": "桑多村",
                "village_bo": "བཟང་མདོ་གྲོང་ཚོ།",
                "village_en": "Sangduo Village",
                "latitude": "30.470000",
                "longitude": "100.460000",
                "altitude_m": 3300,
                "connectivity": "3g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S03-V04",
                "village_zh": "呷依布里村",
                "village_bo": "ག་ཡི་བུ་ལི་གྲོང་ཚོ།",
                "village_en": "Gayibuli Village",
                "latitude": "30.520000",
                "longitude": "100.410000",
                "altitude_m": 3250,
                "connectivity": "none",
                "connectivity_stable": False,
            },
        ],
    },
    {  # 呷洼乡 (513334206): forested valley country; 门斗格村 at 2750 m  # src
        "code": "LT-S04",
        "township_zh": "呷洼乡",
        "township_bo": "ག་བ་ཤང་",
        "township_en": "Gawa",
        "name_zh": "呷洼乡电商服务站",
        "name_bo": "ག་བ་ཤང་གི་གློག་རྡུལ་ཚོང་ལས་ཞབས་ཞུ་ས་ཚིགས།",
        "name_en": "Gawa E-commerce Service Station",
        "latitude": "29.520000",
        "longitude": "100.600000",
        "altitude_m": 3300,
        "connectivity": "4g",
        "connectivity_stable": True,
        "villages": [
            {
                "code": "LT-S04-V01",
                "village_zh": "门斗格村",
                "village_bo": "སྨན་ལྡོག་དགེ་གྲོང་ཚོ།",
                "village_en": "Mendouge Village",  # 17 km from township, 2750 m  # src
                "latitude": "29.430000",
                "longitude": "100.650000",
                "altitude_m": 2750,
                "connectivity": "2g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S04-V02",
                "village_zh": "布日村",
                "village_bo": "བུ་རི་གྲོང་ཚོ།",
                "village_en": "Buri Village",
                "latitude": "29.480000",
                "longitude": "100.620000",
                "altitude_m": 3000,
                "connectivity": "3g",
                "connectivity_stable": False,
            },
            {
                "code": "LT-S04-V03",
                "village_zh": "日西新村",
                "village_bo": "རི་ཤར་གསར་གྲོང་ཚོ།",
                "village_en": "Rixixin Village",
                "latitude": "29.455000",
                "longitude": "100.640000",
                "altitude_m": 2900,
                "connectivity": "3g",
                "connectivity_stable": False,
            },
        ],
    },
    {  # 濯桑乡 (513334216): on the Litang-Daocheng (Yading) road  # src
        "code": "LT-S05",
        "township_zh": "濯桑乡",
        "township_bo": "གྲོ་བཟང་ཤང་",
        "township_en": "Zhuosang",
        "name_zh": "濯桑乡电商服务站",
        "name_bo": "གྲོ་བཟང་ཤང་གི་གློག་རྡུལ་ཚོང་ལས་ཞབས་ཞུ་ས་ཚིགས།",
        "name_en": "Zhuosang E-commerce Service Station",
        "latitude": "29.800000",
        "longitude": "100.180000",
        "altitude_m": 4000,
        "connectivity": "4g",
        "connectivity_stable": True,
        "villages": [
            # Only one village of this township could be confirmed; see module docstring.
            {
                "code": "LT-S05-V01",
                "village_zh": "汉戈村",
                "village_bo": "ཧན་སྒོ་གྲོང་ཚོ།",
                "village_en": "Hange Village",  # on the Yading tourist ring road  # src
                "latitude": "29.780000",
                "longitude": "100.170000",
                "altitude_m": 4000,
                "connectivity": "4g",
                "connectivity_stable": True,
            },
        ],
    },
]
