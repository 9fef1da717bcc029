"""The demo town's names: areas, villages, places, departments and people.

Village names follow Dalingshan (大岭山镇, Dongguan); the figures they must add up to are in
PRODUCT.md ("1+6+23", 125 grids, 446 inspectors, 50 schools with 51 canteens, 19 + 28 departments).
"""

TOWN_CODE = "441900-DLS"
TOWN_NAME = "大岭山镇"
CITY_PREFIX = "东莞市大岭山镇"

# (area name, compass bearing of its seed in degrees from east, villages as (name, is_community));
# the centre area has no bearing.
AREAS: list[tuple[str, float | None, list[tuple[str, bool]]]] = [
    ("中心片区", None, [("大岭山社区", True), ("教育路社区", True), ("湖畔社区", True), ("大塘朗村", False)]),
    ("北部片区", 95.0, [("鸡翅岭村", False), ("百花洞村", False), ("马蹄岗村", False), ("旧飞鹅村", False)]),
    ("东部片区", 20.0, [("大沙村", False), ("新塘村", False), ("连平村", False), ("大环村", False)]),
    ("东南片区", -55.0, [("莲峰村", False), ("水朗村", False), ("元岭村", False), ("梅林村", False)]),
    ("西南片区", -125.0, [("石大村", False), ("金桔村", False), ("矮岭冚村", False), ("杨屋村", False)]),
    ("西部片区", 165.0, [("颜屋村", False), ("太公岭村", False), ("大片美村", False)]),
]

# Town-wide schools stand in the town-centre community; the first has two canteens.
TOWN_SCHOOLS = [
    "大岭山中学",
    "大岭山实验中学",
    "大岭山中心小学",
    "大岭山实验小学",
    "大岭山中心幼儿园",
    "大岭山职业技术学校",
]
# Children of these communities go to the town-centre primary schools.
NO_PRIMARY_SCHOOL = {"大岭山社区", "教育路社区"}
TWO_CANTEENS = "大岭山中学"

TOWN_SERVICE_CENTRE = "大岭山镇政务服务中心"
LIBRARY = "大岭山镇图书馆"
TOWN_SHELTERS = ["大岭山森林公园应急避难场所", "大岭山体育馆应急避难场所"]
SHELTER_SITES = ["文化广场", "公园", "体育公园", "文体中心", "小学操场"]
VILLAGE_SHELTERS = 10
TOWN_MARKET = "大岭山农贸市场"
VILLAGE_MARKETS = 3
DORMITORIES = 5

# (code, name, short name, in the grid, gives government services)
DEPARTMENTS: list[tuple[str, str, str, bool, bool]] = [
    ("D-CGZF", "城市管理和综合执法局", "城管", True, True),
    ("D-XFJY", "消防救援大队", "消防", True, False),
    ("D-XFWW", "信访维稳办公室", "信访维稳", True, False),
    ("D-STHJ", "生态环境分局", "环保", True, True),
    ("D-YJGL", "应急管理分局", "应急", True, True),
    ("D-SCJG", "市场监督管理分局", "市场监管", True, True),
    ("D-ZJ", "住房和城乡建设局", "住建", True, True),
    ("D-JTYS", "交通运输分局", "交通", True, True),
    ("D-SW", "水务工程运行中心", "水务", True, False),
    ("D-NL", "农林水务办公室", "农林", True, False),
    ("D-GA", "公安分局", "公安", True, True),
    ("D-WSJK", "卫生健康局", "卫健", True, True),
    ("D-JY", "教育管理中心", "教育", True, False),
    ("D-AQSC", "安全生产监督管理办公室", "安监", True, False),
    ("D-RLZY", "人力资源和社会保障分局", "人社", True, True),
    ("D-SHSW", "社会事务局", "民政", True, True),
    ("D-ZRZY", "自然资源分局", "自然资源", True, True),
    ("D-WGLT", "文化广电旅游体育局", "文广旅体", True, True),
    ("D-ZZB", "社会治安综合治理办公室", "综治", True, False),
    ("D-SWJ", "税务分局", "税务", False, True),
    ("D-YB", "医疗保障分局", "医保", False, True),
    ("D-GJJ", "住房公积金管理中心", "公积金", False, True),
    ("D-BDC", "不动产登记中心", "不动产", False, True),
    ("D-TYJR", "退役军人服务站", "退役军人", False, True),
    ("D-CL", "残疾人联合会", "残联", False, True),
    ("D-SF", "司法所", "司法", False, True),
    ("D-CZ", "财政分局", "财政", False, True),
    ("D-TJ", "统计办公室", "统计", False, True),
    ("D-JJFZ", "经济发展局", "经发", False, True),
    ("D-TZCJ", "投资促进局", "投促", False, True),
    ("D-GXB", "工业和信息化办公室", "工信", False, True),
    ("D-SWB", "商务办公室", "商务", False, True),
    ("D-DAG", "档案馆", "档案", False, True),
    ("D-ZGH", "总工会", "工会", False, True),
    ("D-FL", "妇女联合会", "妇联", False, True),
]
URBAN_MANAGEMENT = "D-CGZF"

# Common surnames of the Pearl River Delta, most frequent first (weights roughly follow frequency).
SURNAMES = "陈李黄张梁刘林何王罗叶钟杨吴郑莫蔡邓袁谢卢冯曾彭周麦朱徐苏胡郭方温赖邱廖古黎伍潘许江欧翟宋"
GIVEN_CHARS = (
    "伟强明华军建国志勇俊杰文斌海涛鹏辉亮敏静丽芳燕玲霞婷娟红梅秀英慧颖晓雪琳佳欣怡"
    "嘉铭锦荣耀坚浩宇子晴美凤桂兰少波永康家豪展鸿健锐锋泽"
)
# Mainland mobile number prefixes (China Mobile, Unicom, Telecom).
MOBILE_PREFIXES = [
    str(n)
    for n in (*range(130, 140), *range(150, 154), *range(155, 160), 177, 180, 182, 183, *range(185, 190))
]

DEPARTMENT_PHONE_PREFIX = "0769-8555"
