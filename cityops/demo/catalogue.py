"""The demo town's patrol item catalogue: 893 items of the 19 in-grid departments.

Categories follow GB/T 30428.2 and CJ/T 214: components (部件) in six big categories, events
(事件) in big categories by field. Each small category is split into finer items (细类) by place
or by problem (消防通道堵塞（出租屋）, 上水井盖（缺失）). Time limits follow real catalogues
(暴露垃圾 1 working day, 道路不洁 5 working hours, 违法搭建 15 working days, 施工占道 4 working
hours). Every department gets its share by taking its small categories' variants in turn, so
every small category keeps at least its first item. Nothing is random: the same tables give the
same file, and the file is imported through ``catalogue_import`` like any user's.
"""

from dataclasses import dataclass

from cityops.cases.catalogue import catalogue_file, catalogue_import
from cityops.demo.people import ACTOR, Progress, Tally, no_progress

ITEMS = 893
# Items per department (code without "D-"): urban management has the most, then fire safety,
# market supervision, ecological environment and safety production; the others fewer.
QUOTAS = {
    "CGZF": 186, "XFJY": 82, "SCJG": 74, "STHJ": 72, "AQSC": 64, "ZJ": 52, "JTYS": 44, "SW": 40,
    "YJGL": 38, "GA": 36, "NL": 30, "WSJK": 28, "ZRZY": 26, "SHSW": 22, "WGLT": 22, "JY": 20,
    "ZZB": 20, "XFWW": 19, "RLZY": 18,
}  # fmt: skip

BIG = """
BJ01 公用设施类
BJ02 道路交通类
BJ03 市容环境类
BJ04 园林绿化类
BJ05 房屋土地类
BJ06 其他设施类
SJ01 市容环境
SJ02 宣传广告
SJ03 施工管理
SJ04 街面秩序
SJ05 突发事件
SJ06 消防安全
SJ07 安全生产
SJ08 生态环境
SJ09 食品药品
SJ10 矛盾纠纷
SJ11 市场秩序
SJ12 交通运输
SJ13 水务水利
SJ14 农林牧渔
SJ15 社会治安
SJ16 卫生健康
SJ17 教育管理
SJ18 劳动保障
SJ19 民政服务
SJ20 国土资源
SJ21 文化旅游
SJ22 住房建设
"""

# Named variant lists; "!" marks an urgent variant, "*" one the inspector may dispose of on the
# spot. A line may also list its own as a/b/c.
VARIANTS = {
    "井盖": "破损 缺失! 移位* 松动异响 沉降凹陷",
    "箅子": "破损 缺失 堵塞* 移位*",
    "灯": "不亮 破损 倾斜 线路裸露 灯杆锈蚀",
    "设施": "破损 缺失 倾斜 污损*",
    "标牌": "破损 缺失 倾斜 污损* 遮挡*",
    "护栏": "破损 缺失 倾斜 锈蚀",
    "树": "倒伏! 枯死 缺株 病虫害 遮挡",
    "绿地": "破坏 缺损 黄土裸露 杂物*",
    "建筑": "破损 脱落 倾斜 污损",
    "街面": "主次干道 背街小巷 城中村 农贸市场周边 学校周边 工业区",
    "小区": "住宅小区 城中村 商业街区 工业区",
    "商户": "沿街商铺 餐饮店 农贸市场 商业综合体",
    "道路": "主干道 次干道 背街小巷 桥梁隧道",
    "工地": "房建工地 市政工地 拆除工地 装修工地",
    "消防": "出租屋 三小场所 商铺 工厂企业 住宅小区 仓库 人员密集场所 城中村",
    "企业": "工业企业 小作坊 仓储物流 建筑工地 危化品企业",
    "环境": "工业区 居民区 餐饮集中区 建筑工地 河涌沿岸 垃圾中转站",
    "水体": "河涌 水库 山塘 排渠",
    "食品": "餐饮店 食品小作坊 农贸市场 学校食堂 超市 流动摊贩",
    "餐饮": "餐饮店 学校食堂 单位食堂 食街",
    "山林": "林地 山塘周边 景区 坟地",
    "学校": "中小学 幼儿园 校外培训机构",
}

