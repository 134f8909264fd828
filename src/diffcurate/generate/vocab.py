"""Vocabularies of the offline prompt generator, written by hand from the taxonomy's meanings.

Per subject: `heads` (the primary subject, with its article), `states` (what it is doing or how
it is), `settings` (where). Per style and camera: phrases that state the treatment, as a prefix
("an oil painting of …") or as a trailing clause ("…, oil on canvas"). English and Chinese
banks are separate: Chinese prompts are written, not translated word by word.

Class-truth constraints are built in: S1 heads are people; S9 heads are garments with no person;
S11 heads carry a quoted text to render (`{t}`, filled from RENDER_TEXTS); S12 names real-world
landmarks, figures or events (never Chinese ones, which are S13); S14 heads are imaginary.
"""

from __future__ import annotations

from diffcurate.schemas import Language

SubjectBank = dict[str, list[str]]  # heads / states / settings

# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
SUBJECT_EN: dict[str, SubjectBank] = {
    "S1": {
        "heads": ["a young woman with freckles", "an elderly fisherman", "a street musician", "a ballet dancer", "two children",
                  "a nurse in blue scrubs", "a grandmother", "a teenage skateboarder", "a firefighter", "a bride", "a rock climber",
                  "a farmer in overalls", "a tattooed barista", "a jazz singer", "a marathon runner", "a young father", "an old tailor",
                  "a woman in a yellow raincoat", "a boy with a kite", "a pair of elderly friends", "a chef in a white apron",
                  "a girl with curly red hair", "a surfer", "a violinist", "a beekeeper", "a man with a grey beard"],
        "states": ["laughing at a joke", "reading a worn paperback", "playing an old violin", "looking out of a rain-streaked window",
                   "tying a pair of running shoes", "holding a steaming mug", "sketching in a notebook", "dancing barefoot",
                   "waiting for a train", "carrying a basket of apples", "smiling at the camera", "lost in thought",
                   "stretching after a long run", "mending a fishing net", "sharing a quiet conversation", "walking a small dog"],
        "settings": ["in a crowded subway car", "on a windswept pier", "in a sunlit kitchen", "on a busy market street", "in a quiet park",
                     "at a small wooden table", "on a rooftop at dusk", "in a field of tall grass", "beside a foggy harbour",
                     "in a cluttered workshop", "on the steps of an old library", "under a striped awning"],
    },
    "S2": {
        "heads": ["a red fox", "a snowy owl", "a pair of river otters", "a humpback whale", "a tabby cat", "a border collie",
                  "a green chameleon", "a herd of wild horses", "a ruby-throated hummingbird", "a sea turtle", "a lion cub",
                  "a flock of flamingos", "a hedgehog", "a grey wolf", "a barn owl", "a family of ducks", "a koala", "a snow leopard",
                  "a dairy cow", "a kingfisher", "a golden retriever puppy", "a bottlenose dolphin", "a brown bear", "a monarch butterfly"],
        "states": ["curled up asleep", "drinking from a stream", "stalking through the undergrowth", "leaping out of the water",
                   "grooming its fur", "perched on a branch", "watching the horizon", "splashing in a puddle", "resting after a hunt",
                   "feeding its young", "shaking off water", "peeking out from its burrow", "gliding low over the water"],
        "settings": ["in a snowy birch forest", "on a mossy rock", "in tall savanna grass", "by a frozen lake", "on a sandy riverbank",
                     "in a coral reef", "at the edge of a meadow", "in a misty marsh", "on a farmhouse porch", "among autumn leaves",
                     "on an arctic ice floe", "in a tropical rainforest"],
    },
    "S3": {
        "heads": ["a bowl of tonkotsu ramen", "a stack of blueberry pancakes", "a wood-fired margherita pizza", "a glass of iced matcha latte",
                  "a platter of fresh oysters", "a slice of lemon meringue tart", "a cheese board with grapes and figs",
                  "a steaming cup of hot chocolate", "a rustic sourdough loaf", "a bowl of tropical fruit salad", "three street tacos",
                  "a chocolate layer cake", "a gin cocktail with a lime wedge", "a plate of handmade pasta", "a bowl of pho",
                  "a breakfast of eggs and avocado toast", "a basket of warm croissants", "a glass of fresh orange juice",
                  "a plate of sushi rolls", "a bowl of spicy curry", "a strawberry milkshake", "a roast chicken with vegetables"],
        "states": ["garnished with fresh herbs", "dusted with powdered sugar", "drizzled with honey", "still steaming",
                   "topped with melting butter", "with a bite taken out", "served with a sprig of mint", "glistening with syrup",
                   "just out of the oven", "beaded with condensation", "sprinkled with sesame seeds"],
        "settings": ["on a marble countertop", "on a rustic wooden table", "on a linen tablecloth", "in a sunny cafe window",
                     "on a slate serving board", "at a street food stall", "on a picnic blanket", "beside a window with morning light",
                     "on a diner counter", "on a ceramic plate"],
    },
    "S4": {
        "heads": ["a cozy reading nook", "a minimalist Scandinavian living room", "an abandoned ballroom", "a cluttered artist's studio",
                  "a quiet hospital corridor", "a vintage barbershop interior", "a high-tech server room", "a candlelit wine cellar",
                  "an attic bedroom", "a school library", "a modern open-plan kitchen", "an empty classroom", "a hotel lobby",
                  "a tiny bathroom with green tiles", "a home office", "a grand museum hall", "a laundromat at night", "a walk-in pantry",
                  "a recording studio", "a waiting room of a train station"],
        "states": ["with sunlight streaming through tall windows", "filled with mismatched furniture", "with a crackling fireplace",
                   "with dust floating in the light", "lined with wooden shelves", "with rain tapping on the windows",
                   "lit by warm pendant lamps", "with a checkered floor", "with plants on every sill", "with peeling wallpaper",
                   "arranged with clean lines and soft rugs"],
        "settings": ["on a winter afternoon", "late at night", "early in the morning", "on a rainy evening", "after closing time",
                     "on a quiet Sunday", "at golden hour", "during a thunderstorm"],
    },
    "S5": {
        "heads": ["a glacier lake", "a red sandstone canyon", "rolling sand dunes", "a volcanic coastline", "a frozen tundra",
                  "a thunderstorm over the prairie", "a tropical lagoon", "a tall waterfall", "basalt columns by the sea", "a salt flat",
                  "a jagged mountain ridge", "a fjord", "a chalk cliff coastline", "a river delta", "a meadow of wildflowers below peaks",
                  "a foggy moor", "a desert oasis", "a black sand beach", "a cave opening onto the sea", "a snowy mountain pass"],
        "states": ["under a pastel sunrise", "beneath a sky full of stars", "after a summer storm", "wrapped in low clouds",
                   "glowing in the last light of day", "under a double rainbow", "swept by strong winds", "reflected in still water",
                   "covered in fresh snow", "under the northern lights", "shimmering in the midday heat"],
        "settings": ["in Iceland", "in the Scottish Highlands", "in Patagonia", "in the Sahara", "in the Rocky Mountains", "in New Zealand",
                     "on a remote island", "far from any road", "at the edge of the world", "in early spring"],
    },
    "S6": {
        "heads": ["a brutalist concrete library", "a row of Victorian townhouses", "a neon-lit alley", "a glass skyscraper",
                  "a cobblestone street", "a steel suspension bridge", "a red lighthouse", "a busy intersection", "a Gothic cathedral facade",
                  "a modernist villa", "a rooftop water tower", "a harbour town", "a covered market hall", "a spiral staircase tower",
                  "an old stone bridge", "a street of pastel houses", "a futuristic train station", "a crumbling factory",
                  "a canal lined with narrow houses", "a hillside village of white houses"],
        "states": ["at blue hour", "after the rain", "covered in ivy", "with lit windows", "under heavy snow", "in the morning fog",
                   "with laundry hanging between balconies", "reflected in wet pavement", "at rush hour", "with sunlight on the rooftops"],
        "settings": ["in Lisbon", "in an old European city", "in a dense downtown", "on a hill above the sea", "along a river",
                     "in a quiet suburb", "in a mountain town", "in a desert city", "by the harbour"],
    },
    "S7": {
        "heads": ["a vintage red convertible", "a steam locomotive", "a container ship", "a vintage motorcycle", "a hot air balloon",
                  "a double-decker bus", "a fighter jet", "a wooden sailboat", "a rusty pickup truck", "a racing bicycle", "a seaplane",
                  "a yellow taxi", "a space shuttle", "a red tram", "a fishing trawler", "an electric scooter", "a vintage camper van",
                  "a cargo plane", "a high-speed train", "a tugboat", "a rally car", "a black limousine"],
        "states": ["speeding along a coastal highway", "parked beside a gas station", "crossing a stone viaduct", "kicking up dust",
                   "taking off at dawn", "docked in a quiet harbour", "rounding a mountain bend", "waiting at a crossing",
                   "gleaming after a wash", "half buried in snow", "cutting through the waves"],
        "settings": ["in the desert", "on a rainy city street", "in the countryside", "at an old airfield", "on a winding mountain road",
                     "in a busy port", "on a salt flat", "beside a lake", "in a quiet village"],
    },
    "S8": {
        "heads": ["a blooming cherry tree", "a cluster of wild mushrooms", "a monstera plant", "a field of sunflowers", "a single red poppy",
                  "a bonsai juniper", "a lotus flower", "a collection of potted succulents", "a weeping willow", "a fern unfurling",
                  "a lavender field", "cascading wisteria", "a giant sequoia", "a bouquet of peonies", "a cactus in bloom",
                  "a bed of tulips", "an ancient olive tree", "a moss-covered log", "a climbing rose", "a dandelion gone to seed",
                  "a sprig of eucalyptus", "an orchid"],
        "states": ["covered in morning dew", "swaying in the wind", "in full bloom", "with petals falling", "catching the first light",
                   "heavy with raindrops", "turning gold in autumn", "pushing through the snow", "glowing in the sun", "wilting gently"],
        "settings": ["in a walled garden", "in a greenhouse", "on a forest floor", "beside a stone path", "in a terracotta pot",
                     "in a botanical garden", "on a windowsill", "along a country lane", "in a meadow"],
    },
    "S9": {
        "heads": ["a pair of suede ankle boots", "a silk evening gown on a dress form", "a leather messenger bag",
                  "a vintage denim jacket on a wooden hanger", "a pearl necklace", "a pair of high-top sneakers",
                  "a wool trench coat on a coat rack", "a straw sun hat", "a collection of silk ties", "a beaded clutch purse",
                  "a gold signet ring", "a folded knitted cardigan", "a pair of red stiletto heels", "a linen summer dress on a hanger",
                  "a tweed flat cap", "a pair of aviator sunglasses", "an embroidered kimono on a stand", "a canvas backpack",
                  "a velvet bow tie", "a pair of leather gloves", "a cashmere scarf", "a diamond tennis bracelet"],
        "states": ["neatly arranged", "with visible stitching", "catching the light", "freshly pressed", "with a price tag attached",
                   "slightly worn", "folded beside its box", "hanging alone", "shown in three colours"],
        "settings": ["displayed in a boutique window", "laid out on a linen sheet", "on a marble plinth", "in a walk-in wardrobe",
                     "on a vintage shop rail", "against a plain studio backdrop", "on a wooden bench", "in a glass display case"],
    },
    "S10": {
        "heads": ["an antique brass compass", "a vintage typewriter", "a wooden rocking chair", "a pocket knife", "an acoustic guitar",
                  "a tin robot toy", "a rotary telephone", "a green desk lamp", "a glass hourglass", "a film camera", "a ceramic vase",
                  "three blue cups and a yellow spoon", "a red book to the left of a white mug", "two wooden chairs and a round table",
                  "a set of chess pieces", "an old leather suitcase", "a stack of vinyl records", "a brass telescope", "a teddy bear",
                  "a cast-iron kettle", "a pair of scissors next to a spool of thread", "four colored markers in a cup", "a wind-up alarm clock",
                  "a hand-carved wooden bowl"],
        "states": ["covered in a thin layer of dust", "polished to a shine", "worn from years of use", "standing alone", "slightly open",
                   "arranged in a neat row", "casting a long shadow", "with a small chip on the edge", "brand new"],
        "settings": ["on a workbench", "on a wooden desk", "on a windowsill", "on a shelf", "in an antique shop", "on a plain white table",
                     "in a cardboard box", "on a bedside table", "on a kitchen counter"],
    },
    "S11": {
        "heads": ["a hand-painted shop sign that reads \"{t}\"", "a neon sign spelling \"{t}\"", "a vintage book cover titled \"{t}\"",
                  "a chalkboard menu with the words \"{t}\"", "a coffee cup printed with \"{t}\"", "a street mural with the slogan \"{t}\"",
                  "a concert poster with the title \"{t}\"", "a handwritten note that says \"{t}\"", "a wooden trail marker carved with \"{t}\"",
                  "a cake decorated with the words \"{t}\"", "a T-shirt printed with \"{t}\"", "a license plate reading \"{t}\"",
                  "a glowing billboard that says \"{t}\"", "an enamel pin with the text \"{t}\"", "a bottle label that reads \"{t}\""],
        "states": ["in bold letters", "in elegant cursive", "in chunky block capitals", "in hand-lettered script", "in retro serif type",
                   "in glowing letters", "in crisp white letters", "with every letter clearly legible"],
        "settings": ["on a brick wall", "above a shop door", "on a rainy street", "on a wooden table", "in a shop window",
                     "on a city bus stop", "at a night market", "on a cafe counter"],
    },
    "S12": {
        "heads": ["the Eiffel Tower", "the Golden Gate Bridge", "Machu Picchu", "the Sydney Opera House", "Mount Fuji", "the Colosseum",
                  "Stonehenge", "the Taj Mahal", "Big Ben and the Houses of Parliament", "Napoleon Bonaparte on horseback",
                  "the Apollo 11 moon landing", "the flag of Brazil", "an old map of the Mediterranean", "Albert Einstein at a blackboard",
                  "the Parthenon", "the rock city of Petra", "the Statue of Liberty", "the pyramids of Giza", "the Leaning Tower of Pisa",
                  "the Wright brothers' first flight", "Christ the Redeemer above Rio", "Neuschwanstein Castle", "the Brandenburg Gate",
                  "Cleopatra in her palace"],
        "states": ["at sunrise", "seen across the water", "under a stormy sky", "crowded with visitors", "as it looked centuries ago",
                   "in the evening light", "during a festival", "after a light snowfall", "faithful to history"],
        "settings": ["from the nearby hills", "from across the river", "from a quiet side street", "on a clear day", "in the off season",
                     "framed by trees", "from the main square"],
    },
    "S13": {
        "heads": ["red paper lanterns for the Spring Festival", "a woman in flowing hanfu", "a dragon boat race",
                  "a Chinese calligraphy scroll", "a pagoda on a misty mountain", "a display of mid-autumn mooncakes",
                  "a Peking opera mask", "a lion dance troupe", "a Suzhou classical garden", "a blue and white porcelain vase",
                  "the Great Wall winding over green hills", "a silk qipao with plum blossom embroidery", "the Monkey King Sun Wukong",
                  "a jade carving of a dragon", "a gongfu tea ceremony with a Yixing teapot", "a Beijing siheyuan courtyard",
                  "a Chinese paper-cut of a rooster", "a temple fair with sugar figurines", "the Forbidden City", "a water town in Jiangnan",
                  "terracotta warriors", "a family making dumplings for the New Year"],
        "states": ["decorated for the New Year", "under falling plum blossoms", "during the Lantern Festival", "in the spring rain",
                   "surrounded by incense smoke", "with gold and red details", "beneath a full autumn moon", "in quiet morning mist"],
        "settings": ["in an old hutong", "beside a willow-lined canal", "in a mountain temple", "in a courtyard with a moon gate",
                     "on a stone bridge", "by a lotus pond", "in an ancient Chinese town"],
    },
    "S14": {
        "heads": ["a floating island with waterfalls pouring into the clouds", "a clockwork whale swimming through the sky",
                  "an abstract composition of interlocking circles", "a crystal forest on an alien planet",
                  "a giant jellyfish drifting over a desert", "a library where books fly like birds", "a fractal spiral pattern",
                  "a dragon made of stained glass", "a city built on the back of a giant turtle", "a staircase that loops into itself",
                  "a portal of swirling light", "a bioluminescent alien creature", "a forest of giant glowing mushrooms on another world",
                  "a moon made of porcelain", "a tessellated pattern of hexagons", "a robot tending a garden on Mars",
                  "a phoenix rising from liquid gold", "an upside-down waterfall", "a sea of clouds with whales of light",
                  "flowing ribbons of colour with no recognisable form"],
        "states": ["defying gravity", "pulsing with soft light", "made of shifting geometry", "slowly dissolving into particles",
                   "shimmering with impossible colours", "frozen in an endless moment", "growing in every direction"],
        "settings": ["in a dimension of pure colour", "under three moons", "at the edge of the universe", "inside a dream",
                     "in a sky of floating rocks", "on a planet of glass", "in an impossible landscape"],
    },
}

