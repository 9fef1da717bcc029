"""The demo town's operations centre: who keeps duty and when, the response plans, the resources.

- **Duty.** The town's command centre keeps two shifts a day (the day and night shift templates of
  the duty desk). Four leaders on duty take turns — the demo's duty officer 陈志明 (login ``duty``)
  and three more, whose accounts have no usable password — and six duty officers, two on a day
  shift and one at night. The roster runs from a week before the seeding day to four weeks after
  it; ``duty`` leads the day shift of the seeding day (and every fourth day), so the demo's duty
  officer is the leader the desk sends decisions to. The week before has its handovers written,
  each acknowledged by the next shift, with a few open items of which some were closed later and
  some are still carried over.
- **Response plans** (预案): the town's flood, typhoon, fire, hazardous-chemicals, public-health
  and geological-hazard plans at the levels the town answers itself (II to IV; level I is the
  city's), each a list of tasks to the departments that act and to the affected villages'
  workstations, with deadlines in minutes.
- **Resources**: the rescue teams, vehicles and stores of the town and every shelter of the demo
  geography (by its place), located through the service users have.

Plans are reference data kept in the admin (no service writes them), so they are written
directly; the roster, the handovers and the resources go through the duty desk's and emergency
command's own services, with the seeding day as their time. Seeding again changes nothing once the
roster has its first entry, the plans and the resources exist.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.accounts.services import user_create
from cityops.demo import names
from cityops.demo.people import Progress, Tally, no_progress
from cityops.geo.models import Place, Village
from cityops.ops.choices.emergency import IncidentKind, Level, ResourceKind
from cityops.ops.duty.handover import handover_acknowledge, handover_write, item_close
from cityops.ops.duty.roster import Slot, roster_set
from cityops.ops.emergency.services import resource_upsert
from cityops.ops.models import HandoverItem, PlanTask, Resource, ResponsePlan, RosterEntry, ShiftTemplate
from cityops.org.models import Department

DUTY_LOGIN = "duty"
# (user name, name, phone): leaders on duty, after the demo's duty officer
LEADERS = [
    ("duty_liujh", "刘建华", "13802691001"),
    ("duty_wumin", "吴敏", "13802691002"),
    ("duty_zhenggd", "郑国栋", "13802691003"),
]
OFFICERS = [
    ("duty_zhaolei", "赵磊", "13802692001"),
    ("duty_sunli", "孙丽", "13802692002"),
    ("duty_zhoujie", "周杰", "13802692003"),
    ("duty_xujing", "徐静", "13802692004"),
    ("duty_majun", "马骏", "13802692005"),
    ("duty_huyan", "胡燕", "13802692006"),
]
DAYS_BEFORE, DAYS_AFTER = 7, 28

# What the week before left in its handovers, by (days before the seeding day, shift): the summary,
# the new open items, and earlier items closed then (by their text, with how they were settled).
# Every other shift that ended hands over a quiet shift.
HANDOVERS = {
    (7, "day"): ("白天平稳，受理 52 件；无预警。", [], {}),
    (6, "day"): ("午后雷阵雨，两处道路积水已由水务处置。", ["三号排水口堵塞待疏通"], {}),
    (5, "night"): ("夜间一起电动车充电冒烟，消防已处置。", ["电动车集中充电点需安全检查"], {}),
    (4, "day"): ("白天平稳。", [], {"三号排水口堵塞待疏通": "水务已疏通，现场复核正常。"}),
    (3, "day"): ("气象台发布暴雨蓝色预警，各村已转发。", ["关注河道水位，三号泵站待检修"], {}),
    (2, "day"): ("预警解除，河道水位回落。", [], {}),
    (1, "night"): ("夜间平稳；两路治安视频离线已报维修。", ["两路治安视频离线待修复"], {}),
}
QUIET = {"day": "白天平稳。", "night": "夜间平稳。"}

# (code, name, kind, level, [(task, department code or None for the affected villages, minutes)])
PLANS = [
    (
        "flood-4",
        "防汛Ⅳ级应急响应",
        IncidentKind.FLOOD,
        Level.IV,
        [
            ("值班人员加强值守，关注雨情水情", "D-YJGL", 30),
            ("巡查易涝点和下穿通道，设置警示", "D-SW", 60),
            ("受影响村（社区）排查低洼地带和危房", None, 120),
        ],
    ),
    (
        "flood-3",
        "防汛Ⅲ级应急响应",
        IncidentKind.FLOOD,
        Level.III,
        [
            ("启动防汛值班，带班领导到岗", "D-YJGL", 30),
            ("泵站全开，抽排易涝点积水", "D-SW", 60),
            ("封闭积水路段，疏导交通", "D-JTYS", 60),
            ("受影响村（社区）转移低洼地带和危房人员", None, 120),
            ("开放就近应急避难场所", "D-SHSW", 120),
        ],
    ),
    (
        "flood-2",
        "防汛Ⅱ级应急响应",
        IncidentKind.FLOOD,
        Level.II,
        [
            ("成立现场指挥部，镇领导坐镇指挥", "D-YJGL", 30),
            ("泵站全开，调派排涝车和抽水泵", "D-SW", 30),
            ("封闭危险路段和下穿通道", "D-GA", 45),
            ("受影响村（社区）全部转移危险区域人员", None, 90),
            ("开放应急避难场所，发放生活物资", "D-SHSW", 90),
            ("医疗救护队待命", "D-WSJK", 60),
        ],
    ),
    (
        "typhoon-4",
        "防台风Ⅳ级应急响应",
        IncidentKind.TYPHOON,
        Level.IV,
        [
            ("发布防台风提示，转发预警", "D-YJGL", 60),
            ("加固户外广告牌和临时构筑物", "D-CGZF", 240),
            ("受影响村（社区）检查危房和工棚", None, 240),
        ],
    ),
    (
        "typhoon-3",
        "防台风Ⅲ级应急响应",
        IncidentKind.TYPHOON,
        Level.III,
        [
            ("启动防风值班，带班领导到岗", "D-YJGL", 30),
            ("停止高空和户外作业", "D-AQSC", 120),
            ("加固或拆除户外广告牌", "D-CGZF", 180),
            ("受影响村（社区）转移危房和工棚人员", None, 180),
            ("开放应急避难场所", "D-SHSW", 180),
        ],
    ),
    (
        "typhoon-2",
        "防台风Ⅱ级应急响应",
        IncidentKind.TYPHOON,
        Level.II,
        [
            ("成立现场指挥部", "D-YJGL", 30),
            ("全镇停工停课，组织人员撤离", "D-JY", 120),
            ("受影响村（社区）全部转移危险区域人员", None, 120),
            ("开放全部应急避难场所并保障物资", "D-SHSW", 120),
            ("抢修队伍和车辆待命", "D-ZJ", 60),
        ],
    ),
    (
        "fire-4",
        "火灾Ⅳ级应急响应",
        IncidentKind.FIRE,
        Level.IV,
        [
            ("消防救援出动", "D-XFJY", 5),
            ("现场警戒和交通疏导", "D-GA", 15),
            ("受影响村（社区）疏散周边群众", None, 30),
        ],
    ),
    (
        "fire-3",
        "火灾Ⅲ级应急响应",
        IncidentKind.FIRE,
        Level.III,
        [
            ("消防救援全员出动，请求增援", "D-XFJY", 5),
            ("现场警戒和交通管制", "D-GA", 15),
            ("医疗救护队到场", "D-WSJK", 20),
            ("受影响村（社区）疏散周边群众", None, 30),
            ("调查起火原因和安全隐患", "D-AQSC", 1440),
        ],
    ),
    (
        "hazmat-3",
        "危险化学品事故Ⅲ级应急响应",
        IncidentKind.HAZMAT,
        Level.III,
        [
            ("消防救援处置泄漏", "D-XFJY", 10),
            ("监测周边大气和水体", "D-STHJ", 60),
            ("划定警戒区并管制交通", "D-GA", 20),
            ("受影响村（社区）疏散下风向群众", None, 45),
            ("企业停产整改核查", "D-AQSC", 1440),
        ],
    ),
    (
        "health-4",
        "突发公共卫生事件Ⅳ级应急响应",
        IncidentKind.PUBLIC_HEALTH,
        Level.IV,
        [
            ("流行病学调查", "D-WSJK", 240),
            ("受影响村（社区）排查密切接触者", None, 480),
            ("涉事食品和场所检查", "D-SCJG", 480),
        ],
    ),
    (
        "geo-4",
        "地质灾害Ⅳ级应急响应",
        IncidentKind.GEOLOGICAL,
        Level.IV,
        [
            ("现场查看隐患点并设置警示", "D-ZRZY", 60),
            ("受影响村（社区）转移隐患点周边人员", None, 120),
            ("组织专业监测", "D-ZRZY", 480),
        ],
    ),
]

# (code, name, kind, capacity, unit, village index in code order, address)
RESOURCES = [
    ("RES-TEAM-01", "大岭山镇专职消防队", ResourceKind.TEAM, 24, "人", 0, "大岭山镇消防站"),
    ("RES-TEAM-02", "镇应急救援队", ResourceKind.TEAM, 40, "人", 1, "镇应急管理分局"),
    ("RES-TEAM-03", "民兵应急分队", ResourceKind.TEAM, 60, "人", 2, "镇武装部"),
    ("RES-TEAM-04", "水务抢险队", ResourceKind.TEAM, 20, "人", 5, "水务工程运行中心"),
    ("RES-TEAM-05", "医疗救护队", ResourceKind.TEAM, 12, "人", 3, "镇社区卫生服务中心"),
    ("RES-VEH-01", "水罐消防车", ResourceKind.VEHICLE, 2, "辆", 0, "大岭山镇消防站"),
    ("RES-VEH-02", "排涝抢险车（3000 m³/h）", ResourceKind.VEHICLE, 2, "辆", 5, "水务工程运行中心"),
    ("RES-VEH-03", "移动抽水泵", ResourceKind.VEHICLE, 6, "台", 6, "三号泵站"),
    ("RES-VEH-04", "救护车", ResourceKind.VEHICLE, 3, "辆", 3, "镇社区卫生服务中心"),
    ("RES-SUP-01", "防汛物资仓库（沙袋）", ResourceKind.SUPPLIES, 8000, "袋", 1, "镇应急物资储备库"),
    ("RES-SUP-02", "防汛物资仓库（救生衣）", ResourceKind.SUPPLIES, 400, "件", 1, "镇应急物资储备库"),
    (
        "RES-SUP-03",
        "生活物资储备（棉被、饮用水）",
        ResourceKind.SUPPLIES,
        2000,
        "人份",
        4,
        "镇民政物资储备点",
    ),
]
SHELTER_CAPACITY = {"town": 3000, "village": 600}


def _person(username: str, name: str, phone: str) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    return user_create(username=username, role=Role.DUTY_OFFICER, display_name=name, phone=phone), True


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_default_timezone())


def _roster(tally: Tally, admin: User) -> list[RosterEntry]:
    leaders = [User.objects.get(username=DUTY_LOGIN)]
    for spec in LEADERS:
        user, created = _person(*spec)
        leaders.append(user)
        tally.created += created
    officers = []
    for spec in OFFICERS:
        user, created = _person(*spec)
        officers.append(user)
        tally.created += created
    shifts = {t.code: t for t in ShiftTemplate.objects.filter(code__in=["day", "night"])}
    today = timezone.localdate()
    planned = _at(today - timedelta(days=DAYS_BEFORE + 1), 9)  # the roster was made the week before
    entries = []
    for n in range(-DAYS_BEFORE, DAYS_AFTER + 1):
        day = today + timedelta(days=n)
        day_slot = Slot(leaders[n % 4], [officers[(2 * n) % 6], officers[(2 * n + 1) % 6]])
        night_slot = Slot(leaders[(n + 2) % 4], [officers[(n + 3) % 6]])
        for code, slot in (("day", day_slot), ("night", night_slot)):
            entries.append(roster_set(day=day, template=shifts[code], slot=slot, by=admin, now=planned))
            tally.created += 1
    return entries


def _handovers(tally: Tally, entries: list[RosterEntry]) -> None:
    """The handovers of the shifts that ended, each acknowledged by the next shift's leader."""
    now, today = timezone.now(), timezone.localdate()
    ended = [e for e in entries if e.ends_at <= now]  # a prefix: the entries run in time order
    for n, entry in enumerate(ended):
        default = (QUIET[entry.template.code], [], {})
        summary, items, closing = HANDOVERS.get(((today - entry.date).days, entry.template.code), default)
        handover = handover_write(
            entry=entry, summary=summary, items=items, by=entry.leader, now=entry.ends_at
        )
        tally.created += 1
        for text, note in closing.items():
            for item in HandoverItem.objects.filter(text=text, closed_at__isnull=True):
                item_close(item=item, note=note, by=entry.leader, now=entry.ends_at)
        following = entries[n + 1] if n + 1 < len(entries) else None
        if following is not None:
            at = min(following.starts_at + timedelta(minutes=5), now)
            handover_acknowledge(handover=handover, by=following.leader, now=at)


