"""The demo town's network security: the register of its information systems (cityops first), the
terminals of its departments as the endpoint agent's console exports them, and a few incidents.

- **Register**: twelve systems of the town, each through ``system_create`` and, where assessed,
  ``assessment_record`` — with dates chosen relative to the seeding day so that the register shows
  every state: cityops due within the warning window, the video network overdue, the others current,
  level 1–2 systems with the owner's own dates, one retired.
- **Terminals**: 320 office computers of the departments, written as a CSV and loaded through the
  import a security officer uses; about one in eight is offline or unprotected.
- **Incidents**, through the response's services and relative to the seeding moment: a closed
  ordinary scan of last month, a major defacement of the portal being contained (its first report
  made in time), an ordinary password attack whose first report is running out, and a closed drill
  of ransomware, which the figures leave out.

Seeding again changes nothing once the register has cityops in it.
"""

import csv
import io
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cityops.accounts.models import User
from cityops.demo import names
from cityops.demo.people import Progress, Tally, no_progress
from cityops.security.incidents import services as incidents
from cityops.security.models import InfoSystem, Terminal
from cityops.security.register import services as register
from cityops.security.register.services import ContactIn, SystemIn
from cityops.security.register.terminals import COLUMNS, terminals_import

SECURITY_LOGIN = "security"
SEED = 20986
TERMINALS = 320
INFO = "D-GXB"  # 工业和信息化办公室 keeps the town's platforms

# code, name, owner, level, exposure, personal data (what), filing, assessed (days before), result,
# next due set by the owner (days after the seeding day, levels 1–2), status
SYSTEMS = [
    (
        "SYS-CITYOPS",
        "城市运营中心平台（cityops）",
        INFO,
        3,
        "extranet",
        "居民姓名、电话、上报位置；工作人员账号",
        "44190099001-24001",
        345,
        "good",
        None,
        "in_service",
    ),
    (
        "SYS-DATA",
        "数据智脑（数据共享交换平台）",
        INFO,
        3,
        "extranet",
        "24 个数据资源中的居民与企业信息",
        "44190099001-24002",
        120,
        "good",
        None,
        "in_service",
    ),
    (
        "SYS-VIDEO",
        "视频监控联网平台（科技护城墙）",
        "D-GA",
        3,
        "extranet",
        "公共区域视频图像",
        "44190099001-23015",
        390,
        "fair",
        None,
        "in_service",
    ),
    (
        "SYS-EMERG",
        "应急指挥调度系统",
        "D-YJGL",
        3,
        "extranet",
        "",
        "44190099001-24006",
        200,
        "excellent",
        None,
        "in_service",
    ),
    (
        "SYS-YWTB",
        "政务服务一网通办平台",
        "D-SHSW",
        3,
        "internet",
        "申请人身份证号、联系方式、申请材料",
        "44190099001-23011",
        60,
        "good",
        None,
        "in_service",
    ),
    (
        "SYS-PORTAL",
        "镇政府门户网站",
        INFO,
        2,
        "internet",
        "",
        "44190099001-22007",
        420,
        "good",
        300,
        "in_service",
    ),
    (
        "SYS-12345",
        "12345 热线工单对接系统",
        "D-XFWW",
        2,
        "extranet",
        "来电人姓名、电话、诉求",
        "44190099001-22010",
        500,
        "good",
        230,
        "in_service",
    ),
    (
        "SYS-KITCHEN",
        "明厨亮灶监管平台",
        "D-SCJG",
        2,
        "extranet",
        "",
        "44190099001-23004",
        280,
        "good",
        450,
        "in_service",
    ),
    (
        "SYS-IOT",
        "物联网感知平台",
        "D-YJGL",
        2,
        "intranet",
        "",
        "44190099001-24009",
        90,
        "excellent",
        640,
        "in_service",
    ),
    (
        "SYS-OA",
        "协同办公系统",
        INFO,
        2,
        "intranet",
        "工作人员姓名、电话",
        "44190099001-21003",
        610,
        "fair",
        20,
        "in_service",
    ),
    (
        "SYS-FIN",
        "财政核算系统",
        "D-CZ",
        2,
        "intranet",
        "",
        "44190099001-21005",
        330,
        "good",
        400,
        "in_service",
    ),
    (
        "SYS-GRID-OLD",
        "旧版网格化管理系统",
        "D-ZZB",
        2,
        "intranet",
        "居民姓名、电话",
        "44190099001-18002",
        None,
        "",
        None,
        "retired",
    ),
]
CONTACTS = {
    INFO: ("黄振华", "13902690101"),
    "D-GA": ("刘警官", "13902690102"),
    "D-YJGL": ("钟伟明", "13902690103"),
    "D-SHSW": ("梁淑贞", "13902690104"),
    "D-XFWW": ("麦国强", "13902690105"),
    "D-SCJG": ("冯嘉欣", "13902690106"),
    "D-CZ": ("邓丽芳", "13902690107"),
    "D-ZZB": ("袁志坚", "13902690108"),
}
VENDORS = ["广州某信息技术有限公司 运维 400-820-0001", "东莞某科技股份有限公司 运维 400-820-0002"]
OS = ["Windows 10", "Windows 10", "Windows 11", "统信UOS 20", "银河麒麟 V10"]