SUBJECT_ZH: dict[str, SubjectBank] = {
    "S1": {"heads": ["一位戴草帽的老农", "一个扎马尾的小女孩", "一位穿西装的年轻男子", "一位街头小提琴手", "两个在奔跑的孩子", "一位白发奶奶",
                     "一名消防员", "一位芭蕾舞者", "一位厨师", "一个滑板少年"],
           "states": ["开心地笑着", "安静地读书", "低头弹吉他", "望向窗外", "端着一杯热茶", "在认真画画"],
           "settings": ["在热闹的菜市场", "在阳光明媚的厨房里", "在下雨的街头", "在公园的长椅上", "在海边的码头", "在老旧的书店里"]},
    "S2": {"heads": ["一只橘猫", "一只小狐狸", "一只雪鸮", "一群火烈鸟", "一只金毛犬", "一头大象", "一只海龟", "一匹白马", "一只刺猬", "一只翠鸟"],
           "states": ["蜷成一团睡觉", "在溪边喝水", "好奇地张望", "在草地上奔跑", "停在树枝上", "在水中嬉戏"],
           "settings": ["在雪地里", "在长满青苔的石头上", "在草原上", "在湖边", "在热带雨林中", "在秋天的落叶里"]},
    "S3": {"heads": ["一碗热腾腾的牛肉面", "一盘草莓蛋糕", "一杯拿铁咖啡", "一份寿司拼盘", "一碗麻辣火锅", "一篮刚出炉的面包",
                     "一杯鲜榨橙汁", "一盘意大利面", "一碗水果沙拉", "一份煎蛋早餐"],
           "states": ["冒着热气", "撒着芝麻", "点缀着薄荷叶", "淋着蜂蜜", "刚刚出锅"],
           "settings": ["放在木桌上", "摆在大理石台面上", "放在窗边", "摆在野餐布上", "放在白色瓷盘里"]},
    "S4": {"heads": ["一间温馨的客厅", "一间极简风格的卧室", "一间堆满画具的画室", "一间安静的图书馆阅览室", "一间现代开放式厨房",
                     "一间空荡荡的教室", "一间复古理发店", "一间酒店大堂"],
           "states": ["阳光从大窗户洒进来", "摆满了木质书架", "亮着暖黄色的吊灯", "壁炉里火光跳动", "窗台上放着绿植"],
           "settings": ["在冬日午后", "在深夜", "在清晨", "在下雨的傍晚"]},
    "S5": {"heads": ["一片冰川湖", "连绵的沙丘", "一道高高的瀑布", "一片盐湖", "陡峭的雪山山脊", "一片开满野花的草甸", "一片黑色沙滩", "一处峡湾"],
           "states": ["笼罩在薄雾中", "倒映在平静的水面上", "沐浴在落日余晖里", "覆盖着新雪", "头顶是满天繁星", "风暴刚刚过去"],
           "settings": ["在冰岛", "在高原上", "在遥远的海岛", "在沙漠深处", "在初春时节"]},
    "S6": {"heads": ["一条鹅卵石小街", "一座玻璃摩天大楼", "一排彩色的联排别墅", "一座钢铁吊桥", "一座红色灯塔", "一条霓虹小巷", "一座哥特式教堂",
                     "一个繁忙的十字路口"],
           "states": ["在蓝调时刻亮起灯光", "雨后倒映在湿漉漉的路面上", "爬满了常春藤", "笼罩在晨雾中", "积着厚厚的雪"],
           "settings": ["在欧洲老城里", "在繁华的市中心", "在海边的山坡上", "沿着河岸"]},
    "S7": {"heads": ["一辆红色复古敞篷车", "一列蒸汽火车", "一艘集装箱货轮", "一辆复古摩托车", "一只热气球", "一辆双层巴士", "一艘木帆船",
                     "一辆黄色出租车", "一架水上飞机", "一列高铁"],
           "states": ["在海岸公路上飞驰", "停在加油站旁", "驶过石拱桥", "扬起一路尘土", "在清晨起飞", "破浪前行"],
           "settings": ["在沙漠中", "在下雨的城市街道上", "在乡间小路上", "在繁忙的港口", "在蜿蜒的山路上"]},
    "S8": {"heads": ["一棵盛开的樱花树", "一簇野生蘑菇", "一株龟背竹", "一片向日葵花田", "一朵红色罂粟花", "一盆多肉植物", "一片薰衣草田",
                     "垂落的紫藤花", "一束牡丹", "一棵古老的橄榄树"],
           "states": ["挂着晨露", "在风中摇曳", "开得正盛", "花瓣缓缓飘落", "沐浴着第一缕阳光"],
           "settings": ["在花园里", "在温室中", "在森林的地面上", "在陶土花盆里", "在窗台上"]},
    "S9": {"heads": ["一双麂皮短靴", "一件挂在衣架上的丝绸晚礼服", "一只皮革邮差包", "一条珍珠项链", "一双高帮运动鞋", "一件羊毛风衣",
                     "一顶草编遮阳帽", "一只串珠手拿包", "一双红色高跟鞋", "一条羊绒围巾"],
           "states": ["整齐地摆放着", "缝线清晰可见", "在灯光下闪闪发亮", "刚刚熨烫过", "挂着价签"],
           "settings": ["陈列在精品店橱窗里", "平铺在亚麻布上", "放在大理石展台上", "挂在复古衣架上", "放在玻璃展柜中"]},
    "S10": {"heads": ["一个黄铜罗盘", "一台老式打字机", "一把木摇椅", "一把木吉他", "一个铁皮机器人玩具", "一部转盘电话", "一盏绿色台灯",
                      "一个玻璃沙漏", "三个蓝色杯子和一把黄色勺子", "一只旧皮箱"],
            "states": ["落满了灰尘", "被擦得锃亮", "有多年使用的痕迹", "整齐地排成一排", "投下长长的影子"],
            "settings": ["放在工作台上", "放在木书桌上", "放在窗台上", "摆在书架上", "放在白色桌面上"]},
    "S11": {"heads": ["一块写着“{t}”的手绘招牌", "一个闪着“{t}”字样的霓虹灯牌", "一本书名为“{t}”的旧书封面", "一块写着“{t}”的黑板菜单",
                      "一张标题为“{t}”的音乐会海报", "一张写着“{t}”的手写便条", "一个印着“{t}”的咖啡杯", "一块写着“{t}”的路牌"],
            "states": ["字体粗壮醒目", "用优雅的手写体", "每个字都清晰可读", "用复古衬线字体"],
            "settings": ["挂在砖墙上", "挂在店门上方", "立在雨夜的街头", "放在木桌上", "贴在橱窗里"]},
    "S12": {"heads": ["埃菲尔铁塔", "金门大桥", "马丘比丘", "悉尼歌剧院", "富士山", "罗马斗兽场", "巨石阵", "泰姬陵", "自由女神像", "吉萨金字塔",
                      "一张古老的地中海地图", "阿波罗11号登月"],
            "states": ["在日出时分", "在暴风雨的天空下", "挤满了游客", "在傍晚的余晖中", "还原历史原貌"],
            "settings": ["从远处的山丘上看", "隔着河流远眺", "从广场上看"]},
    "S13": {"heads": ["春节的红灯笼", "一位身穿汉服的女子", "一场龙舟比赛", "一幅书法卷轴", "云雾中的古塔", "中秋月饼", "京剧脸谱", "一支舞狮队",
                      "苏州园林", "青花瓷花瓶", "蜿蜒的长城", "一件绣着梅花的旗袍", "齐天大圣孙悟空", "一尊玉雕龙", "功夫茶茶席", "北京四合院",
                      "一幅剪纸窗花", "故宫", "江南水乡", "兵马俑", "一家人围坐包饺子"],
            "states": ["张灯结彩迎新年", "梅花纷纷飘落", "正值元宵佳节", "沐浴在春雨中", "香火缭绕", "金红相间", "一轮满月当空"],
            "settings": ["在古老的胡同里", "在垂柳依依的河边", "在山间古寺中", "在有月亮门的庭院里", "在石拱桥上", "在荷花池边"]},
    "S14": {"heads": ["一座漂浮在云端的岛屿", "一头在天空中游动的发条鲸鱼", "一片外星球上的水晶森林", "一只巨大的水母漂浮在沙漠上空",
                      "一座建在巨龟背上的城市", "一道旋转的光之门", "一只发光的外星生物", "由交错圆环组成的抽象构图", "一片分形螺旋图案",
                      "一座倒流的瀑布"],
            "states": ["违背重力", "散发着柔和的光芒", "不断变换着几何形状", "慢慢化为粒子", "闪烁着不可思议的色彩"],
            "settings": ["在纯粹色彩的维度里", "在三个月亮之下", "在宇宙的边缘", "在梦境之中"]},
}