# code name department limit flags variants [| filing condition | closing condition (events)]
# flags: U urgent, S may be disposed on the spot, R residents may report (components),
# N residents may not report (events), - none.
SMALL = """
BJ0101 上水井盖 SW 3d R 井盖
BJ0102 污水井盖 SW 3d R 井盖
BJ0103 雨水井盖 SW 3d R 井盖
BJ0104 雨水箅子 SW 2d R 箅子
BJ0105 电力井盖 ZJ 3d R 井盖
BJ0106 通讯井盖 ZJ 3d R 井盖
BJ0107 燃气井盖 ZJ 1d R 井盖
BJ0108 路灯井盖 CGZF 3d R 井盖
BJ0109 消火栓 XFJY 2d R 损坏/缺失!/漏水/无水/被圈占
BJ0110 路灯 CGZF 2d R 灯
BJ0111 景观灯 CGZF 3d - 灯
BJ0112 配电箱 ZJ 2d R 箱门破损/箱体缺失/线路裸露/锈蚀
BJ0113 公共厕所 CGZF 1d R 破损/脏污/设施损坏/停用
BJ0201 交通标志牌 JTYS 3d R 标牌
BJ0202 交通信号灯 GA 4h R 不亮!/故障/倾斜/遮挡
BJ0203 交通护栏 JTYS 3d R 护栏
BJ0204 公交站亭 JTYS 3d R 设施
BJ0205 过街天桥 JTYS 5d R 设施
BJ0206 路名牌 SHSW 5d R 标牌
BJ0207 门牌 SHSW 5d R 设施
BJ0208 隔离墩 JTYS 3d - 设施
BJ0209 减速带 JTYS 3d - 设施
BJ0210 电子警察 GA 5d - 故障/破损/倾斜/遮挡
BJ0211 道路标线 JTYS 5d - 模糊/缺失/错误
BJ0212 人行道 CGZF 5d R 破损/塌陷/积水/凹凸不平
BJ0213 盲道 CGZF 5d R 破损/被占/中断
BJ0301 垃圾箱 CGZF 1d R 破损/缺失/满溢*/污损*
BJ0302 垃圾收集点 CGZF 1d R 破损/满溢*/脏污*/异味
BJ0303 垃圾转运站 CGZF 2d - 设施损坏/污水外溢/异味扰民
BJ0304 户外广告牌 CGZF 3d R 破损/倾斜/脱落/污损*
BJ0305 宣传栏 CGZF 3d - 设施
BJ0306 公共座椅 CGZF 5d R 设施
BJ0401 行道树 CGZF 3d R 树
BJ0402 古树名木 NL 2d R 枯枝/病虫害/损伤/倾斜
BJ0403 绿地 CGZF 3d R 绿地
BJ0404 护树设施 CGZF 5d - 设施
BJ0405 花坛花箱 CGZF 5d - 设施
BJ0406 绿化带 CGZF 3d R 绿地
BJ0501 人防设施 ZJ 5d - 设施
BJ0502 公共建筑外立面 ZJ 5d R 建筑
BJ0503 治安岗亭 GA 5d - 设施
BJ0504 围墙 ZJ 5d R 建筑
BJ0505 测绘标志 ZRZY 10d - 设施
BJ0601 河道护栏 SW 3d R 护栏
BJ0602 堤防 SW 5d - 裂缝/渗漏/塌陷/杂物*
BJ0603 排涝泵站 SW 2d - 设备故障/进水口堵塞/围栏破损
BJ0604 健身设施 WGLT 5d R 设施
BJ0605 公共阅报栏 WGLT 5d - 设施
BJ0606 应急避难场所标志 YJGL 5d - 标牌
BJ0607 防溺水警示牌 YJGL 3d R 标牌
BJ0608 视频监控 ZZB 3d - 故障/破损/倾斜/遮挡
SJ0101 暴露垃圾 CGZF 1d S 街面 | 垃圾暴露堆放面积超过0.5平方米，或收集容器外散落垃圾 | 垃圾清除干净，无残留、无污迹
SJ0102 积存垃圾渣土 CGZF 2d - 街面 | 垃圾、渣土积存超过1立方米或超过24小时未清运 | 积存垃圾渣土清运完毕，地面干净
SJ0103 道路不洁 CGZF 5h S 道路 | 路面有明显垃圾、泥沙、油污，保洁不达标 | 路面清扫干净，见本色
SJ0104 乱堆物堆料 CGZF 1d S 街面 | 公共场所堆放杂物、材料，影响通行或市容 | 堆放物清除，场地恢复整洁
SJ0105 乱扔乱倒 CGZF 1d S 街面 | 随意丢弃、倾倒垃圾、污水或废弃物 | 丢弃物清除，责任人已教育或处罚
SJ0106 违规晾晒 CGZF 1d S 小区 | 沿街、公共护栏、树木上晾晒衣物杂物 | 晾晒物撤除
SJ0107 门前三包不落实 CGZF 2d S 商户 | 责任区内脏乱、乱堆放，责任单位未履行门前三包 | 责任区整洁，已签订或督促落实门前三包
SJ0108 绿地脏乱 CGZF 1d S 公园广场/街头绿地/河涌绿道 | 绿地内有垃圾、杂物或积水 | 绿地清理干净
SJ0109 垃圾满溢 CGZF 4h S 小区 | 垃圾桶、收集点垃圾满溢或散落 | 垃圾清运，收集点整洁
SJ0110 餐厨垃圾乱倒 CGZF 1d - 餐饮店/食街/农贸市场 | 餐厨垃圾、废弃油脂未按规定收运，随意倾倒 | 清理完毕，已落实收运台账
SJ0201 非法小广告 CGZF 1d S 张贴/涂写/刻画/喷涂 | 在建筑物、设施、树木上张贴、涂写、刻画小广告 | 小广告清除，无残留痕迹
SJ0202 违规户外广告 CGZF 5d - 街面 | 未经审批设置户外广告，或超期、超规格设置 | 违规广告拆除或补办手续
SJ0203 占道广告牌 CGZF 1d S 街面 | 在人行道、路口摆放广告牌、灯箱、拱门 | 占道广告牌撤除
SJ0204 横幅标语违规悬挂 CGZF 1d S 街面 | 未经批准悬挂横幅、标语或破损未更换 | 横幅标语拆除
SJ0205 店招店牌不规范 CGZF 5d - 商户 | 店招超出规定范围、破损、缺字或亮灯不全 | 店招整改达标
SJ0206 派发广告 CGZF 2h S 街面 | 在道路、路口派发传单、散发广告 | 派发行为制止，散落传单清理
SJ0301 施工占道 CGZF 4h - 道路 | 施工超范围、超时间占用道路，或占道无审批 | 占道清除或补办审批，恢复通行
SJ0302 渣土运输遗撒 CGZF 2h - 道路 | 渣土、砂石运输车辆沿途遗撒、带泥上路 | 路面清洗干净，车辆已处理
SJ0303 无证掘路 CGZF 1d - 道路 | 未经许可挖掘城市道路 | 停止挖掘，路面修复或补办许可
SJ0304 施工废弃料 CGZF 1d - 工地 | 施工废弃料、建筑垃圾随意堆放或倾倒 | 废弃料清运，场地整洁
SJ0305 施工扰民 ZJ 4h - 工地 | 施工作业噪声、振动或超时施工影响居民 | 施工调整至规定时段，扰民消除
SJ0306 工地围挡破损 ZJ 2d - 工地 | 围挡破损、倒塌、不连续或高度不足 | 围挡修复完好
SJ0307 工地扬尘 STHJ 4h - 工地 | 裸土未覆盖、未洒水降尘，扬尘明显 | 裸土覆盖，降尘措施落实
SJ0401 占道经营 CGZF 2h S 街面 | 占用道路、桥梁、广场等公共场所摆摊经营 | 摊点撤离，场地清理干净
SJ0402 店外经营 CGZF 2h S 商户 | 超出门窗外墙摆卖、作业、经营 | 商品物品收回店内
SJ0403 流动摊贩 CGZF 2h S 街面 | 流动摊贩沿街叫卖、聚集经营 | 摊贩劝离，现场整洁
SJ0404 露天烧烤 CGZF 2h S 街面 | 在露天场所烧烤、油烟污染环境 | 烧烤停止，炉具收回
SJ0405 违法搭建 CGZF 15d - 城中村/住宅小区/屋顶/工业区/临街 | 未经规划许可搭建建筑物、构筑物 | 违法建筑拆除或依法处理
SJ0406 私搭乱建 CGZF 4h - 城中村/住宅小区/屋顶/工业区/临街 | 正在私自搭建建筑物、构筑物、棚架 | 搭建已制止、停工，转违法搭建立案查处
SJ0407 非机动车乱停放 CGZF 2h S 街面 | 非机动车不按规定停放，影响通行 | 车辆规范停放
SJ0408 共享单车乱停放 CGZF 2h S 街面 | 共享单车堆积、倒伏或停放在禁停区 | 车辆清理或规范摆放
SJ0409 占道洗车 CGZF 2h S 街面 | 占用道路洗车、修车，污水横流 | 占道作业停止，路面清理
SJ0410 废品收购占道 CGZF 1d S 街面 | 废品收购站点占道堆放、分拣 | 占道物品清理
SJ0411 违规设置地桩地锁 CGZF 1d - 小区 | 在公共区域私设地桩、地锁、石墩 | 地桩地锁拆除
SJ0412 机动车乱停放 GA 2h - 街面 | 机动车违规停放在人行道、消防通道或路口 | 车辆驶离或依法处理
SJ0501 路面塌陷 ZJ 2h U 道路 | 路面出现塌陷、空洞或明显下沉 | 设置围蔽警示，塌陷修复
SJ0502 燃气泄漏 ZJ 1h U 管道燃气/瓶装燃气/餐饮店 | 闻到燃气异味或检测到燃气泄漏 | 泄漏点处置，复测正常
SJ0503 高空坠物隐患 ZJ 4h - 阳台花盆/外墙瓷砖/空调外机/广告牌 | 高处物体松动，有坠落危险 | 隐患物体加固或拆除
SJ0504 道路积水 SW 2h - 道路 | 降雨后路面积水超过15厘米，影响通行 | 积水排除，道路通行正常
SJ0505 供水管道爆裂 SW 2h U 主干道/住宅小区 | 供水管道爆裂、大量漏水 | 关阀抢修，供水恢复
SJ0506 树木倒伏 CGZF 2h U 道路 | 树木倒伏或断枝，阻碍交通或压损设施 | 倒伏树木清理，交通恢复
SJ0507 防汛隐患 YJGL 1d - 低洼地带/地下车库/山塘 | 防汛设施缺失、排水不畅，存在内涝风险 | 隐患整改，防汛措施落实
SJ0508 台风防御隐患 YJGL 4h - 户外广告/工地塔吊/临时建筑 | 台风预警期间设施未加固 | 加固或拆除完成
SJ0509 应急物资缺失 YJGL 5d N 避难场所/村居物资点 | 应急物资储备不足或过期 | 物资补齐并登记
SJ0510 烟花爆竹违规销售 YJGL 1d - 商铺/流动摊点 | 无证或在禁止区域销售烟花爆竹 | 违规销售停止，物品收缴
SJ0511 溺水隐患 YJGL 1d - 水体 | 水域警示、防护设施缺失，有人员游泳 | 警示防护设施设置到位
SJ0512 危化品车辆违停 YJGL 2h - 居民区/学校周边 | 危险化学品运输车辆在人员密集区停放 | 车辆驶离
SJ0513 避难场所被占用 YJGL 2d - 公园广场/学校操场 | 应急避难场所被堆放、搭建占用 | 占用清除，场所可用
SJ0514 自然灾害险情 YJGL 1h U 房屋受损/人员被困/农田受淹 | 灾害造成房屋受损、人员被困或财产损失 | 险情处置，人员安置
SJ0515 应急广播故障 YJGL 2d - 村居/避难场所 | 应急广播无声、损坏 | 广播修复，播放正常
SJ0516 易涝点警示缺失 YJGL 2d - 下穿隧道/低洼路段 | 易涝点无警示标志、水位标尺 | 警示设施设置完成
SJ0517 踩踏隐患 YJGL 2h U 商业综合体/大型活动现场 | 人员密集，通道拥堵，存在踩踏风险 | 人员疏导，通道畅通
SJ0518 预警信息未传达 YJGL 1d N 村居/企业 | 气象预警信息未及时传达到位 | 预警信息传达并记录
SJ0601 消防通道堵塞 XFJY 4h - 消防 | 消防车通道、疏散通道被车辆、杂物占用或堵塞 | 通道清理畅通
SJ0602 安全出口封堵 XFJY 2h - 消防 | 安全出口锁闭、封堵或数量不足 | 安全出口畅通
SJ0603 灭火器过期 XFJY 5d - 消防 | 灭火器超过有效期或压力不足 | 更换或充装，压力正常
SJ0604 灭火器缺失 XFJY 3d - 消防 | 未按规定配置灭火器 | 灭火器配置到位
SJ0605 电动车违规充电 XFJY 2h S 楼道/出租屋室内/架空层/商铺 | 在室内、楼道、疏散通道为电动自行车充电 | 充电停止，电动车移出
SJ0606 电动车楼道停放 XFJY 4h S 楼道/楼梯间/疏散通道 | 电动自行车停放在楼道或疏散通道 | 车辆移出
SJ0607 私拉乱接电线 XFJY 1d - 消防 | 私拉乱接电线、飞线充电 | 线路拆除或规范敷设
SJ0608 三合一场所住人 XFJY 1d - 厂房/仓库/商铺 | 生产、储存、经营场所与住人场所未分隔 | 住人清出或实施防火分隔
SJ0609 防盗网未开逃生口 XFJY 5d - 出租屋/住宅 | 防盗网、广告牌封堵外窗，无逃生口 | 开设逃生口
SJ0610 消防设施损坏 XFJY 3d - 消防 | 消防栓、喷淋、报警等设施损坏或停用 | 设施修复，功能正常
SJ0611 违规动火作业 XFJY 2h - 工厂企业/建筑工地/商铺 | 未经审批或无防护进行电焊、切割等动火作业 | 作业停止，整改后方可复工
SJ0612 燃气瓶违规存放 XFJY 4h - 商户 | 液化气瓶超量存放或放置在地下室、半地下室 | 气瓶清出或规范存放
SJ0613 可燃物违规堆放 XFJY 1d - 消防 | 可燃杂物堆放在楼道、配电房或建筑周边 | 可燃物清理
SJ0614 疏散指示标志损坏 XFJY 3d - 消防 | 应急照明、疏散指示标志损坏或缺失 | 标志修复，照明正常
SJ0615 火情报警 XFJY 1h U 出租屋/厂房/商铺/住宅 | 烟感报警或发现明火、烟雾，需到场核实处置 | 火情排除，现场确认安全
SJ0701 企业安全隐患 AQSC 3d - 企业 | 生产场所存在安全隐患，未落实整改 | 隐患整改完成，复查合格
SJ0702 违规储存危险化学品 AQSC 4h - 工业企业/仓库/商铺/出租屋 | 超量或在非专用场所储存危险化学品 | 危险化学品清出或规范储存
SJ0703 有限空间作业违规 AQSC 2h - 污水井/化粪池/储罐 | 有限空间作业未检测、未通风、无监护 | 作业停止，防护措施落实
SJ0704 特种作业无证上岗 AQSC 1d - 企业 | 电工、焊工等特种作业人员无证作业 | 停止作业，持证上岗
SJ0705 安全警示标志缺失 AQSC 3d - 企业 | 危险部位未设置安全警示标志 | 警示标志设置到位
SJ0706 粉尘涉爆隐患 AQSC 1d - 木材加工/金属抛光/饲料加工 | 除尘系统不符合要求，粉尘积聚 | 隐患整改，清扫记录完整
SJ0707 厂房违规住人 AQSC 1d - 工业企业/仓储物流 | 生产、仓储区域内设置员工宿舍 | 人员清出
SJ0708 机械设备防护缺失 AQSC 3d - 企业 | 机械设备转动部位无防护罩、无急停装置 | 防护装置安装到位
SJ0709 高处作业无防护 AQSC 2h - 建筑工地/厂房维修/广告安装 | 高处作业未系安全带、无防护栏 | 作业停止，防护到位
SJ0710 安全生产台账缺失 AQSC 10d N 企业 | 安全生产责任制、培训、检查台账缺失 | 台账建立完善
SJ0711 液化气瓶使用不规范 AQSC 1d - 餐饮店/小作坊/出租屋 | 气瓶无减压阀、软管老化或未安装报警装置 | 整改完成
SJ0712 临时用电不规范 AQSC 1d - 建筑工地/工业企业/集市 | 临时用电无漏电保护、线路乱拉 | 线路规范，保护装置安装
SJ0713 叉车违规作业 AQSC 1d - 工业企业/仓储物流 | 叉车无证驾驶或带病作业 | 停止作业，整改到位
SJ0714 涉氨制冷隐患 AQSC 1d - 冷库/食品加工 | 液氨制冷系统存在泄漏风险 | 隐患整改，检测合格
SJ0715 应急预案未演练 AQSC 15d N 企业 | 未编制应急预案或未按期演练 | 预案编制、演练完成
SJ0716 劳保用品未配备 AQSC 5d - 企业 | 未向从业人员配备劳动防护用品 | 劳保用品配备到位
SJ0717 外包作业管理混乱 AQSC 5d N 工业企业/建筑工地 | 外包单位资质不全、安全协议缺失 | 安全管理协议签订
SJ0718 危险作业未审批 AQSC 1d N 企业 | 吊装、动土等危险作业未审批 | 作业审批手续完善
SJ0801 油烟扰民 STHJ 5d - 餐饮店/食街/烧烤摊/单位食堂 | 未安装油烟净化设施或油烟直排扰民 | 净化设施安装运行，扰民消除
SJ0802 噪声扰民 STHJ 3d - 工业企业/商业经营/娱乐场所/夜间施工 | 噪声超过排放标准影响居民 | 噪声达标，扰民消除
SJ0803 污水直排 STHJ 1d - 工业企业/餐饮店/洗车场/养殖场/居民区/农贸市场 | 污水未经处理直接排入雨水管网或河涌 | 直排口封堵，污水纳管
SJ0804 异味废气 STHJ 2d - 环境 | 废气、恶臭气体无组织排放 | 废气治理，异味消除
SJ0805 露天焚烧 STHJ 2h - 垃圾/秸秆/工业废料/电线电缆 | 露天焚烧垃圾、废料产生烟尘 | 明火熄灭，焚烧物清理
SJ0806 危险废物乱倒 STHJ 4h - 工业区/河涌沿岸/山林 | 危险废物非法倾倒、堆放 | 危险废物清运处置
SJ0807 固体废物乱倒 STHJ 1d - 环境 | 工业固体废物随意倾倒 | 废物清运，场地恢复
SJ0808 河涌水体异常 STHJ 4h - 发黑发臭/泡沫/油污/死鱼 | 水体颜色、气味异常或出现漂浮油污、死鱼 | 污染源查明处置，水体恢复
SJ0809 散乱污企业 STHJ 10d - 小作坊/无证经营企业/工业区 | 无环保手续、污染治理设施缺失的生产经营单位 | 关停取缔或整改达标
SJ0810 畜禽养殖污染 STHJ 5d - 养猪场/养鸡场/养鸭场 | 禁养区养殖或粪污直排 | 清拆或整改达标
SJ0811 锅炉窑炉冒黑烟 STHJ 1d - 工业企业/餐饮店 | 锅炉、窑炉烟囱冒黑烟 | 燃料更换或治理，排放达标
SJ0812 违规喷漆作业 STHJ 1d - 汽修店/家具作坊/建筑工地 | 露天或无废气收集设施喷漆 | 作业停止，治理设施建设
SJ0813 回收场所污染 STHJ 3d - 废品站/拆车场 | 废旧物品回收场所污水、废油外溢 | 污染清理，防渗措施落实
SJ0814 堆场扬尘 STHJ 1d - 沙石场/煤场/渣土场 | 物料堆场未覆盖、未围挡 | 覆盖围挡到位
SJ0815 车辆冒黑烟 STHJ 1d - 货车/工程机械 | 机动车、非道路机械冒黑烟 | 车辆停用或维修检测达标
SJ0816 环保设施停运 STHJ 2d - 工业企业/污水处理站 | 污染治理设施不正常运行 | 设施恢复运行，排放达标
SJ0817 排污口异常 STHJ 1d - 河涌/排渠 | 排污口排放异常颜色、气味污水 | 排放恢复正常
SJ0818 私设排污口 STHJ 1d - 河涌/排渠 | 未经许可私设排污口 | 排污口封堵
SJ0819 土壤污染 STHJ 10d - 工业用地/农用地 | 土壤有明显污染痕迹 | 污染调查与管控落实
SJ0820 光污染 STHJ 5d - 广告灯箱/建筑亮化 | 灯光直射住宅，影响居民休息 | 灯光调整，影响消除
SJ0821 隔油池缺失 STHJ 5d - 餐饮店/单位食堂 | 餐饮废水未经隔油处理排放 | 隔油设施安装
SJ0822 工业固废露天堆放 STHJ 3d - 工业企业/仓储物流 | 工业固体废物露天堆放，无防雨防渗 | 规范贮存
SJ0901 无证经营食品 SCJG 5d - 食品 | 未取得食品经营许可或备案经营食品 | 办证或停止经营
SJ0902 过期变质食品 SCJG 1d - 食品 | 销售、使用过期或腐败变质食品 | 问题食品下架销毁
SJ0903 餐饮卫生脏乱 SCJG 3d - 餐饮 | 加工场所卫生脏乱，生熟不分 | 卫生整改达标
SJ0904 食品小作坊违规生产 SCJG 5d - 城中村/工业区/居民楼 | 食品小作坊无证或条件不符生产 | 停产整改或取缔
SJ0905 活禽违规宰杀 SCJG 1d - 农贸市场/街面 | 在非指定区域宰杀活禽 | 宰杀停止，场所清洁
SJ0906 药店违规销售 SCJG 5d - 处方药/过期药品 | 无处方销售处方药或销售过期药品 | 违规行为查处
SJ0907 保健品虚假宣传 SCJG 5d - 会议营销/门店 | 夸大功效、虚假宣传保健食品 | 宣传停止，依法查处
SJ0908 学校周边食品安全 SCJG 1d - 小卖部/流动摊贩 | 学校周边销售三无食品 | 问题食品清理
SJ0909 食物中毒 SCJG 2h U 学校食堂/餐饮店/集体聚餐 | 多人出现疑似食物中毒症状 | 救治落实，样品封存，原因查明
SJ0910 食品标签不规范 SCJG 5d - 食品 | 预包装食品无标签或标签不全 | 整改或下架
SJ0911 餐具消毒不到位 SCJG 3d - 餐饮 | 餐饮具未消毒或消毒设施不运行 | 消毒措施落实
SJ0912 从业人员无健康证 SCJG 5d - 餐饮 | 食品从业人员未取得健康证明 | 健康证办理
SJ1001 邻里纠纷 ZZB 3d - 噪音/漏水/采光/通道 | 邻里之间因生活琐事发生纠纷 | 调解达成协议或引导司法途径
SJ1002 家庭纠纷 ZZB 3d - 婚姻/赡养 | 家庭成员之间发生纠纷，有激化可能 | 调解完成，回访稳定
SJ1003 物业纠纷 ZZB 5d - 物业费/停车/公共收益 | 业主与物业之间发生纠纷 | 纠纷化解
SJ1004 重点人员异常 ZZB 2h N 精神障碍患者/社区矫正人员 | 重点人员出现异常行为或脱管 | 人员稳控，落实管控措施
SJ1005 治安巡防缺位 ZZB 5d N 村居/工业区 | 巡防队伍未按计划巡逻 | 巡防落实
SJ1006 平安宣传缺失 ZZB 10d N 村居/学校 | 平安建设宣传阵地缺失或内容过期 | 宣传阵地更新
SJ1007 非法宗教活动 ZZB 1d N 出租屋/厂房 | 未经登记的宗教活动场所或聚会 | 活动制止，依法处理
SJ1008 土地纠纷 XFWW 5d - 征地拆迁/宅基地/承包地 | 因土地权属、补偿引发纠纷 | 纠纷调处完成
SJ1009 群体性上访苗头 XFWW 1h UN 村居/企业 | 出现群体性上访、聚集苗头 | 化解稳控，情况上报
SJ1010 拆迁安置纠纷 XFWW 5d - 补偿/安置 | 拆迁补偿、安置问题引发纠纷 | 纠纷化解或依法处理
SJ1011 涉众型经济纠纷 XFWW 3d - 非法集资/传销/理财 | 涉及多人的经济纠纷或非法集资线索 | 线索移交，稳控到位
SJ1012 信访诉求转办 XFWW 5d N 来信/来访 | 群众信访诉求需网格核实 | 核实办结并答复
SJ1013 重点群体聚集 XFWW 2h N 公共场所/政府机关周边 | 重点群体人员聚集 | 人员劝返，稳控到位
SJ1014 村务公开纠纷 XFWW 5d - 财务/选举 | 村务、财务公开引发群众不满 | 公开到位，纠纷化解
SJ1015 环境信访 XFWW 3d - 企业排污/噪声 | 群众就环境问题反复信访 | 问题处理并答复
SJ1016 历史遗留问题 XFWW 10d N 土地/房屋 | 历史遗留问题引发矛盾 | 处理方案落实
SJ1101 无照经营 SCJG 5d - 街面 | 未取得营业执照从事经营 | 办照或停止经营
SJ1102 价格违法 SCJG 3d - 农贸市场/商铺/景区 | 未明码标价或价格欺诈 | 整改到位或依法查处
SJ1103 计量器具作弊 SCJG 3d - 农贸市场/加油站 | 使用不合格计量器具或作弊 | 器具检定，依法查处
SJ1104 特种设备隐患 SCJG 1d - 电梯/锅炉/压力容器/叉车 | 特种设备未检验或存在隐患 | 检验合格或停用
SJ1105 电梯困人 SCJG 1h U 住宅小区/商业综合体/医院 | 电梯故障，有人员被困 | 被困人员解救，电梯停用检修
SJ1106 假冒伪劣商品 SCJG 5d - 商户 | 销售假冒伪劣商品 | 问题商品查扣
SJ1107 虚假广告 SCJG 5d - 门店/传单 | 发布虚假或违法广告 | 广告撤除，依法查处
SJ1108 预付卡经营风险 SCJG 3d - 健身房/美容美发/培训机构 | 预付卡经营者停业、失联 | 风险处置，消费者权益保障
SJ1109 市场秩序混乱 SCJG 2d S 农贸市场/集贸市场 | 市场内占道、乱摆乱卖 | 秩序恢复
SJ1110 非法加油点 SCJG 1d - 流动加油车/非法加油点 | 无证经营成品油 | 取缔，油品查扣
SJ1111 缺斤短两 SCJG 1d S 农贸市场/集贸市场 | 经营者缺斤短两 | 纠正并退赔
SJ1201 非法营运 JTYS 1d - 摩托车/小汽车/三轮车 | 无营运资质载客营运 | 依法查处
SJ1202 道路破损 JTYS 3d - 道路 | 路面坑槽、裂缝、拥包影响通行 | 路面修复平整
SJ1203 公交站秩序混乱 JTYS 1d S 公交站/客运站 | 站点周边车辆乱停、拉客 | 秩序恢复
SJ1204 超限超载车辆 JTYS 2h - 货车/泥头车 | 车辆超限超载行驶 | 卸载处罚
SJ1205 交通设施遮挡 JTYS 3d - 树木/广告 | 交通标志、信号灯被遮挡 | 遮挡清除
SJ1206 桥梁安全隐患 JTYS 1d - 跨河桥/人行天桥 | 桥梁结构开裂、护栏缺损 | 隐患整改，检测合格
SJ1207 乡村道路杂物 JTYS 1d S 村道/乡道 | 乡村道路堆放杂物、晒谷影响通行 | 杂物清除
SJ1208 施工路段警示不足 JTYS 4h - 道路 | 道路施工未设置警示、导向设施 | 警示设施设置到位
SJ1301 河面漂浮物 SW 1d S 水体 | 水面有垃圾、水浮莲等漂浮物 | 漂浮物打捞干净
SJ1302 排水管道堵塞 SW 1d - 道路/住宅小区/城中村 | 排水管道堵塞，排水不畅 | 疏通，排水顺畅
SJ1303 违法占用河道 SW 10d - 水体 | 河道管理范围内违法建设、堆放 | 清除，河道恢复
SJ1304 非法采砂 SW 2h - 河涌/水库 | 河道、水库非法采砂 | 采砂停止，设备查扣
SJ1305 停水 SW 4h - 住宅小区/城中村 | 非计划停水或水压不足 | 供水恢复
SJ1306 污水冒溢 SW 4h - 道路/住宅小区/城中村 | 污水井、管道冒溢 | 冒溢停止，现场清洗
SJ1401 野外违规用火 NL 1h U 山林 | 林区野外烧荒、烧纸、吸烟等用火 | 火种熄灭，依法处理
SJ1402 乱砍滥伐 NL 1d - 山林 | 无证采伐林木 | 采伐停止，依法查处
SJ1403 动物疫病 NL 2h - 禽类/生猪 | 畜禽异常死亡或疑似疫病 | 隔离处置，采样送检
SJ1404 非法捕捞 NL 2h - 河涌/水库 | 电鱼、毒鱼、炸鱼 | 捕捞停止，工具收缴
SJ1405 撂荒耕地 NL 15d - 水田/旱地 | 耕地连续撂荒 | 复耕复种
SJ1406 农药违规使用 NL 3d - 菜地/果园 | 使用禁用农药或超范围使用 | 停止使用，农产品抽检
SJ1407 病死畜禽乱丢 NL 4h - 河涌/路边 | 随意丢弃病死畜禽 | 无害化处理
SJ1408 林业有害生物 NL 5d - 山林 | 松材线虫、薇甘菊等有害生物 | 防治完成
SJ1409 违规养殖 NL 10d - 禁养区/河涌沿岸 | 在禁养区、限养区养殖 | 清拆或整改
SJ1410 农田水利设施损坏 NL 5d - 灌渠/机耕路 | 灌渠、机耕路损坏 | 修复完好
SJ1411 野生动物非法交易 NL 1d - 农贸市场/餐饮店 | 非法出售、收购野生动物 | 查扣，依法处理
SJ1412 森林防火设施损坏 NL 3d - 防火隔离带/宣传牌/瞭望台 | 森林防火设施损坏或缺失 | 修复完好
SJ1501 治安隐患 GA 1d - 出租屋/娱乐场所/城中村 | 治安防范设施缺失或存在治安隐患 | 隐患整改
SJ1502 打架斗殴 GA 2h - 公共场所/娱乐场所 | 发生打架斗殴 | 制止，依法处理
SJ1503 聚众赌博 GA 1d - 出租屋/茶室 | 聚众赌博线索 | 查处
SJ1504 广场舞噪声扰民 GA 1d S 公园广场/小区空地 | 广场舞音响音量过大、时间过晚 | 音量、时间调整
SJ1505 出租屋人员未登记 GA 5d N 出租屋/集体宿舍 | 出租屋流动人口信息未登记 | 信息登记完成
SJ1506 可疑人员物品 GA 2h - 公共场所/学校周边 | 发现可疑人员、可疑物品 | 核查处置
SJ1507 交通事故隐患点 GA 3d - 道路 | 路口视线不良、标志缺失，事故多发 | 隐患整改
SJ1508 无牌无证车辆 GA 1d - 摩托车/电动三轮车 | 无牌无证车辆上路行驶 | 依法查处
SJ1509 寄递物流安全 GA 5d N 快递网点/物流仓库 | 未落实实名收寄、开箱验视 | 整改到位
SJ1510 犬只扰民伤人 GA 2h - 街面/住宅小区 | 犬只无证、未拴绳或伤人 | 依法处理
SJ1601 非法行医 WSJK 1d - 诊所/出租屋/美容院 | 无证行医或超范围执业 | 取缔或依法查处
SJ1602 病媒生物孳生 WSJK 3d - 蚊虫/鼠患/蟑螂/苍蝇 | 积水、垃圾等造成病媒生物孳生 | 孳生地清除
SJ1603 医疗废物处置不规范 WSJK 1d - 诊所/卫生站/药店 | 医疗废物混入生活垃圾或随意丢弃 | 规范收集处置
SJ1604 公共场所卫生 WSJK 5d - 理发店/旅馆/游泳池 | 公共场所卫生不达标，无卫生许可 | 整改达标
SJ1605 传染病疫情线索 WSJK 1h U 学校/工厂 | 出现聚集性发热、腹泻病例 | 流调处置，报告完成
SJ1606 二次供水卫生 WSJK 3d - 住宅小区/学校 | 二次供水设施未清洗、无防护 | 清洗消毒，检测合格
SJ1607 控烟违规 WSJK 1d S 医院/学校/办公场所 | 禁烟场所吸烟，无禁烟标识 | 劝阻，标识设置
SJ1608 职业病危害 WSJK 10d N 噪声岗位/粉尘岗位 | 未开展职业病危害检测或体检 | 检测、体检完成
SJ1609 饮用水水质异常 WSJK 4h - 自来水/桶装水 | 饮用水浑浊、异味 | 水质检测合格
SJ1610 学校卫生 WSJK 3d - 教室采光/饮水设施 | 学校卫生设施不符合要求 | 整改达标
SJ1611 医疗机构违规广告 WSJK 5d - 诊所/医美机构 | 医疗广告未经审查或虚假宣传 | 广告撤除
SJ1612 卫生站服务不规范 WSJK 5d N 村卫生站/社区卫生服务站 | 基层卫生服务不规范 | 整改到位
SJ1701 无证办学 JY 5d - 培训机构/托管中心/幼儿园 | 无办学许可招生办学 | 停办或办证
SJ1702 校园周边安全隐患 JY 1d - 学校 | 校园周边治安、交通安全隐患 | 隐患整改
SJ1703 接送车辆安全 JY 1d - 校车/接送车辆 | 接送学生车辆超员、无资质 | 依法查处
SJ1704 校舍安全隐患 JY 3d - 学校 | 校舍、围墙、设施存在安全隐患 | 整改完成
SJ1705 学生欺凌线索 JY 1d N 校内/校外 | 发现学生欺凌线索 | 处置并跟踪
SJ1706 防溺水监管 JY 1d - 河涌/山塘/水库 | 学生在危险水域游泳、玩耍 | 劝离，家长告知
SJ1707 上下学交通秩序 JY 2h - 学校 | 上下学时段校门口交通拥堵 | 秩序恢复
SJ1708 校园门卫缺失 JY 3d - 学校 | 门卫、护校队未到位 | 门卫配备到位
SJ1801 欠薪 RLZY 2d - 工业企业/建筑工地/餐饮店 | 用人单位拖欠劳动者工资 | 工资支付或依法处理
SJ1802 使用童工 RLZY 1d - 工业企业/小作坊 | 招用未满16周岁未成年人 | 童工清退，依法处罚
SJ1803 未签劳动合同 RLZY 10d - 工业企业/商铺/建筑工地 | 用人单位未与劳动者签订劳动合同 | 合同签订
SJ1804 非法职业中介 RLZY 5d - 街面/出租屋 | 无证从事职业中介 | 取缔
SJ1805 超时加班 RLZY 10d - 工业企业/服务业 | 违法延长工作时间 | 整改到位
SJ1806 社保未缴 RLZY 10d - 工业企业/商铺/建筑工地 | 未依法为职工缴纳社会保险 | 补缴完成
SJ1807 劳资纠纷聚集 RLZY 2h - 企业门口/政府门口 | 因劳资纠纷多人聚集 | 劝导疏散，纠纷处理
SJ1808 工伤未报 RLZY 5d - 工业企业/建筑工地 | 发生工伤未申报认定 | 申报完成
SJ1901 流浪乞讨 SHSW 2h S 街面/车站/桥底 | 流浪乞讨人员需救助 | 救助或送返
SJ1902 困难群众帮扶 SHSW 5d N 独居老人/残疾人/困境儿童 | 困难群众生活无着需帮扶 | 帮扶措施落实
SJ1903 违规殡葬 SHSW 1d - 乱埋乱葬/违规建坟 | 乱埋乱葬或违规修建坟墓 | 整治完成
SJ1904 非法社会组织 SHSW 10d N 活动场所/网络招募 | 未经登记以社会组织名义活动 | 取缔
SJ1905 养老机构安全 SHSW 3d - 养老院/日间照料中心 | 养老机构消防、食品安全隐患 | 整改完成
SJ1906 低保对象异常 SHSW 10d N 收入变化/人员变动 | 低保对象家庭状况变化未申报 | 核查调整
SJ2001 违法占地 ZRZY 10d - 耕地/林地/建设用地 | 未经批准占用土地 | 依法查处，恢复原状
SJ2002 非法采矿 ZRZY 2h - 采石/采土/采砂 | 无证开采矿产资源 | 开采停止，设备查扣
SJ2003 地质灾害隐患 ZRZY 1h U 滑坡/崩塌/泥石流/地面塌陷 | 出现地质灾害前兆或险情 | 人员撤离，监测处置
SJ2004 危险边坡 ZRZY 3d - 道路边坡/建筑边坡 | 边坡开裂、落石 | 治理或设置警示
SJ2005 耕地非农化 ZRZY 10d - 挖塘/种树/堆放 | 耕地挖塘、种树或堆放 | 复耕
SJ2006 地面裂缝沉降 ZRZY 1d - 道路/住宅区 | 地面出现裂缝或沉降 | 监测，治理
SJ2007 土地违规出租 ZRZY 10d - 集体土地/国有土地 | 违规出租、转让土地 | 依法处理
SJ2008 未批先建 ZRZY 10d - 厂房/住宅 | 未取得用地审批开工建设 | 停工，依法处理
SJ2009 监测设施损坏 ZRZY 3d - 地灾监测点/界桩 | 地质灾害监测设施、界桩损坏 | 修复完好
SJ2101 网吧接纳未成年人 WGLT 1d - 网吧/电竞馆 | 网吧接纳未成年人上网 | 依法查处
SJ2102 无证娱乐场所 WGLT 5d - KTV/游戏厅 | 无证经营娱乐场所 | 取缔或办证
SJ2103 文物破坏 WGLT 2h - 祠堂/古建筑/碑刻 | 文物被损毁、盗窃或违规修缮 | 制止，保护措施落实
SJ2104 非法出版物 WGLT 1d - 书摊/流动商贩 | 销售非法出版物 | 收缴
SJ2105 景区秩序混乱 WGLT 1d S 森林公园/景点 | 景区内拉客、乱摆卖 | 秩序恢复
SJ2106 体育场馆安全隐患 WGLT 3d - 体育馆/游泳池 | 场馆设施损坏，救生员缺失 | 整改完成
SJ2107 营业性演出违规 WGLT 3d - 酒吧/广场 | 未经审批举办营业性演出 | 停止，依法处理
SJ2108 卫星接收设施违规 WGLT 10d - 出租屋/酒店 | 违规安装卫星电视接收设施 | 拆除
SJ2201 危房 ZJ 1d - 住宅/厂房/祠堂 | 房屋开裂、倾斜，存在倒塌风险 | 人员撤离，房屋加固或拆除
SJ2202 违规装修 ZJ 1d - 住宅小区/商铺 | 装修拆改承重结构 | 停工，恢复结构
SJ2203 物业管理违规 ZJ 5d - 住宅小区/商住楼 | 物业服务不到位，公共设施失修 | 整改到位
SJ2204 工地无安全防护 ZJ 1d - 工地 | 工地临边洞口、脚手架无防护 | 防护到位
SJ2205 塔吊隐患 ZJ 4h - 房建工地/市政工地 | 塔吊无检测、超载作业 | 停用检测
SJ2206 燃气管道占压 ZJ 5d - 建筑物/堆物 | 燃气管道上方建设、堆物 | 占压清除
SJ2207 自建房安全隐患 ZJ 5d - 经营性自建房/出租屋 | 自建房违规加层、改变用途 | 整改或停用
"""