def duty_seed(progress: Progress = no_progress) -> Tally:
    """The duty roster from a week ago to four weeks ahead, and the week's handovers."""
    if RosterEntry.objects.exists():
        return Tally(unchanged=RosterEntry.objects.count())
    tally = Tally()
    admin = User.objects.get(username="admin")
    with transaction.atomic():
        entries = _roster(tally, admin)
        _handovers(tally, entries)
    return tally


def plans_seed(progress: Progress = no_progress) -> Tally:
    """The response plans with their tasks (reference data, as the admin keeps it)."""
    tally = Tally()
    departments = {d.code: d for d in Department.objects.all()}
    with transaction.atomic():
        for code, name, kind, level, tasks in PLANS:
            if ResponsePlan.objects.filter(code=code).exists():
                tally.unchanged += 1
                continue
            plan = ResponsePlan.objects.create(code=code, name=name, kind=kind, level=level)
            for order, (title, department, minutes) in enumerate(tasks, 1):
                PlanTask.objects.create(
                    plan=plan,
                    order=order,
                    title=title,
                    department=departments[department] if department else None,
                    to_affected_villages=department is None,
                    deadline_minutes=minutes,
                )
            tally.created += 1
    return tally


def resources_seed(progress: Progress = no_progress) -> Tally:
    """The town's rescue teams, vehicles and stores, and every shelter of the geography."""
    existing = set(Resource.objects.values_list("code", flat=True))
    tally = Tally(unchanged=len(existing))
    admin = User.objects.get(username="admin")
    villages = list(Village.objects.order_by("code"))
    with transaction.atomic():
        for code, name, kind, capacity, unit, village, address in RESOURCES:
            if code in existing:
                continue
            v = villages[village % len(villages)]
            resource_upsert(
                by=admin,
                code=code,
                name=name,
                kind=kind,
                capacity=capacity,
                capacity_unit=unit,
                lon=v.centroid_lon,
                lat=v.centroid_lat,
                address=address,
            )
            tally.created += 1
        for place in Place.objects.filter(kind="shelter").order_by("code"):
            code = f"RES-{place.code}"
            if code in existing:
                continue
            town_level = place.name in names.TOWN_SHELTERS
            resource_upsert(
                by=admin,
                code=code,
                name=place.name,
                kind=ResourceKind.SHELTER,
                capacity=SHELTER_CAPACITY["town" if town_level else "village"],
                capacity_unit="人",
                lon=place.lon,
                lat=place.lat,
                address=place.address,
                place=place,
            )
            tally.created += 1
    return tally