# Texts a S11 prompt asks to render (short: diffusion models render a few words).
RENDER_TEXTS_EN = ["OPEN LATE", "Fresh Bread Daily", "Moonlight Cafe", "Stay Curious", "The Last Voyage", "Hello World", "NO PARKING",
                   "Good Vibes Only", "Salt & Pepper", "Welcome Home", "EST. 1987", "Dream Big", "Coffee First", "Lost & Found",
                   "The Quiet Garden", "SALE 50% OFF", "Midnight Radio", "Thank You", "North Star Books", "Keep Going"]
RENDER_TEXTS_ZH = ["欢迎光临", "新年快乐", "今日特价", "山水茶馆", "好好生活", "禁止停车", "平安喜乐", "老街面馆", "星光书店", "早安"]

# Per style: required keywords (at least one names the treatment; given to an LLM as a
# requirement), prefix phrases ("… of") and trailing clauses.
StyleBank = dict[str, list[str]]

STYLE_EN: dict[str, StyleBank] = {
    "T1": {"keywords": ["photo", "photograph", "photorealistic", "DSLR"],
           "prefix": ["a photograph of", "a candid photo of", "a DSLR photo of", "a realistic photo of", "a documentary photo of"],
           "suffix": ["photorealistic", "natural light photography", "high-resolution photo", "captured on a full-frame camera", "realistic photo"]},
    "T2": {"keywords": ["oil painting", "watercolor", "charcoal", "pencil drawing", "ink wash", "gouache"],
           "prefix": ["an oil painting of", "a watercolor painting of", "a charcoal sketch of", "a pencil drawing of", "an ink wash painting of",
                      "an impressionist painting of", "a gouache painting of"],
           "suffix": ["oil on canvas", "in loose watercolor washes", "painted in the manner of a classical oil painting", "graphite on paper",
                      "with visible impasto brushstrokes", "soft pastel drawing"]},
    "T3": {"keywords": ["digital illustration", "anime", "cartoon", "comic", "pixel art", "vector", "concept art"],
           "prefix": ["a digital illustration of", "an anime illustration of", "a flat vector illustration of", "a comic book panel of",
                      "pixel art of", "concept art of", "a cartoon drawing of", "a children's book illustration of"],
           "suffix": ["digital art", "in anime style", "cel-shaded illustration", "16-bit pixel art", "comic book style", "concept art"]},
    "T4": {"keywords": ["3D render", "CGI", "octane render", "Unreal Engine", "low poly", "clay", "voxel"],
           "prefix": ["a 3D render of", "a low poly model of", "a claymation scene of", "an isometric voxel scene of", "a CGI render of"],
           "suffix": ["octane render", "rendered in Unreal Engine 5", "Blender 3D render", "ray-traced CGI", "soft clay 3D style", "low poly 3D"]},
    "T5": {"keywords": ["cinematic", "film still", "movie scene", "anamorphic", "film grain", "noir"],
           "prefix": ["a cinematic film still of", "a movie scene of", "a noir film still of", "a cinematic shot of"],
           "suffix": ["cinematic lighting", "anamorphic lens flare", "35mm film grain", "cinematic color grading", "film noir atmosphere",
                      "still from an epic movie"]},
    "T6": {"keywords": ["poster", "logo", "graphic design", "infographic", "layout", "flat design"],
           "prefix": ["a minimalist poster of", "a flat graphic design of", "a logo design featuring", "a vintage travel poster of",
                      "a magazine cover layout featuring", "a sticker design of", "an infographic-style diagram of"],
           "suffix": ["clean vector graphic design", "bold flat colors, poster layout", "Swiss-style graphic design", "minimalist logo design",
                      "screen-printed poster style"]},
    "T7": {"keywords": ["collage", "glitch", "double exposure", "surreal", "dreamy", "ethereal", "vaporwave"],
           "prefix": ["a surreal collage of", "a double exposure of", "a glitch art image of", "a vaporwave artwork of",
                      "a dreamy, ethereal image of", "a mixed-media collage of"],
           "suffix": ["mixed media collage", "with glitch distortion", "double exposure effect", "vaporwave aesthetic",
                      "dreamlike and ethereal", "surreal experimental art"]},
}