def _system(row, by) -> InfoSystem:
    code, name, owner, level, exposure, data, filing, assessed, result, due_days, status = row
    today = timezone.localdate()
    person, phone = CONTACTS[owner]
    contacts = [
        ContactIn("responsible", person, phone, f"{code.lower()}@dls.example.gov.cn"),
        ContactIn("security", "苏志远", "13902690100"),
        ContactIn(
            "vendor", VENDORS[len(code) % 2].rsplit(" ", 1)[0], VENDORS[len(code) % 2].rsplit(" ", 1)[1]
        ),
    ]
    system = register.system_create(
        by=by,
        data=SystemIn(
            code=code,
            name=name,
            owner=owner,
            level=level,
            exposure=exposure,
            filing_number=filing,
            status=status,
            personal_data=bool(data),
            data_note=data,
            contacts=contacts,
            next_due_on=today + timedelta(days=due_days)
            if due_days is not None and assessed is None
            else None,
        ),
    )
    if assessed is not None:
        system = register.assessment_record(
            by=by,
            code=code,
            assessed_on=today - timedelta(days=assessed),
            result=result,
            assessor="广东省网络安全等级保护测评中心（示例）",
            next_due_on=today + timedelta(days=due_days) if due_days is not None else None,
            version=system.version,
        )
    return system


def _terminals_csv(rng: random.Random) -> bytes:
    now = timezone.localtime()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title for c in COLUMNS])
    departments = names.DEPARTMENTS
    for n in range(1, TERMINALS + 1):
        code, _name, short, *_ = departments[n % len(departments)]
        roll = rng.random()
        status = (
            "正常" if roll < 0.93 else "病毒库过期" if roll < 0.96 else "已停用" if roll < 0.98 else "未安装"
        )
        if status == "未安装":
            heartbeat = ""
        elif rng.random() < 0.05:
            heartbeat = (now - timedelta(days=rng.randint(8, 60), minutes=rng.randint(0, 600))).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
        else:
            heartbeat = (now - timedelta(minutes=rng.randint(1, 1200))).strftime("%Y-%m-%d %H:%M:%S")
        dept_no = departments.index(departments[n % len(departments)]) + 1
        keeper = rng.choice(names.SURNAMES) + "".join(
            rng.choice(names.GIVEN_CHARS) for _ in range(rng.randint(1, 2))
        )
        writer.writerow(
            [
                f"DLS-PC-{n:04d}",
                f"{code[2:]}-PC-{n:03d}",
                f"10.19.{dept_no}.{10 + n % 200}",
                "-".join(f"{rng.randrange(256):02X}" for _ in range(6)),
                code,
                keeper,
                rng.choice(OS),
                status,
                "" if status == "未安装" else rng.choice(["6.2.1", "6.2.1", "6.1.8"]),
                heartbeat,
            ]
        )
    return out.getvalue().encode("utf-8")


def _walk(by, incident, steps: list[tuple[str, int, str, str]]) -> None:
    """Record ``steps`` (step, minutes after discovery, owner, note) done, in order."""
    for step, minutes, owner, note in steps:
        incident.refresh_from_db()
        incidents.step_done(
            by=by,
            number=incident.number,
            step=step,
            done_at=incident.discovered_at + timedelta(minutes=minutes),
            owner=owner,
            note=note,
            version=incident.version,
        )