HOURS_LIKE = ("minutes", "hours")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# The filing condition of a component item by its problem; others read "<name>出现<problem>".
PROBLEMS = {
    "破损": "出现裂缝、缺角或破碎，影响使用或安全",
    "缺失": "丢失或缺失，存在安全隐患",
    "移位": "偏离原位或未盖严",
    "松动异响": "松动，车辆碾压有响声",
    "沉降凹陷": "与路面高差超过2厘米",
    "不亮": "夜间不亮或亮灯不正常",
    "倾斜": "明显倾斜，有倒塌风险",
    "污损": "表面污迹、涂画或锈蚀明显",
    "遮挡": "被树木、广告等遮挡，影响使用",
    "堵塞": "被杂物堵塞，排水不畅",
    "倒伏": "倒伏或断枝，影响通行或设施安全",
    "脱落": "部件松脱或已脱落，有坠落危险",
}


@dataclass(frozen=True)
class Small:
    code: str
    name: str
    department: str
    limit: tuple[int, str]
    flags: str
    variants: tuple[str, ...]
    filing: str
    closing: str


def _small(line: str) -> Small:
    head, _, texts = line.partition(" | ")
    code, name, dept, limit, flags, variants = head.split()
    filing, _, closing = texts.partition(" | ")
    names = variants.split("/") if "/" in variants else VARIANTS[variants].split()
    return Small(code, name, dept, (int(limit[:-1]), UNITS[limit[-1]]), flags, tuple(names), filing, closing)