STYLE_ZH: dict[str, StyleBank] = {
    "T1": {"keywords": ["摄影", "照片", "写实"], "prefix": ["一张真实照片：", "摄影作品，", "纪实摄影，"], "suffix": ["写实摄影", "自然光摄影", "高清照片"]},
    "T2": {"keywords": ["油画", "水彩", "素描", "铅笔画"], "prefix": ["一幅油画：", "一幅水彩画：", "一幅素描：", "一幅铅笔画："],
           "suffix": ["布面油画", "水彩晕染", "炭笔素描", "厚涂笔触"]},
    "T3": {"keywords": ["插画", "动漫", "卡通", "像素"], "prefix": ["数字插画：", "动漫风格插画：", "扁平矢量插画：", "像素画："],
           "suffix": ["数字插画风格", "日系动漫风", "卡通风格", "漫画风格"]},
    "T4": {"keywords": ["3D渲染", "建模", "OC渲染", "虚幻引擎"], "prefix": ["3D渲染：", "C4D建模：", "低多边形3D模型："],
           "suffix": ["OC渲染", "虚幻引擎5渲染", "3D渲染", "黏土风格3D"]},
    "T5": {"keywords": ["电影", "剧照", "胶片"], "prefix": ["电影剧照：", "电影镜头：", "黑色电影画面："], "suffix": ["电影感光影", "胶片颗粒", "电影级调色"]},
    "T6": {"keywords": ["海报", "平面设计", "标志", "版式"], "prefix": ["极简海报设计：", "平面设计：", "标志设计："], "suffix": ["平面设计风格", "扁平海报风格", "极简版式设计"]},
    "T7": {"keywords": ["拼贴", "双重曝光", "故障艺术", "梦幻", "蒸汽波"], "prefix": ["超现实拼贴：", "双重曝光：", "故障艺术："],
           "suffix": ["梦幻空灵", "蒸汽波美学", "实验性混合媒介", "故障艺术效果"]},
}