def _incidents(by) -> int:
    now = timezone.now()
    scan = incidents.incident_register(
        by=by,
        title="门户网站遭境外地址持续端口扫描",
        category="attack",
        subcategory="scanning",
        grade="ordinary",
        discovered_at=now - timedelta(days=33, hours=3),
        detected_by="态势感知平台告警（黄振华）",
        systems=["SYS-PORTAL"],
        description="防火墙日志显示同一境外地址段连续两小时扫描门户网站服务器全部端口。",
    )
    _walk(
        by,
        scan,
        [
            ("report", 180, "苏志远（安全管理员）", "已报镇网信办。"),
            ("contain", 200, "黄振华（工信办）", "防火墙封禁该地址段。"),
            ("eradicate", 600, "广州某信息技术有限公司 运维", "关闭两个不必要的对外端口。"),
            ("recover", 660, "黄振华（工信办）", "服务正常，无入侵痕迹。"),
            (
                "review",
                3000,
                "苏志远（安全管理员）",
                "扫描未造成损害；已关闭多余端口，并把门户纳入每周漏洞扫描。",
            ),
        ],
    )
    defaced = incidents.incident_register(
        by=by,
        title="镇政府门户网站首页被篡改",
        category="attack",
        subcategory="defacement",
        grade="major",
        discovered_at=now - timedelta(hours=2, minutes=40),
        detected_by="网页防篡改系统告警（黄振华）",
        systems=["SYS-PORTAL"],
        description="首页轮播图被替换为非法内容，持续约 25 分钟；防篡改系统已自动恢复页面。",
    )
    _walk(
        by,
        defaced,
        [("report", 55, "苏志远（安全管理员）", "已向省网信办报告（首报），续报待原因查明后提交。")],
    )
    defaced.refresh_from_db()
    incidents.step_owner(
        by=by, number=defaced.number, step="contain", owner="黄振华（工信办）", version=defaced.version
    )
    incidents.incident_note(
        by=by, number=defaced.number, text="已保全 Web 日志与被篡改文件，交公安分局网警大队。"
    )
    brute = incidents.incident_register(
        by=by,
        title="协同办公系统账号遭口令暴力破解",
        category="attack",
        subcategory="credential",
        grade="ordinary",
        discovered_at=now - timedelta(hours=20),
        detected_by="协同办公系统登录告警",
        systems=["SYS-OA"],
        description="同一内网地址一小时内尝试登录 1,200 余次，涉及 37 个账号，其中 2 个账号登录成功。",
    )
    brute.refresh_from_db()
    incidents.step_owner(
        by=by, number=brute.number, step="report", owner="苏志远（安全管理员）", version=brute.version
    )
    drill = incidents.incident_register(
        by=by,
        title="勒索病毒感染财政核算终端（演练）",
        category="malware",
        subcategory="ransomware",
        grade="grave",
        discovered_at=now - timedelta(days=12, hours=5),
        detected_by="演练导调组",
        drill=True,
        systems=["SYS-FIN"],
        description="年度网络安全应急演练：假定财政核算系统两台终端被勒索病毒加密。",
    )
    _walk(
        by,
        drill,
        [
            ("report", 40, "苏志远（安全管理员）", "演练：首报在 40 分钟内完成。"),
            ("contain", 55, "邓丽芳（财政分局）", "演练：断开受感染终端网络。"),
            ("eradicate", 150, "东莞某科技股份有限公司 运维", "演练：重装系统，查杀同网段终端。"),
            ("recover", 240, "邓丽芳（财政分局）", "演练：从离线备份恢复账套，核对无误。"),
            ("review", 1500, "苏志远（安全管理员）", "演练总结：离线备份可用；终端补丁不齐，需一月内补齐。"),
        ],
    )
    return 4


def security_seed(progress: Progress = no_progress) -> Tally:
    """The register, the terminals and the incidents, once."""
    if InfoSystem.objects.filter(code="SYS-CITYOPS").exists():
        return Tally(unchanged=InfoSystem.objects.count() + Terminal.objects.count())
    by = User.objects.get(username=SECURITY_LOGIN)
    tally = Tally()
    with transaction.atomic():
        for row in progress(SYSTEMS, desc="information systems", unit="system"):
            _system(row, by)
            tally.created += 1
        result = terminals_import(
            data=_terminals_csv(random.Random(SEED)), filename="终端防护导出.csv", by=by
        )
        tally.created += result.created
        tally.created += _incidents(by)
    return tally
