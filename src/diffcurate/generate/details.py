"""Detail sentences of the offline expander: concrete visual detail keyed by subject, style, camera.

Each detail is a whole sentence (alternatives `[a|b]` drawn when it is used), so an expanded prompt
stays sentence-shaped. A detail may apply only to some prompts: `needs` is a pattern the prompt must
match (feathers need a bird, a crust needs something baked, canvas weave needs an oil painting).
Every detail's tags (compat.py) are checked against the prompt before it is added, so no morning
light is added to a night scene and no soft blur to a pixel-art prompt.

Generic banks (colour, lighting, atmosphere, composition) never name a style or camera treatment
(no "cinematic", "dramatic lighting", "bokeh", "close-up" …), nor a subject's keywords: expansion
must not move a prompt to another code; `tests/test_generate.py` checks this against the
classifier's phrase lists. The style and camera banks reinforce the prompt's own treatment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diffcurate.schemas import Language


@dataclass(frozen=True, slots=True)
class Detail:
    text: str  # a sentence, `[a|b]` alternatives allowed
    needs: re.Pattern | None = None  # the prompt must match this for the detail to apply


def D(text: str, needs: str | None = None) -> Detail:
    return Detail(text, re.compile(needs, re.IGNORECASE) if needs else None)


# What a prompt mentions, for details that apply only to some heads.
_FUR = (
    r"\b(fox|wolf|bear|leopard|lion|tiger|cat|dog|rabbit|horse|deer|fawn|stag|hedgehog|raccoons?|badger|lynx|coyote|jackal|puppy|cub|"
    r"sheep|goat|donkey|pony|wolverine|hare|moose|bison|ibex|boar|collie|terrier|beagle|dachshund|spaniel|retriever|otters?|seal)\b"
)
_BIRD = (
    r"\b(owl|kingfisher|robin|wren|magpie|jay|blackbird|hummingbird|flamingos?|heron|eagle|macaws?|ducks?|mallards?|ducklings?|puffin|"
    r"toucan|peacock|cockatoo|bird|phoenix|griffin)\b"
)
_SEA = r"\b(whale|turtle|dolphins?|seal|fish|ray|walrus|octopus|otters?)\b"
_BAKED = r"\b(cake|tart|pie|croissants?|loaf|bread|buns?|pancakes|cheesecake|doughnuts?|pizza|sourdough)\b"
_HOT = r"\b(ramen|pho|curry|stew|soup|pasta|ravioli|tagliatelle|gnocchi|chicken|pizza|tacos|burger|fajitas|shakshuka|skewers|dumplings|hot chocolate|steaming)\b"
_DRINK = r"\b(glass|milkshake|cocktail|juice|lemonade|iced tea|smoothie|pint|latte|tumbler)\b"
_FLOWER = (
    r"\b(blossoms?|blooming|bloom|flowers?|popp(y|ies)|peon(y|ies)|tulips?|roses?|lotus|orchid|wisteria|sunflowers?|lavender|foxgloves|"
    r"hollyhocks|wildflowers?)\b"
)
_TREE = r"\b(tree|sequoia|oak|willow|birch|maple|pine|baobab|juniper|olive)\b"
_FUNGUS = r"\b(mushrooms?|toadstools?|fern|moss)\b"
_LEAF = r"\b(monstera|succulents|cactus|eucalyptus|pothos|fig|plant|bonsai|basil|rosemary|mint|terrarium)\b"
_SANDY = r"\b(beach|dunes?|desert|sand|salt flat|oasis|canyon|mesa|shore|coast\w*)\b"
_PEAKS = r"\b(mountains?|peaks?|ridges?|pass|fjord|valley|alps|dolomites|andes|himalayas|highlands)\b"
_GREEN = r"\b(meadow|hills|moor|forest|valley|tundra|highlands|fjord|pine|larch|gorge|waterfall)\b"
_WATER = r"\b(lake|river|waterfall|stream|delta|lagoon|fjord|sea|ocean|shore)\b"
_CAR = r"\b(car|truck|taxi|limousine|bus|van|motorcycle|bicycle|bike|scooter)\b"
_SHIP = r"\b(ship|boat|sailboat|tugboat|ferry)\b"
_PLANE = r"\b(plane|airplane|jet|biplane|seaplane|helicopter|shuttle)\b"
_TRAIN = r"\b(train|locomotive|tram)\b"
_LEATHER = r"\b(boots|shoes|sneakers|brogue|loafer|heels|bag|satchel|backpack|tote|jacket|wallet)\b"
_CLOTH = r"\b(dress|shirt|coat|kimono|jumper|cardigan|scarf|hat|cap|fedora|gown)\b"
_JEWEL = r"\b(necklace|ring|bracelet|earrings|wristwatch|pendant|bangles|jewelry)\b"
_EVENT = r"\b(landing|flight|signing|address|fall of|curie|einstein|napoleon|cleopatra|lincoln)\b"
_OUTDOOR = (
    r"\b(sky|clouds|hills?|mountains?|coast|beach|desert|field|meadow|street|square|harbour|park|forest|wood|valley|shore)\b"
)

# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
SUBJECT_DETAIL_EN: dict[str, list[Detail]] = {
    "S1": [D("The skin shows natural texture and [faint|tiny] freckles."), D("The expression is [calm|thoughtful|open|amused]."),
           D("Loose strands of hair catch the light."), D("The clothes are [rumpled|well worn|neatly pressed] and [practical|layered]."),
           D("A [small|faint] smile plays at the corners of the mouth."), D("The posture is [relaxed|upright|slightly hunched]."),
           D("Both hands look [weathered|steady|calloused]."), D("Laugh lines crease around the eyes.")],
    "S2": [D("Every hair of the coat is [crisp|sharp|distinct].", _FUR), D("The fur is [thick|dense|soft] and [ruffled|glossy] by the wind.", _FUR),
           D("Whiskers hold [tiny beads of water|the light].", _FUR), D("Feathers carry an [oily|glossy|soft] sheen.", _BIRD),
           D("Each feather is [crisp|neatly layered].", _BIRD), D("Water beads and runs off the [skin|back].", _SEA),
           D("Ripples of light [play|dance] across the body.", _SEA), D("The eyes are [amber|bright|dark|glassy] and [alert|calm|curious|wary]."),
           D("Fine markings [stripe|dapple] the [coat|body].")],
    "S3": [D("The crust is [golden|flaky|crackled] and [crisp|blistered].", _BAKED), D("Thin wisps of steam rise from it.", _HOT),
           D("[Tiny|Fine] bubbles cling to the [glass|rim].", _DRINK), D("Glossy sauce pools at the edges.", _HOT),
           D("Crumbs are scattered across the board.", _BAKED), D("Fresh herbs and cracked pepper add a [bright|sharp] contrast."),
           D("A [speckled|hand-thrown|chipped] ceramic bowl sits nearby."), D("Every ingredient looks fresh and [glossy|bright].")],
    "S4": [D("The floorboards are [worn|scuffed|honey-coloured] oak."), D("Linen curtains [stir|hang] at the windows."),
           D("Brass fittings [gleam|glint] on [painted|pale] woodwork."), D("A velvet armchair sits in the corner."),
           D("The walls are pale plaster, [softly|slightly] uneven."), D("A rag rug covers part of the floor."),
           D("Paperbacks and a ceramic jar crowd a shelf.")],
    "S5": [D("Rippled sand and scattered pebbles fill the foreground.", _SANDY), D("Jagged rocks are streaked with minerals."),
           D("Low grasses bend in the wind.", _GREEN), D("Layers of distant ridges fade into haze.", _PEAKS),
           D("Clear water runs over smooth stones.", _WATER), D("Wisps of cloud cling to the peaks.", _PEAKS),
           D("[Lichen|Moss] spreads over the [boulders|rocks].", _GREEN)],
    "S6": [D("Weathered brick and wrought-iron balconies line the view."), D("Glass facades reflect the [clouds|light]."),
           D("Wet cobblestones [shine|gleam] between painted shutters."), D("Terracotta roof tiles climb in uneven rows."),
           D("Tiny lit windows run in rows."), D("Rusted steel beams meet [rough|pale] concrete.")],
    "S7": [D("Chrome trim catches the light.", _CAR), D("[Chipped paint|Rust] shows along the panels.", _CAR), D("The tyres are [mud-splashed|worn|new].", _CAR),
           D("Rivets run along the steel hull.", _SHIP), D("Salt [streaks|stains] the hull.", _SHIP), D("Panel lines run along the fuselage.", _PLANE),
           D("Steam [curls|drifts] around the wheels.", _TRAIN), D("The paintwork is [glossy|faded|scratched] but well kept.")],
    "S8": [D("The petals are [velvety|papery|waxy] with fine veins.", _FLOWER), D("Pollen dusts the stamens.", _FLOWER),
           D("The bark is [gnarled|furrowed|peeling] and [mossy|lichen-spotted].", _TREE), D("Pale green shoots push out along the branches.", _TREE),
           D("The caps are [smooth|speckled|frilled] and [damp|glistening].", _FUNGUS), D("The leaves are [glossy|waxy] and [deep green|variegated].", _LEAF),
           D("[Curling|Delicate] tendrils twist outward.")],
    "S9": [D("The leather is [buttery|supple|polished] and smooth.", _LEATHER), D("Stitching runs [neatly|evenly] along the seams."),
           D("The fabric is [heavy|fine|soft] and [textured|crisp].", _CLOTH), D("The metal [gleams|glints] [softly|brightly].", _JEWEL),
           D("[Gold|Brass|Silver] hardware catches the light."), D("Every fold and seam looks carefully finished.")],
    "S10": [D("[Scratched|Worn] brass sits against [worn|dark] wood."), D("The enamel finish is [smooth|chipped|glossy]."),
            D("Tiny engraved markings run along the edge."), D("Faded paint clings at the edges."), D("Steel parts are [polished|oiled|bright]."),
            D("The surface shows years of [careful|daily] use.")],
    "S11": [D("The lettering is crisp and evenly spaced."), D("Each stroke is [slightly|a little] uneven, painted by hand."),
            D("The letters cast a [subtle|soft] drop shadow."), D("Paint [cracks|flakes] at the edges of the letters."),
            D("Every character is easy to read.")],
    "S12": [D("The stone is weathered and worn smooth by centuries."), D("Every line is faithful to the real landmark."),
            D("Period clothing and banners complete the scene.", _EVENT), D("Carved reliefs run across the [walls|facade]."),
            D("The familiar silhouette stands out against the [clouds|haze].")],
    "S13": [D("Red silk and gold embroidery [glow|shine] [warmly|softly]."), D("Carved wooden lattice windows frame the view."),
            D("Glazed green roof tiles end in upturned eaves."), D("Plum blossoms and bamboo soften the edges."),
            D("Lacquered red pillars hold up the roof."), D("Blue and white porcelain motifs curl across the surface.")],
    "S14": [D("Its surfaces shift colour as the light moves."), D("Impossible geometry folds in on itself."), D("Glowing particles drift upward."),
            D("Translucent crystal structures bend the light."), D("Spirals of luminous energy coil around it."), D("Shapes melt into one another.")],
}

SUBJECT_DETAIL_ZH: dict[str, list[Detail]] = {
    "S1": [D("双手粗糙，布满岁月的痕迹。"), D("几缕发丝在光线中清晰可见。"), D("脸上带着温暖的笑意。"), D("穿着有些旧，却干净整洁。")],
    "S2": [D("毛发根根分明，蓬松柔软。", r"狐|狼|熊|猫|狗|兔|马|鹿|刺猬|象|虎|牛|獭"), D("羽毛泛着油亮的光泽。", r"鸟|鸮|鹭|鹤|翠鸟|火烈鸟"),
           D("一双眼睛明亮而机警。"), D("水珠顺着身体滑落。", r"鲸|龟|鱼|獭|企鹅")],
    "S3": [D("外皮金黄酥脆。", r"面包|蛋糕|挞|可颂|松饼"), D("热气袅袅升起。", r"面|火锅|汤|饺子|意大利面|寿司"), D("浓郁的酱汁在碗边聚成一圈。"),
           D("杯壁上挂着细小的水珠。", r"杯|橙汁|奶昔|柠檬水|拿铁")],
    "S4": [D("老旧的橡木地板泛着光。"), D("亚麻窗帘轻轻垂着。"), D("角落里放着一把丝绒扶手椅。"), D("墙面是淡色的灰泥。")],
    "S5": [D("前景是起伏的沙纹和碎石。"), D("嶙峋的岩石上有矿物的条纹。"), D("远处层叠的山脊隐入雾霭。"), D("清澈的水流过光滑的石头。")],
    "S6": [D("斑驳的红砖墙和铁艺阳台错落有致。"), D("玻璃幕墙倒映着云影。"), D("湿润的石板路泛着光。"), D("一排排小窗亮着灯。")],
    "S7": [D("镀铬饰条闪闪发亮。", r"车|巴士"), D("船身上布满铆钉。", r"船|轮"), D("车身漆面光亮。", r"车"), D("机身的线条干净利落。", r"飞机|气球")],
    "S8": [D("花瓣如丝绒般柔软。", r"花|樱|牡丹|罂粟|紫藤|荷"), D("树皮粗糙，长着地衣。", r"树"), D("嫩绿的新芽冒了出来。"), D("叶片油亮饱满。")],
    "S9": [D("缝线整齐细密。"), D("皮革柔软光滑。", r"鞋|靴|包"), D("金色五金闪着光。"), D("面料垂坠感十足。", r"裙|衣|风衣|和服|围巾")],
    "S10": [D("黄铜和木头都有磨损的痕迹。"), D("搪瓷表面光滑。"), D("边缘的油漆已经褪色。"), D("表面刻着细小的字。")],
    "S11": [D("字迹清晰工整。"), D("笔画略有起伏，一看就是手写的。"), D("每个字都清楚可读。")],
    "S12": [D("石材历经岁月，被磨得光滑。"), D("轮廓忠实还原了真实的样子。"), D("熟悉的轮廓映在云层前。")],
    "S13": [D("红绸和金色刺绣相映成趣。"), D("镂空木窗层层叠叠。"), D("琉璃瓦的飞檐高高翘起。"), D("朱红的柱子撑起屋檐。")],
    "S14": [D("表面的颜色随光线变幻。"), D("不可能的几何结构层层折叠。"), D("光点缓缓向上飘散。"), D("半透明的晶体折射着光。")],
}

_COLOUR_EN = ("[muted earth tones|warm amber and teal|soft pastel colours|rich jewel tones|cream and rust with olive|deep blues and warm golds|"
              "gentle greens and greys|warm honey and terracotta|cool silver and slate|faded denim blues|chalky whites and sand]")
_LIGHT_EN = ("[soft morning light|warm late-afternoon sunlight|diffused overcast light|gentle window light from the side|cool blue twilight|"
             "warm lamplight|dappled sunlight|even daylight|the glow of early dawn|pale winter light|low golden light|silvery moonlight]")
GENERIC_EN: dict[str, list[Detail]] = {
    "colour": [D(f"The palette [keeps to|leans toward|stays with] {_COLOUR_EN}."), D(f"Colours run to {_COLOUR_EN}."),
               D("Small pops of bright red stand out."), D("The colours are [soft|calm|muted] and [harmonious|balanced].")],
    "lighting": [D(f"{_LIGHT_EN} [falls across|washes over|spills across] the scene."), D(f"It is lit by {_LIGHT_EN}."),
                 D("Shadows are [soft|long|gentle] and [cool|blue|warm]."), D("The light is [soft|gentle] and even.")],
    "atmosphere": [D("The mood is [calm and quiet|peaceful and unhurried|gently nostalgic|warm and inviting]."), D("It feels [crisp|fresh|hushed]."),
                   D("The mood is cheerful and lively."), D("A faint haze hangs in the distance.", _OUTDOOR), D("There is a sense of stillness.")],
    "composition": [D("The subject sits [slightly|just] off-centre with open space around it."), D("The composition is [balanced|symmetrical]."),
                    D("[Strong|Clear] lines lead the eye to the subject."), D("The background is [clean|uncluttered]."),
                    D("Foreground and background are [clearly|gently] layered.")],
}

GENERIC_ZH: dict[str, list[Detail]] = {
    "colour": [D("色调柔和，以大地色为主。"), D("暖琥珀色与青色相互点缀。"), D("整体是淡雅的马卡龙色系。"), D("深蓝与暖金交织在一起。")],
    "lighting": [D("柔和的晨光洒在画面上。"), D("温暖的午后阳光斜斜洒下。"), D("阴天的漫射光让一切显得柔和。"), D("温暖的灯光照亮了角落。")],
    "atmosphere": [D("整体氛围宁静平和。"), D("画面带着一丝怀旧的温情。"), D("空气清新，一切都很舒畅。"), D("气氛欢快热闹。")],
    "composition": [D("主体略微偏离中心，四周留有空间。"), D("构图平衡对称。"), D("前景与背景层次分明。"), D("背景干净简洁。")],
}

STYLE_DETAIL_EN: dict[str, list[Detail]] = {
    "T1": [D("Colours are true to life."), D("Focus is sharp and textures look real."), D("Reflections and shadows look natural."),
           D("A light grain gives it a natural feel.")],
    "T2": [D("Thick impasto ridges catch the light.", r"\boils?\b"), D("The canvas weave shows through.", r"\boils?\b"),
           D("Pigment pools at the edges of each wash.", r"watercolou?r"), D("The paper texture shows through the paint.", r"watercolou?r|gouache"),
           D("Smudged shading builds the shadows.", r"charcoal|pencil"), D("Hatching marks model the forms.", r"pencil|charcoal"),
           D("Ink bleeds softly into the paper.", r"\bink\b"), D("The brushwork stays loose and expressive.", r"\boils?\b|watercolou?r|gouache|ink")],
    "T3": [D("Every pixel sits on a tight grid.", r"pixel"), D("A limited palette keeps it retro.", r"pixel"), D("Shapes are flat with clean edges.", r"vector"),
           D("Clean linework and soft cel shading define the forms.", r"anime|cartoon|illustration"),
           D("Bold black outlines and halftone dots add punch.", r"comic"), D("The linework is clean and confident."),
           D("Colours are bright and saturated.", r"anime|cartoon|comic|illustration|concept")],
    "T4": [D("Materials look smooth and physically based."), D("Soft global illumination fills the shadows."),
           D("Surfaces have a [glossy|matte] finish."), D("Facets catch the light at sharp angles.", r"low poly"),
           D("Everything is built from small cubes.", r"voxel"), D("Fingerprints show in the soft clay.", r"\bclay\b")],
    "T5": [D("The frame has a widescreen feel."), D("The grade leans teal and orange."), D("Deep blacks and soft highlights give it depth."),
           D("A subtle haze hangs in the air."), D("Hard shadows fall in long bars.", r"noir"), D("It feels like a story is unfolding.")],
    "T6": [D("Flat colour blocks and bold shapes divide the sheet.", r"poster"), D("A strict grid aligns every element.", r"layout|typography"),
           D("Generous negative space surrounds the image.", r"layout|typography|logo|poster"),
           D("Small captions and arrows explain each part.", r"infographic"), D("It is reduced to a few bold shapes.", r"logo"),
           D("Rounded buttons and a clean header frame it.", r"\bUI\b"), D("A limited three-colour palette keeps it crisp.")],
    "T7": [D("Torn-paper edges overlap in layers.", r"collage"), D("One image fades softly into the other.", r"double exposure"),
           D("Scanlines and colour shifts break up the image.", r"glitch"), D("Pink and teal gradients glow behind it.", r"vaporwave"),
           D("Everything looks soft and weightless in a haze.", r"ethereal|dreamy"), D("Textures from different media are layered together.")],
}

STYLE_DETAIL_ZH: dict[str, list[Detail]] = {
    "T1": [D("色彩真实自然。"), D("对焦清晰，质感逼真。")], "T2": [D("笔触清晰可见。"), D("颜料在纸面上自然晕开。", r"水彩|水墨"), D("厚重的颜料层层堆叠。", r"油画")],
    "T3": [D("线条干净利落。"), D("粗轮廓线勾勒出形体。", r"动漫|卡通|插画")], "T4": [D("全局光照柔和自然。"), D("材质光滑细腻。")],
    "T5": [D("画面有宽银幕的质感。"), D("空气中飘着淡淡的薄雾。")], "T6": [D("大胆的几何图形分割画面。"), D("四周留出大量空白。", r"海报|版式|标志")],
    "T7": [D("半透明的图层相互叠加。"), D("碎片化的形状拼在一起。", r"拼贴")],
}

CAMERA_DETAIL_EN: dict[str, list[Detail]] = {
    "C1": [D("The camera sits at eye level."), D("The view is natural and straight-on.")],
    "C2": [D("Textures are sharp enough to touch."), D("It fills the frame edge to edge.")],
    "C3": [D("The view reaches all the way to the horizon."), D("The scene stretches from edge to edge.")],
    "C4": [D("Shapes and outlines read clearly from above."), D("Everything below is laid out like a plan.")],
    "C5": [D("It towers over the viewer."), D("Everything above feels tall and imposing.")],
    "C6": [D("The background melts into a soft blur."), D("The subject stands crisp against a creamy backdrop.")],
    "C7": [D("Streaks of movement trail behind."), D("Light smears into long bright lines.")],
    "C8": [D("Deep shadows meet bright highlights."), D("Strong contrast carves out the shapes.")],
}

CAMERA_DETAIL_ZH: dict[str, list[Detail]] = {
    "C1": [D("视角平实自然。")], "C2": [D("细微的纹理清晰锐利。")], "C3": [D("视野一直延伸到地平线。")], "C4": [D("从高处看，图案一目了然。")],
    "C5": [D("主体显得高大雄伟。")], "C6": [D("背景柔和如奶油。")], "C7": [D("流动的光影拉成长线。")], "C8": [D("深邃的阴影与明亮的高光相互映衬。")],
}
# fmt: on

SUBJECT_DETAIL = {Language.EN: SUBJECT_DETAIL_EN, Language.ZH: SUBJECT_DETAIL_ZH}
GENERIC = {Language.EN: GENERIC_EN, Language.ZH: GENERIC_ZH}
STYLE_DETAIL = {Language.EN: STYLE_DETAIL_EN, Language.ZH: STYLE_DETAIL_ZH}
CAMERA_DETAIL = {Language.EN: CAMERA_DETAIL_EN, Language.ZH: CAMERA_DETAIL_ZH}