CameraBank = dict[str, list[str]]

CAMERA_EN: dict[str, CameraBank] = {
    "C1": {"prefix": [], "suffix": ["at eye level", "straight-on view", ""]},
    "C2": {"prefix": ["a close-up of", "a macro shot of", "an extreme close-up of"], "suffix": ["macro lens", "close-up detail shot", "extreme close-up"]},
    "C3": {"prefix": ["a wide-angle view of", "a panoramic view of"], "suffix": ["wide-angle shot", "fisheye lens", "sweeping panorama"]},
    "C4": {"prefix": ["an aerial view of", "a top-down view of", "a drone shot of", "a bird's-eye view of"],
           "suffix": ["seen from above", "overhead flat lay", "aerial drone photo"]},
    "C5": {"prefix": ["a low-angle shot of"], "suffix": ["shot from a low angle looking up", "worm's-eye view", "low-angle perspective"]},
    "C6": {"prefix": [], "suffix": ["shallow depth of field", "soft bokeh background", "85mm portrait lens at f/1.4", "blurred background"]},
    "C7": {"prefix": ["a long exposure of"], "suffix": ["long exposure", "motion blur", "light trails streaking past"]},
    "C8": {"prefix": [], "suffix": ["dramatic rim lighting", "chiaroscuro lighting", "volumetric light rays", "moody dramatic lighting"]},
}