def _component_texts(small: Small, problem: str) -> tuple[str, str]:
    filing = f"{small.name}{PROBLEMS.get(problem, f'出现{problem}，影响使用或存在安全隐患')}"
    closing = f"{small.name}已{'补装或设置临时防护' if problem == '缺失' else '修复'}，恢复完好、功能正常"
    return filing, closing


def _record(small: Small, index: int, big_names: dict[str, str]) -> dict:
    raw = small.variants[index]
    variant = raw.rstrip("!*")
    urgent = "U" in small.flags or raw.endswith("!")
    spot = ("S" in small.flags or raw.endswith("*")) and not urgent
    event = small.code.startswith("SJ")
    limit, unit = small.limit
    if urgent and unit == "days":
        limit, unit = 2, "hours"  # an urgent problem of a slow category is made safe first
    if event:
        filing, closing = f"{variant}：{small.filing}", small.closing
    else:
        filing, closing = _component_texts(small, variant)
    return {
        "code": f"{small.code}{index + 1:02d}",
        "name": f"{small.name}（{variant}）",
        "kind": "event" if event else "component",
        "big_category_code": small.code[:4],
        "big_category_name": big_names[small.code[:4]],
        "small_category_code": small.code,
        "small_category_name": small.name,
        "department_code": f"D-{small.department}",
        "filing_condition": filing,
        "closing_condition": closing,
        "urgency": "urgent" if urgent else "normal",
        "resident_reportable": "no"
        if "N" in small.flags or (not event and "R" not in small.flags)
        else "yes",
        "on_the_spot": "yes" if spot else "no",
        "dispatch_limit": 30 if urgent else (1 if unit in HOURS_LIKE else 2),
        "dispatch_unit": "minutes" if urgent else "hours",
        "disposal_limit": limit,
        "disposal_unit": unit,
        "recheck_limit": 2 if urgent else (4 if unit in HOURS_LIKE else 1),
        "recheck_unit": "hours" if urgent or unit in HOURS_LIKE else "days",
        "active": "yes",
    }


