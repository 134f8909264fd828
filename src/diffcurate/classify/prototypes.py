"""Example prompts per taxonomy code: the zero-shot embedding backend's class prototypes.

Written by hand from the taxonomy's meanings (no labelled data): short, typical benchmark-style
prompts in English and Chinese. A code's prototype is the normalised mean of its examples'
embeddings. For styles and cameras the default codes (T1, C1) describe plain prompts, so that a
prompt is moved off the default only when it resembles a specific treatment more than a plain one.
"""

from __future__ import annotations

from diffcurate.taxonomy import Axis

# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
EXAMPLES: dict[Axis, dict[str, list[str]]] = {
    Axis.SUBJECT: {
        "S1": ["a portrait of a young woman smiling", "an old man reading a newspaper on a bench", "a group of children playing soccer in a park",
               "a chef cooking in a restaurant kitchen", "a girl wearing a red dress and a straw hat", "a businessman in a suit walking down the street",
               "a couple dancing at a wedding", "a boy holding a puppy", "an astronaut floating in space", "a warrior princess holding a sword",
               "a close-up of a man's face with a beard", "a woman sitting at a cafe table drinking tea",
               "一位年轻女子的肖像，微笑着", "一个小男孩在公园里奔跑", "1女孩，单独，长发，看着观众", "一位老人坐在窗边读书"],
        "S2": ["a dog running on the beach", "a cat sleeping on a windowsill", "a bird perched on a branch", "a herd of elephants in the savanna",
               "a tiger walking through tall grass", "a horse grazing in a field", "a red fox in the snow", "two penguins on the ice",
               "a fish swimming in a coral reef", "an owl with big yellow eyes",
               "一只猫在沙发上睡觉", "草地上奔跑的小狗", "一只站在树枝上的鸟"],
        "S3": ["a bowl of ramen with a soft boiled egg", "a slice of chocolate cake on a plate", "a cup of coffee with latte art",
               "fresh fruit on a wooden table", "a pepperoni pizza", "a glass of red wine", "a hamburger and fries", "sushi on a platter",
               "a stack of pancakes with syrup", "a loaf of bread in a basket", "一碗热气腾腾的牛肉面", "桌上的一盘水果和一杯果汁"],
        "S4": ["a cozy living room with a fireplace", "a modern kitchen interior", "a bedroom with a large window", "an office with desks and computers",
               "a library full of bookshelves", "the inside of a coffee shop", "a bathroom with a bathtub", "an empty classroom",
               "a restaurant dining room", "a hallway in an old house", "明亮的客厅，沙发和落地窗", "书房里摆满了书架"],
        "S5": ["snowy mountains under a blue sky", "a beach at sunset", "a forest in autumn", "sand dunes in the desert",
               "a waterfall in the jungle", "a lake reflecting the mountains", "storm clouds over the ocean", "rolling green hills",
               "the northern lights over a frozen lake", "a misty valley at dawn", "夕阳下的海滩", "雪山和湖泊的风景"],
        "S6": ["a city skyline at night", "a narrow street in an old town", "a modern glass skyscraper", "a bridge over a river in a city",
               "a busy shopping street", "a church with a tall tower", "a row of colorful houses", "a castle on a hill",
               "a train station building", "a futuristic city with flying cars", "夜晚的城市天际线", "古镇的小街道"],
        "S7": ["a red sports car on a road", "a steam train crossing a bridge", "an airplane in the sky", "a sailboat on the sea",
               "a bicycle leaning against a wall", "a motorcycle parked on the street", "a yellow school bus", "a rocket launching into space",
               "a vintage pickup truck", "a helicopter flying over the city", "一辆红色跑车停在路边", "海上航行的帆船"],
        "S8": ["a red rose in bloom", "a bouquet of sunflowers", "a tall oak tree", "a garden full of tulips", "mushrooms growing on a log",
               "a cactus in a pot", "cherry blossom branches", "green leaves with dew drops", "a bonsai tree", "a field of lavender",
               "盛开的荷花", "一棵高大的松树"],
        "S9": ["a pair of red high heel shoes", "a leather handbag", "a wedding dress on a mannequin", "a denim jacket on a hanger",
               "a gold necklace with a pendant", "a pair of white sneakers", "a silk scarf", "a luxury wristwatch", "a knitted wool sweater",
               "a collection of hats", "一双红色高跟鞋", "一条丝绸围巾"],
        "S10": ["a red cup on a table", "a wooden chair", "an old clock", "a teddy bear", "three apples and two bananas", "a lamp next to a book",
                "a guitar leaning on the wall", "a vase on the left of a bottle", "a hammer and some nails", "a smartphone on a desk",
                "a photo of a toaster", "a blue bowl and a green spoon", "桌子上放着一个杯子", "一把木椅子", "三个红色的气球"],
        "S11": ["a sign that says hello", "a poster with a title in bold letters", "a book cover with the title", "a neon sign reading open",
                "a logo with the company name", "a handwritten note", "a bottle label that reads organic", "a billboard with a slogan",
                "a t-shirt printed with words", "a storefront sign with the shop name", "一张写着欢迎光临的海报", "招牌上写着店名"],
        "S12": ["the eiffel tower in paris", "the great pyramids of giza", "the statue of liberty", "a portrait of abraham lincoln",
                "the flag of japan", "a map of europe", "the colosseum in rome", "the mona lisa", "the taj mahal at sunrise",
                "the moon landing in 1969", "埃菲尔铁塔", "一张世界地图"],
        "S13": ["chinese new year red lanterns", "a woman wearing hanfu", "chinese calligraphy with a brush", "a pagoda in the mountains",
                "a traditional chinese ink wash landscape", "a dragon dance at the spring festival", "the forbidden city", "making dumplings for the spring festival",
                "a chinese temple with red pillars", "the great wall of china", "春节的红灯笼", "穿着汉服的女子", "水墨山水画", "古代宫殿和宝塔"],
        "S14": ["an abstract painting with colorful shapes", "a surreal dreamscape", "a dragon breathing fire", "an alien planet with two moons",
                "a geometric pattern", "a floating island in the sky", "a unicorn in a magical forest", "a cyberpunk world", "a melting clock",
                "a fantasy castle in the clouds", "超现实的梦境", "奇幻的外星世界"],
    },
    Axis.STYLE: {
        "T1": ["a photo of a dog on the grass", "a photograph of a street", "a red car", "a woman reading a book", "a bowl of fruit on a table",
               "a realistic photo of a mountain lake", "一只猫坐在窗台上", "一张照片"],
        "T2": ["an oil painting of a harbor", "a watercolor painting of flowers", "an ink wash painting", "a pencil sketch of a face",
               "a charcoal drawing", "a classical renaissance painting", "in the style of van gogh", "油画风格", "水彩画"],
        "T3": ["a digital illustration", "concept art of a spaceship", "anime style girl", "a cartoon character", "a comic book panel",
               "pixel art", "flat vector illustration", "动漫风格", "卡通插画"],
        "T4": ["a 3d render", "cgi, octane render", "unreal engine 5", "low poly model", "claymation figure", "voxel art", "blender render",
               "三维渲染", "C4D 渲染"],
        "T5": ["a film still from a movie", "cinematic lighting, movie scene", "anamorphic lens flare", "35mm film grain", "film noir",
               "电影画面", "电影感"],
        "T6": ["a poster design", "a minimalist logo", "an infographic", "a magazine layout", "a mobile app ui design", "typographic poster",
               "海报设计", "标志设计"],
        "T7": ["a collage", "glitch art", "double exposure", "surreal dreamy ethereal atmosphere", "vaporwave aesthetic", "mixed media",
               "梦幻空灵的氛围", "拼贴艺术"],
    },
    Axis.CAMERA: {
        "C1": ["a dog on the grass", "a house by a road", "a woman in a park", "a cup on a table", "一只猫", "一栋房子"],
        "C2": ["a close-up of", "macro photo of a bee", "extreme close-up detail shot", "特写镜头", "微距摄影"],
        "C3": ["wide angle shot", "panoramic view", "a sweeping vista", "fisheye lens", "广角镜头", "全景"],
        "C4": ["aerial view", "drone shot from above", "overhead top-down view", "bird's eye view", "flat lay", "航拍", "俯视图"],
        "C5": ["low angle shot", "looking up at", "worm's eye view", "仰视角度", "仰拍"],
        "C6": ["shallow depth of field", "bokeh background", "blurred background", "85mm portrait lens", "背景虚化", "浅景深"],
        "C7": ["long exposure", "motion blur", "light trails at night", "fast action shot", "长曝光", "动态模糊"],
        "C8": ["dramatic lighting", "rim light", "chiaroscuro", "volumetric light rays", "戏剧性的光影", "逆光"],
    },
}
# fmt: on