CAMERA_ZH: dict[str, CameraBank] = {
    "C1": {"prefix": [], "suffix": ["平视视角", ""]},
    "C2": {"prefix": ["特写："], "suffix": ["微距镜头", "特写镜头"]},
    "C3": {"prefix": ["全景："], "suffix": ["广角镜头", "全景视角"]},
    "C4": {"prefix": ["航拍："], "suffix": ["航拍视角", "俯视图"]},
    "C5": {"prefix": [], "suffix": ["低角度仰拍", "仰视视角"]},
    "C6": {"prefix": [], "suffix": ["浅景深", "背景虚化"]},
    "C7": {"prefix": [], "suffix": ["长曝光", "动态模糊"]},
    "C8": {"prefix": [], "suffix": ["戏剧性光影", "伦勃朗光", "体积光"]},
}
# fmt: on

SUBJECTS = {Language.EN: SUBJECT_EN, Language.ZH: SUBJECT_ZH}
STYLES = {Language.EN: STYLE_EN, Language.ZH: STYLE_ZH}
CAMERAS = {Language.EN: CAMERA_EN, Language.ZH: CAMERA_ZH}
RENDER_TEXTS = {Language.EN: RENDER_TEXTS_EN, Language.ZH: RENDER_TEXTS_ZH}