def _take(smalls: list[Small], quota: int) -> list[tuple[Small, int]]:
    """``quota`` items of one department: the first variant of each small category, then the second …"""
    taken: list[tuple[Small, int]] = []
    for index in range(max(len(s.variants) for s in smalls)):
        taken += [(s, index) for s in smalls if index < len(s.variants)][: quota - len(taken)]
    if len(taken) < quota:
        raise ValueError(f"{smalls[0].department} has {len(taken)} items, fewer than its quota {quota}")
    return taken


def demo_records() -> list[dict]:
    """The demo catalogue as records keyed by column code, in code order."""
    big_names = dict(line.split() for line in BIG.split("\n") if line)
    smalls = [_small(line) for line in SMALL.split("\n") if line]
    records = []
    for dept, quota in QUOTAS.items():
        own = [s for s in smalls if s.department == dept]
        records += [_record(s, i, big_names) for s, i in _take(own, quota)]
    if len(records) != ITEMS:
        raise ValueError(f"the quotas give {len(records)} items, not {ITEMS}")
    return sorted(records, key=lambda r: r["code"])


def demo_items() -> bytes:
    """The catalogue file (CSV: unlike XLSX, whose zip carries a timestamp, the same bytes every time)."""
    return catalogue_file(fmt="csv", records=demo_records())


def catalogue_seed(progress: Progress = no_progress) -> Tally:
    """The 893 patrol items, imported with the same validated, all-or-nothing import users have."""
    result = catalogue_import(data=demo_items(), filename="demo-catalogue.csv", actor_name=ACTOR)
    return Tally(result.created, result.updated, result.unchanged)
