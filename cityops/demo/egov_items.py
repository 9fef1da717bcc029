"""The demo town's service departments and their usual items, as data: for each department code the
law of its field and its items (name, type, applicant, result, whether it splits into the business
items 新办/变更/延续/注销/补办). ``cityops.demo.egov`` makes the 1,264 items of the catalogue from them."""

from cityops.egov.choices import Applicant

# department code → (law of its field, [(item name, type, applicant "p"/"o"/"b", result, variants?)])
P, ORG, B = Applicant.PERSON, Applicant.ORGANISATION, Applicant.BOTH
CATALOGUE: dict[str, tuple[str, list[tuple]]] = {
    "D-SCJG": (
        "《中华人民共和国食品安全法》《市场主体登记管理条例》",
        [
            ("食品经营许可证核发", "licensing", B, "食品经营许可证", True),
            ("个体工商户登记", "licensing", P, "个体工商户营业执照", True),
            ("企业设立登记", "licensing", ORG, "营业执照", True),
            ("小餐饮登记", "filing", P, "小餐饮登记证", True),
            ("食品小作坊登记", "licensing", B, "食品小作坊登记证", True),
            ("特种设备使用登记", "licensing", ORG, "特种设备使用登记证", True),
            ("药品零售企业许可", "licensing", ORG, "药品经营许可证", True),
            ("计量器具强制检定", "public_service", ORG, "检定证书", False),
            ("消费投诉受理", "public_service", P, "处理结果告知书", False),
            ("广告发布登记", "licensing", ORG, "广告发布登记证", True),
            ("农民专业合作社登记", "licensing", ORG, "营业执照", True),
            ("动产抵押登记", "confirmation", ORG, "动产抵押登记书", True),
        ],
    ),
    "D-GA": (
        "《中华人民共和国户口登记条例》《中华人民共和国居民身份证法》",
        [
            ("出生登记", "confirmation", P, "居民户口簿", False),
            ("户口迁移", "confirmation", P, "户口迁移证", True),
            ("居民身份证申领", "confirmation", P, "居民身份证", True),
            ("居民身份证补领", "confirmation", P, "居民身份证", False),
            ("临时居民身份证申领", "confirmation", P, "临时居民身份证", False),
            ("死亡人员户口注销", "confirmation", P, "注销户口证明", False),
            ("居住证申领", "public_service", P, "广东省居住证", True),
            ("犬只登记", "licensing", P, "犬只登记证", True),
            ("机动车驾驶证换证", "licensing", P, "机动车驾驶证", True),
            ("出入境证件申请", "licensing", P, "往来港澳通行证", True),
            ("无犯罪记录证明", "public_service", P, "无犯罪记录证明", False),
            ("大型群众性活动安全许可", "licensing", ORG, "安全许可决定书", False),
        ],
    ),
    "D-WSJK": (
        "《中华人民共和国人口与计划生育法》《中华人民共和国母婴保健法》",
        [
            ("生育登记", "public_service", P, "生育登记服务单", True),
            ("出生医学证明签发", "confirmation", P, "出生医学证明", True),
            ("再生育审批", "confirmation", P, "再生育证明", False),
            ("医疗机构执业登记", "licensing", ORG, "医疗机构执业许可证", True),
            ("医师执业注册", "licensing", P, "医师执业证书", True),
            ("护士执业注册", "licensing", P, "护士执业证书", True),
            ("公共场所卫生许可", "licensing", ORG, "卫生许可证", True),
            ("预防接种证办理", "public_service", P, "预防接种证", False),
            ("独生子女父母奖励", "award", P, "奖励发放通知", False),
            ("计划生育家庭特别扶助", "benefit", P, "扶助金发放通知", False),
        ],
    ),
    "D-SHSW": (
        "《中华人民共和国民法典》《社会救助暂行办法》",
        [
            ("结婚登记", "confirmation", P, "结婚证", False),
            ("离婚登记", "confirmation", P, "离婚证", False),
            ("补领婚姻登记证", "confirmation", P, "婚姻登记证", False),
            ("最低生活保障审核", "benefit", P, "低保证", True),
            ("特困人员救助供养", "benefit", P, "救助供养证", True),
            ("临时救助", "benefit", P, "救助金发放通知", False),
            ("高龄老人津贴", "benefit", P, "津贴发放通知", True),
            ("丧葬补助金申领", "benefit", P, "补助发放通知", False),
            ("社会团体登记", "licensing", ORG, "社会团体法人登记证书", True),
            ("养老机构备案", "filing", ORG, "备案回执", True),
            ("孤儿基本生活保障", "benefit", P, "保障金发放通知", False),
        ],
    ),
    "D-RLZY": (
        "《中华人民共和国社会保险法》《中华人民共和国就业促进法》",
        [
            ("社会保险参保登记", "public_service", B, "参保凭证", True),
            ("失业保险金申领", "benefit", P, "失业保险金核定通知", False),
            ("就业登记", "public_service", P, "就业登记证明", True),
            ("失业登记", "public_service", P, "失业登记证明", True),
            ("工伤认定", "confirmation", P, "工伤认定决定书", False),
            ("劳动能力鉴定", "confirmation", P, "劳动能力鉴定结论书", False),
            ("基本养老保险待遇申领", "benefit", P, "待遇核定通知", False),
            ("生育津贴申领", "benefit", P, "生育津贴核定通知", False),
            ("职业技能等级认定", "public_service", P, "职业技能等级证书", True),
            ("劳动保障监察投诉（欠薪）", "other_power", P, "处理结果告知书", False),
            ("劳务派遣经营许可", "licensing", ORG, "劳务派遣经营许可证", True),
            ("社会保障卡申领", "public_service", P, "社会保障卡", True),
        ],
    ),
    "D-ZJ": (
        "《中华人民共和国建筑法》《建设工程质量管理条例》",
        [
            ("建筑工程施工许可", "licensing", ORG, "建筑工程施工许可证", True),
            ("房屋建筑工程竣工验收备案", "filing", ORG, "竣工验收备案证明", False),
            ("住宅室内装饰装修备案", "filing", P, "装修备案回执", False),
            ("商品房预售许可", "licensing", ORG, "商品房预售许可证", True),
            ("公共租赁住房申请", "benefit", P, "配租通知", False),
            ("房屋租赁登记备案", "filing", B, "租赁登记备案证明", True),
            ("建筑业企业资质", "licensing", ORG, "建筑业企业资质证书", True),
            ("燃气经营许可", "licensing", ORG, "燃气经营许可证", True),
        ],
    ),
    "D-ZRZY": (
        "《中华人民共和国土地管理法》《中华人民共和国城乡规划法》",
        [
            ("建设工程规划许可", "licensing", ORG, "建设工程规划许可证", True),
            ("乡村建设规划许可", "licensing", P, "乡村建设规划许可证", True),
            ("农村村民宅基地审批", "licensing", P, "宅基地批准书", False),
            ("建设用地规划许可", "licensing", ORG, "建设用地规划许可证", True),
            ("临时用地审批", "licensing", ORG, "临时用地批复", True),
            ("林木采伐许可", "licensing", B, "林木采伐许可证", False),
            ("地质灾害危险性评估备案", "filing", ORG, "备案回执", False),
        ],
    ),
    "D-BDC": (
        "《不动产登记暂行条例》",
        [
            ("不动产首次登记", "confirmation", B, "不动产权证书", False),
            ("不动产转移登记", "confirmation", B, "不动产权证书", False),
            ("不动产抵押登记", "confirmation", B, "不动产登记证明", True),
            ("不动产变更登记", "confirmation", B, "不动产权证书", False),
            ("不动产登记资料查询", "public_service", B, "查询结果", False),
            ("不动产权证书补发", "confirmation", B, "不动产权证书", False),
            ("预告登记", "confirmation", B, "不动产登记证明", True),
        ],
    ),
    "D-SWJ": (
        "《中华人民共和国税收征收管理法》",
        [
            ("纳税申报", "public_service", B, "申报回执", False),
            ("发票领用", "public_service", ORG, "发票", False),
            ("税务登记", "public_service", ORG, "税务登记信息确认", True),
            ("个人所得税汇算清缴", "public_service", P, "退补税结果", False),
            ("完税证明开具", "public_service", B, "完税证明", False),
            ("税收减免备案", "filing", ORG, "备案回执", False),
            ("出口退税申报", "public_service", ORG, "退税结果", False),
        ],
    ),
    "D-YB": (
        "《中华人民共和国社会保险法》《医疗保障基金使用监督管理条例》",
        [
            ("城乡居民医疗保险参保登记", "public_service", P, "参保凭证", True),
            ("异地就医备案", "filing", P, "备案回执", True),
            ("医疗费用报销（零星报销）", "benefit", P, "报销结算单", False),
            ("门诊特定病种待遇认定", "confirmation", P, "待遇认定通知", True),
            ("生育医疗费用报销", "benefit", P, "报销结算单", False),
            ("医保关系转移接续", "public_service", P, "转移接续凭证", False),
            ("定点医药机构申请", "public_service", ORG, "定点协议", True),
        ],
    ),
    "D-GJJ": (
        "《住房公积金管理条例》",
        [
            ("住房公积金缴存登记", "public_service", ORG, "缴存登记回执", True),
            ("住房公积金提取（购房）", "public_service", P, "提取到账通知", False),
            ("住房公积金提取（租房）", "public_service", P, "提取到账通知", False),
            ("住房公积金提取（离职）", "public_service", P, "提取到账通知", False),
            ("住房公积金贷款", "public_service", P, "贷款合同", False),
            ("住房公积金转移接续", "public_service", P, "转移凭证", False),
        ],
    ),
    "D-CGZF": (
        "《城市市容和环境卫生管理条例》",
        [
            ("户外广告设施设置许可", "licensing", ORG, "设置许可决定书", True),
            ("招牌设置备案", "filing", B, "备案回执", True),
            ("临时占用城市道路许可", "licensing", B, "占道许可决定书", True),
            ("占用挖掘道路许可", "licensing", ORG, "挖掘许可决定书", True),
            ("城市建筑垃圾处置核准", "licensing", ORG, "处置核准文件", True),
            ("砍伐城市树木许可", "licensing", B, "砍伐许可决定书", False),
        ],
    ),
    "D-STHJ": (
        "《中华人民共和国环境影响评价法》",
        [
            ("建设项目环境影响评价审批", "licensing", ORG, "环评批复", True),
            ("排污许可", "licensing", ORG, "排污许可证", True),
            ("环境影响登记表备案", "filing", ORG, "备案回执", False),
            ("危险废物经营许可", "licensing", ORG, "危险废物经营许可证", True),
            ("夜间施工许可", "licensing", ORG, "夜间施工许可证", False),
        ],
    ),
    "D-YJGL": (
        "《中华人民共和国安全生产法》",
        [
            ("危险化学品经营许可", "licensing", ORG, "危险化学品经营许可证", True),
            ("烟花爆竹零售许可", "licensing", B, "烟花爆竹经营（零售）许可证", True),
            ("生产安全事故应急预案备案", "filing", ORG, "备案回执", True),
            ("安全生产培训考核", "public_service", P, "培训合格证明", False),
            ("自然灾害生活救助", "benefit", P, "救助发放通知", False),
        ],
    ),
    "D-JTYS": (
        "《中华人民共和国道路运输条例》",
        [
            ("道路运输经营许可", "licensing", ORG, "道路运输经营许可证", True),
            ("网络预约出租汽车驾驶员证", "licensing", P, "网约车驾驶员证", True),
            ("道路运输车辆营运证", "licensing", ORG, "道路运输证", True),
            ("超限运输车辆行驶公路许可", "licensing", ORG, "超限运输通行证", False),
            ("机动车维修经营备案", "filing", ORG, "备案回执", True),
        ],
    ),
    "D-WGLT": (
        "《娱乐场所管理条例》《互联网上网服务营业场所管理条例》",
        [
            ("娱乐场所经营许可", "licensing", ORG, "娱乐经营许可证", True),
            ("网吧经营许可", "licensing", ORG, "网络文化经营许可证", True),
            ("营业性演出许可", "licensing", ORG, "营业性演出许可证", True),
            ("高危险性体育项目经营许可", "licensing", ORG, "经营许可证", True),
            ("公共文化场馆预约", "public_service", P, "预约凭证", False),
        ],
    ),
    "D-TYJR": (
        "《中华人民共和国退役军人保障法》",
        [
            ("退役军人优待证申领", "public_service", P, "退役军人优待证", True),
            ("退役士兵自主就业一次性经济补助", "benefit", P, "补助发放通知", False),
            ("烈士褒扬金发放", "benefit", P, "褒扬金发放通知", False),
            ("伤残抚恤关系接转", "confirmation", P, "接转证明", False),
            ("光荣牌悬挂", "award", P, "光荣牌", False),
        ],
    ),
    "D-CL": (
        "《中华人民共和国残疾人保障法》",
        [
            ("残疾人证申领", "confirmation", P, "残疾人证", True),
            ("困难残疾人生活补贴", "benefit", P, "补贴发放通知", True),
            ("重度残疾人护理补贴", "benefit", P, "补贴发放通知", True),
            ("残疾人辅助器具适配", "public_service", P, "适配通知", False),
        ],
    ),
    "D-SF": (
        "《法律援助法》《中华人民共和国人民调解法》",
        [
            ("法律援助申请", "public_service", P, "法律援助决定书", False),
            ("人民调解申请", "public_service", P, "调解协议书", False),
            ("基层法律服务工作者执业核准", "licensing", P, "执业证", True),
            ("社区矫正报到", "other_power", P, "报到回执", False),
        ],
    ),
    "D-CZ": (
        "《中华人民共和国会计法》",
        [
            ("会计人员信息采集", "public_service", P, "采集结果", True),
            ("代理记账机构审批", "licensing", ORG, "代理记账许可证书", True),
            ("政府采购供应商投诉处理", "adjudication", ORG, "投诉处理决定书", False),
            ("非税收入缴款", "public_service", B, "缴款票据", False),
        ],
    ),
    "D-TJ": (
        "《中华人民共和国统计法》",
        [
            ("统计调查项目审批", "licensing", ORG, "批准文件", False),
            ("统计数据查询", "public_service", B, "查询结果", False),
            ("统计登记", "filing", ORG, "登记回执", True),
        ],
    ),
    "D-JJFZ": (
        "《企业投资项目核准和备案管理条例》",
        [
            ("企业投资项目备案", "filing", ORG, "项目备案证", True),
            ("企业投资项目核准", "licensing", ORG, "核准批复", True),
            ("节能审查", "licensing", ORG, "节能审查意见", False),
            ("粮食收购资格", "filing", ORG, "备案回执", True),
        ],
    ),
    "D-TZCJ": (
        "《广东省促进外商投资条例》",
        [
            ("外商投资企业信息报告", "filing", ORG, "报告回执", True),
            ("招商项目落户服务", "public_service", ORG, "服务方案", False),
            ("重大项目专班协调", "public_service", ORG, "协调纪要", False),
        ],
    ),
    "D-GXB": (
        "《中华人民共和国中小企业促进法》",
        [
            ("专精特新中小企业认定", "confirmation", ORG, "认定文件", False),
            ("技术改造项目备案", "filing", ORG, "备案证", True),
            ("工业企业技改奖励", "award", ORG, "奖励通知", False),
            ("电力保障协调", "public_service", ORG, "协调结果", False),
        ],
    ),
    "D-SWB": (
        "《中华人民共和国对外贸易法》",
        [
            ("对外贸易经营者备案", "filing", ORG, "备案登记表", True),
            ("单用途商业预付卡备案", "filing", ORG, "备案回执", True),
            ("再生资源回收经营者备案", "filing", ORG, "备案回执", True),
            ("酒类经营备案", "filing", B, "备案回执", True),
        ],
    ),
    "D-DAG": (
        "《中华人民共和国档案法》",
        [
            ("档案查阅利用", "public_service", B, "档案复制件", False),
            ("婚姻档案查询", "public_service", P, "查档证明", False),
            ("知青档案查询", "public_service", P, "查档证明", False),
        ],
    ),
    "D-ZGH": (
        "《中华人民共和国工会法》",
        [
            ("困难职工帮扶", "public_service", P, "帮扶通知", False),
            ("职工法律援助", "public_service", P, "援助决定", False),
            ("基层工会法人资格登记", "confirmation", ORG, "工会法人资格证书", True),
        ],
    ),
    "D-FL": (
        "《中华人民共和国妇女权益保障法》",
        [
            ("妇女儿童维权投诉", "public_service", P, "处理结果", False),
            ("困难母亲帮扶", "public_service", P, "帮扶通知", False),
            ("婚姻家庭纠纷调解", "public_service", P, "调解协议书", False),
        ],
    ),
}
