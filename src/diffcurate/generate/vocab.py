"""Subject vocabularies of the offline prompt generator, written by hand from the taxonomy's meanings.

A subject's bank is a list of *groups*: heads (the primary subject, with its article) that share
the states (what it is doing or how it is) and settings (where) written for them, so a whale is
never "perched on a branch" and an iced drink never "just out of the oven". A group also names its
scene (which light / time / mood clauses fit: outdoors, in a room, on a studio table, in a dream)
and its semantic tags (compat.py: a tabletop object, a vast landscape, a room). Every phrase may
hold alternatives, `[a|b|c]`, drawn when the prompt is written, so the same entry rarely reads the
same twice. English and Chinese banks are separate: Chinese prompts are written, not translated.

Class-truth constraints are built in: S1 heads are people; S9 heads are garments with no person;
S11 heads carry a quoted text to render (`{t}`, filled from RENDER_TEXTS); S12 names real-world
landmarks, figures or events (never Chinese ones, which are S13); S14 heads are imaginary. A
subject's phrases name its own kind of thing and avoid the words of other subjects, styles and
cameras (tests/test_generate.py checks them against the classifier's phrase lists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from diffcurate.generate.compat import Tag
from diffcurate.schemas import Language


class Scene(StrEnum):
    """Where a group's heads are: which extra clauses (light, time, mood) fit them."""

    OUTDOOR = "outdoor"
    INDOOR = "indoor"
    STUDIO = "studio"  # an object, dish or garment on a table, shelf or backdrop
    DREAM = "dream"  # an imaginary place


@dataclass(frozen=True, slots=True)
class Group:
    heads: tuple[str, ...]
    states: tuple[str, ...]
    settings: tuple[str, ...]
    scene: Scene
    tags: frozenset[Tag] = frozenset()  # semantic tags of every head
    looks: tuple[str, ...] = ()  # how a head looks, added after it now and then ("with frost in its fur")


def G(scene: Scene, heads: list[str], states: list[str], settings: list[str], *tags: Tag) -> Group:
    return Group(tuple(heads), tuple(states), tuple(settings), scene, frozenset(tags))


OUT, ROOM, TABLE, DREAM = Scene.OUTDOOR, Scene.INDOOR, Scene.STUDIO, Scene.DREAM
SMALL, VAST, INDOOR = Tag.SMALL, Tag.VAST, Tag.INDOOR

# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
# Pools of alternatives shared by the entries below (each a `[a|b|…]`; pools nest inside phrases).
_NEAR = "[beside|by|next to|near|close to|just past]"
_IN = "[in|deep in|at the edge of|in the middle of|on the far side of|just inside]"
_ON = "[on|along|across|halfway along]"
_ADV = "[slowly|quietly|calmly|lazily|carefully|happily|gently]"
# People
_P_AGE = ("[young|old|elderly|middle-aged|grey-haired|tall|small|lanky|sturdy|weathered|smiling|tired|cheerful|quiet|serious|shy|"
          "freckled|bearded|wiry|round-faced|bright-eyed|broad-shouldered]")
_P_LOOK = ("[with freckles|with a silver nose ring|with cropped grey hair|in a wool cap|in a knitted shawl|with a neat beard|with a wild beard|"
           "with braided hair|with curly red hair|in a yellow raincoat|in a faded hoodie|in round glasses|with a paint-stained apron|"
           "in a patched coat|in a striped scarf|with a sunburnt nose|in a denim apron|with a crooked smile|in work boots|with laugh lines|"
           "in a green parka|with a shaved head|in a floral headscarf|with rolled-up sleeves|in a thick cardigan|with silver earrings]")
_P_WHO = "[woman|man|girl|boy|grandmother|grandfather|father|mother|teenager]"
_P_HOLD = ("[a steaming mug of tea|a worn paperback|a basket of apples|a bunch of wildflowers|a paper kite|a bundle of firewood|"
           "a folded newspaper|a paper sack of rolls|a sketchbook|an old camera|a net of oranges|a fishing rod|a bunch of keys|a jar of honey|"
           "a small radio|a bouquet of tulips|a stack of letters|a tin of biscuits]")
_P_PLACE = "[pier|park|market square|terrace|harbour wall|boardwalk|jetty|station platform|wooden gate|square|promenade|riverbank path]"
_P_PLACE_ADJ = "[windswept|quiet|crowded|busy|sunny|empty|leafy|wet|frosty|noisy|rickety|old|sleepy|breezy]"
# Animals
_A_LAND = ("[young|lean|wary|sleek|scruffy|watchful|half-grown|shaggy|restless|lone|battle-scarred|sturdy|curious|muddy|thin|"
           "sun-warmed|silver-muzzled|bright-eyed|heavy-coated|long-legged|sleepy|alert|hungry|old]")
_A_BIRD = "[tiny|plump|sleek|bright|ruffled|watchful|lone|young|glossy|speckled|dishevelled|proud|bright-eyed|wind-tossed|fluffed-up|noisy]"
_A_SEA = "[young|huge|curious|playful|lazy|slow|gleaming|old|scarred|graceful|lone|sleek|spotted]"
_A_PET = "[sleepy|scruffy|fluffy|young|old|grumpy|muddy|curious|patient|playful|lazy|bright-eyed|well-fed|mischievous|shaggy|tiny|nervous]"
_A_COVER = "[undergrowth|long grass|bracken|reeds|heather|ferns|tall weeds|thicket|wet grass|brambles]"
_A_PLACE = ("[birch wood|pine wood|clearing|meadow|thicket|hillside|valley floor|riverbank|gravel bar|dune|ridge|scrubland|marsh edge|"
            "stubble field|fern-filled gully|beech wood]")
_A_PLACE_ADJ = "[snowy|silent|misty|frosty|sunlit|golden|dewy|quiet|windswept|muddy|rain-soaked|dusky|shadowy|wild|remote]"
# Food
_F_ADJ = "[steaming|homemade|rustic|generous|simple|humble|fresh|hearty|delicate|glossy|messy|perfect]"
_F_PLATE = "[chipped|speckled|hand-thrown|white|blue-rimmed|enamel|earthenware|crackled|mismatched|heavy|oval|rustic|glazed]"
_F_SURF = "[marble|slate|stone|zinc|scrubbed pine|walnut|oak|tiled|butcher-block|concrete|linen-covered|copper|teak]"
_F_GARNISH = ("[fresh herbs|coriander|chopped scallions|crispy shallots|toasted seeds|lime zest|chili flakes|flaky salt|mint leaves|"
              "shaved parmesan|pickled onions|crushed nuts|a sprig of thyme|microgreens]")
# Interiors
_GOLD_RED = "with [gold and red|red and gold|gilded|scarlet|crimson and gold] [trim|accents|edging]"
_HUTONG = "in [an old|a narrow|a winding|a quiet|a lantern-lit] hutong"
_MOON_GATE = "in a [quiet|shaded|mossy|walled] courtyard [with|behind|beyond] a moon gate"
_R_ADJ = ("[cozy|cramped|airy|sunny|narrow|tidy|cluttered|high-ceilinged|low-beamed|quiet|shabby|elegant|bare|lived-in|old-fashioned|"
          "bright|dim|chilly|snug]")
_R_FURN = ("[a velvet sofa|a sagging armchair|a rag rug|a brass bed|an old piano|a creaking settle|a long pine bench|a leather chesterfield|"
           "a woodburner|a writing bureau|a stack of cushions|a drying rack of laundry|a cast-iron radiator|a folding screen]")
_R_TIME = ("[on a winter afternoon|late at night|early in the morning|on a rainy evening|on a quiet Sunday|at golden hour|during a thunderstorm|"
           "on a grey weekday morning|on a lazy summer afternoon|just after dawn|in the blue hour|on a snowy evening|at teatime|after midnight]")
# Landscapes
_L_SKY = ("[under a pastel sunrise|wrapped in low clouds|under the northern lights|glowing in the last light|beneath a sky full of stars|"
          "under towering clouds|in thin morning mist|after a summer storm|under a hard blue sky|in the blue light of dusk|"
          "under a brooding sky|in soft evening light|in a drifting haze|under a rising moon|in flat grey light|under racing clouds]")
_L_PLACE = ("[in Iceland|in the Scottish Highlands|in Patagonia|in the Rocky Mountains|in New Zealand|in the Alps|in the Dolomites|"
            "in the Pyrenees|in Norway|in the Andes|in the Himalayas|in the Tatras|in Alaska|in the Lake District|in Lapland|in the Caucasus|"
            "far from any road|in a remote national park]")
# Cities
_C_ADJ = "[narrow|steep|winding|quiet|crooked|busy|sleepy|sunny|rain-soaked|old|cobbled|crowded|empty|shady|sloping]"
_C_PLACE = ("[in Lisbon|in an old European city|in Amsterdam|in a Greek island town|in a Sicilian town|in Kyoto|in Marrakesh|in Porto|"
            "in Prague|in Bruges|in Tallinn|in Havana|in Naples|in Istanbul|in Valparaíso|in a Cornish fishing town|in Dubrovnik|in Quebec]")
# Vehicles
_V_ADJ = ("[battered|gleaming|rusty|dusty|freshly painted|mud-spattered|dented|polished|faded|vintage|brand-new|sun-bleached|"
          "lovingly restored|two-tone|chrome-trimmed|salt-stained|patched-up]")
_V_ROAD = ("[dusty highway|rainy road|winding alpine road|salt flat|coastal road|gravel lane|empty motorway|mountain pass|desert track|"
           "tree-lined avenue|back road|bridge approach|harbour road|village lane]")
# Plants
_PL_ADJ = "[young|tall|twisted|slender|sprawling|tangled|lush|ragged|delicate|lone|wind-bent|old|sturdy|leggy|overgrown|neatly pruned]"
_PL_GARDEN = ("[walled garden|cottage garden|Japanese garden|overgrown garden|kitchen garden|allotment|glasshouse|botanical garden|"
              "courtyard garden|rose garden|meadow|churchyard|orchard|hedgerow|sunken garden]")
# Objects, fashion
_O_ADJ = "[battered|polished|dusty|worn|gleaming|chipped|faded|scuffed|well-loved|brand-new|tarnished|antique|heavy|tiny|old|scratched|dented]"
_O_SURF = ("[on a [scarred|worn|cluttered|tidy|grease-stained] workbench|on a [walnut|pine|oak|painted|rolltop] desk|on a [dusty|sunny|narrow] windowsill|"
           "on a [crowded|dusty|bare|high] shelf|in a [dim|cluttered|crowded] antique shop|on a plain white surface|in an open cardboard box|"
           "on a [bedside|side|hall] stand|on a [linen|lace|felt] runner|against a plain [grey|cream|white] backdrop|on a [tin|wooden|lacquered] tray|"
           "at a [flea market|junk|bric-a-brac] stall|on a [mantelpiece|dresser]]")
_W_ADJ = "[worn|new|polished|scuffed|supple|well-loved|vintage|handmade|spotless|faded|soft|crisp|expensive|second-hand|pristine|tailored]"
_W_DISPLAY = ("[in a [boutique|shop|department store] window|on a [marble|stone|concrete] plinth|on a [vintage|crowded] shop rail|"
              "against a plain studio backdrop|on a [wooden|oak|painted] bench|in a glass display case|on a [linen|silk|cotton] sheet|"
              "in a [sunlit|white|bright] atelier|on a [brass|chrome|wooden] rail|in a walk-in wardrobe|on a [velvet|mirrored] stand|"
              "at a [flea market|vintage] stall|beside a [mirror|changing screen]]")

SUBJECT_EN: dict[str, list[Group]] = {
    "S1": [
        G(OUT, [f"a {_P_AGE} {_P_WHO} {_P_LOOK}", f"an {_P_AGE} fisherman {_P_LOOK}", "two [small|giggling|barefoot|sunburnt|muddy] children",
              f"a {_P_AGE} couple [arm in arm|side by side|holding hands]", "a [pair|group] of [elderly|old|young|laughing] friends",
              f"a {_P_AGE} woman with a [pram|small suitcase|shopping trolley]", f"a {_P_AGE} man with a [walking stick|guitar case|armful of groceries]",
              "a young father carrying a sleeping toddler", "a mother and daughter [in matching coats|sharing an umbrella|laughing together]"],
          [f"[holding|cradling|carrying|clutching] {_P_HOLD}", "laughing at [a private joke|something out of frame|a passing remark]",
           "[reading|leafing through] a [worn|creased|battered] paperback", "lost in [thought|a daydream|memories]",
           "[sketching|writing] in a [small|battered|leather] notebook", "deep in conversation", "[squinting|leaning] into the wind",
           "feeding a flock of [pigeons|gulls|sparrows]", f"dancing [barefoot|clumsily|slowly|{_ADV}]", "sheltering under a [striped|black|red|borrowed] umbrella",
           "waving to someone out of frame", "pausing to catch a breath", "smiling [shyly|warmly|broadly|at nothing in particular]",
           "[glancing|looking] back over one shoulder", "[waiting|standing] with hands in pockets", "shading the eyes against the glare",
           "[tying|retying] a loose bootlace", f"[walking|strolling|wandering] {_ADV} home", "[sharing|splitting] a paper cone of chips"],
          [f"on a {_P_PLACE_ADJ} {_P_PLACE}", f"{_IN} a field of [tall|golden|wind-combed] grass", "on the steps of an old [church|museum|courthouse]",
           "under a [striped|faded|green] awning", "at the edge of a [wheat field|vineyard|cornfield]", "on a [wet|cobbled|cracked] pavement",
           "at a [seaside|village|summer] fair", f"{_NEAR} a [mossy|low|crumbling] wooden gate", "outside a [corner|village|tiny] [bakery|launderette|bookshop]"]),
        G(ROOM, [f"a {_P_AGE} chef in a [white|stained|crisp] apron", f"a {_P_AGE} nurse in [blue|green] scrubs", "an old tailor with a tape measure around his neck",
              f"a {_P_AGE} man making espresso", f"a {_P_AGE} woman at a potter's wheel", f"a {_P_AGE} man repairing watches",
              "a flour-dusted man kneading dough", f"a {_P_AGE} woman in reading glasses", f"a {_P_AGE} teacher at a chalkboard",
              f"a {_P_AGE} man working as a carpenter", f"a {_P_AGE} woman mending a [coat|sail|net]"],
          ["[concentrating|focused|intent] on the work", "glancing up [with a smile|mid-task|in surprise]", "taking a [short|well-earned] break",
           "laughing with a [colleague|customer|friend]", "absorbed in a [tricky|fiddly|delicate] job", "[sipping|blowing on] hot tea",
           "leaning on a [counter|doorframe|workbench]", "wiping both hands on a [cloth|towel|rag]", "standing by a [tall|rain-streaked|steamed-up] window",
           "humming [quietly|along to the radio]", "[checking|counting] the [orders|stock|stitches]"],
          ["in a [cluttered|tiny|dusty|busy] workshop", "behind a [wooden|zinc|worn] counter", "in a [small|steamy|warm] bakery",
           "in a [narrow|old] tailor's shop", "at a [scarred|worn|crowded] workbench", "in a [bright|tiled|quiet] hospital ward",
           "in a [tiny|crowded] corner cafe", "beside a wall of [tools|spools|jars]", "in a [chalk-dusted|sunny|empty] schoolroom"]),
        G(OUT, [f"a {_P_AGE} [ballet|contemporary|flamenco] dancer", f"a {_P_AGE} man playing a [battered|dented|borrowed] trumpet",
              "a woman singing jazz in a [sequinned|velvet|silver] gown", f"a {_P_AGE} girl playing the [violin|cello|accordion]",
              f"a {_P_AGE} man playing guitar in a [rock|punk|folk] band", "an old man busking with a [fiddle|banjo|harmonica]"],
          ["caught [mid-leap|mid-spin|mid-turn]", "taking a [deep|slow|grateful] bow", "warming up before the show", "lost in the music",
           "[rehearsing|practising] alone", "playing to a [small|scattered|delighted] crowd", "caught mid-note", "[eyes closed|head thrown back] in the song"],
          ["on an [empty|bare|dusty] stage", "under a string of festoon lights", "in a [smoky|dim|packed] jazz club", "on a busy corner",
           "in an old rehearsal hall", "at an open-air festival", "in a [tiled|echoing] underpass"]),
        G(OUT, [f"a {_P_AGE} woman running a marathon", f"a {_P_AGE} man rock climbing", "a girl surfer in a black wetsuit", "a teenage boy on a skateboard",
              f"a {_P_AGE} athlete taping both hands before a bout", f"a {_P_AGE} man in a [muddy|bright|soaked] cycling jersey",
              f"a {_P_AGE} woman hiking", "a young woman firefighter in full gear"],
          ["[catching|gasping for] breath after a race", "[stretching|warming up] before a run", "caught mid-stride", "pausing at the top of a climb",
           "grinning at the finish line", "[resting|sitting] on a kerb", "[scanning|watching] the horizon", "pulling on [gloves|a helmet]"],
          ["on a [steep|coastal|rocky|muddy] trail", "at the edge of a [limestone|chalk] cliff", "on a [windy|grey|pebbly] shoreline", "in an old boxing gym",
           "on a [dusty|gravel|cinder] track", "beside a [roaring|smoking] fire engine", "at the foot of a [boulder|climbing wall]"]),
    ],
    "S2": [
        G(OUT, [f"a {_A_LAND} [red fox|grey wolf|badger|lynx|coyote|jackal|wolverine|hare]", f"a {_A_LAND} brown bear [cub|]", f"a {_A_LAND} snow leopard",
              "a [young|curious|tiny] hedgehog", "[a pair of|two] [young|masked|bold] raccoons", f"a {_A_LAND} lion [with a dark mane|cub|]",
              f"a {_A_LAND} [striped|prowling] tiger", "a herd of [wild|dusty|galloping] horses", f"an {_A_LAND} elephant", f"a {_A_LAND} deer [fawn|stag|]",
              f"a {_A_LAND} [moose|bison|zebra|giraffe|ibex|wild boar]"],
          [f"[stalking|slinking|creeping|nosing] through [the|] [wet|tall|dry|frosted] {_A_COVER}", "[drinking|lapping water] from a [stream|puddle|pool]",
           "[curled up|lying|dozing] fast asleep", "[resting|dozing|panting] in the shade", "[sniffing|nosing] the [ground|air|snow]", "watching the horizon",
           "peeking out from a [burrow|hollow log|thicket]", "grooming [thick|matted|glossy] fur", "caught mid-yawn",
           "[trotting|padding|loping] along a [trail|ridge|riverbank]", "shaking off water", "[standing|pausing|frozen] with ears up",
           "[rolling|wallowing] in the dust", "[nuzzling|guarding] a [cub|calf|fawn]", f"[grazing|foraging] {_ADV}"],
          [f"{_IN} a {_A_PLACE_ADJ} {_A_PLACE}", "[in|across] [tall|golden|dry] savanna grass", "on a [mossy|lichen-covered|sun-warmed] boulder",
           "among [fallen|autumn|crunchy] leaves", "beside a frozen pond", "in a [tropical|dripping|steamy] rainforest",
           "under a [gnarled|lone|thorny] acacia", "by a [dried-up|shrinking] waterhole"]),
        G(OUT, [f"a {_A_BIRD} [snowy owl|barn owl|kingfisher|robin|wren|magpie|jay|blackbird|tawny owl]", f"a {_A_BIRD} hummingbird",
              "a flock of [pink|wading|noisy] flamingos", f"a {_A_BIRD} [grey|great blue] heron", f"a {_A_BIRD} [bald|golden] eagle",
              "[a pair of|two] [scarlet|blue-and-gold] macaws", "a brood of [ducks|mallards|ducklings]", f"a {_A_BIRD} [puffin|toucan|peacock|cockatoo] bird"],
          ["perched on a [mossy|bare|thorny|swaying|frosted] branch", "[gliding|skimming] low over the water", "with wings spread [wide|open]",
           "[preening|fluffing up] glossy feathers", "[hovering|darting] beside a bloom", "standing on one leg", "diving for a [fish|minnow]",
           "taking off in a burst of feathers", "calling into the [dawn|morning|evening] air", "[hunched|puffed up] against the [wind|cold]",
           f"[hopping|strutting|pecking] {_ADV} along"],
          ["over a [misty|reed-fringed|silver] marsh", "above a [still|glassy|lily-covered] pond", "in a [snowy|frosted|blossoming] orchard",
           "on a [lichen-covered|weathered|leaning] fence post", "in a [tropical|dripping] rainforest", "at the edge of a [salt|shallow] lagoon",
           "on a [wind-bent|solitary] pine", "among [swaying|golden] reeds", f"{_NEAR} a [mossy|crumbling|sunny] wall"]),
        G(OUT, [f"a {_A_SEA} humpback whale", f"a {_A_SEA} green turtle", "a pod of [bottlenose|spinner] dolphins", "[a pair of|two] [playful|sleek] otters",
              f"a {_A_SEA} seal pup", "a school of [silver|darting|shimmering] fish", f"a {_A_SEA} [manta|spotted eagle] ray", f"a {_A_SEA} walrus",
              f"a {_A_SEA} octopus"],
          ["[leaping|breaching] out of the water", "gliding through [clear|blue|green|sunlit] water", "[floating|drifting] belly-up", "[rolling|playing] in the surf",
           "[surfacing|coming up] for air", "[basking|resting] on a rock", "[twisting|spiralling] through a shaft of light", "[trailing|scattering] a cloud of bubbles"],
          ["over a [bright|bleached|shallow] coral reef", "among swaying kelp", "off a [rocky|remote|windswept] coast", "in [open|deep blue|green] water",
           "on an arctic ice floe", "in a [shallow|turquoise] lagoon", "beside a [wave-washed|barnacled] rock", "in a [sheltered|rocky] cove"]),
        G(OUT, [f"a {_A_PET} [tabby|ginger|black|calico|white] cat", f"a {_A_PET} [border collie|terrier|beagle|dachshund|spaniel] dog",
              f"a {_A_PET} golden retriever puppy", f"a {_A_PET} [grey|lop-eared] rabbit", f"a {_A_PET} [dairy|shaggy Highland] cow",
              f"a {_A_PET} [spotted|pink] piglet", f"a {_A_PET} [chestnut|dapple-grey|black] horse", "a flock of [woolly|muddy|freshly shorn] sheep",
              f"a {_A_PET} [goat|donkey|pony]"],
          ["curled up asleep", "[stretching|yawning] in the sun", "[splashing|jumping] in a puddle", "[chasing|pouncing on] a [moth|ball|shadow]",
           "[waiting|sitting] patiently", "[rolling|tumbling] in the grass", "[grazing|munching] quietly", "watching a [butterfly|moth] with great interest",
           "[begging|nudging] for a treat", "[peering|poking its head] out of a [basket|box|doorway]"],
          ["on a farmhouse porch", "in a [muddy|green|frosty] paddock", "on a [sunlit|dusty] windowsill", "beside a [red|weathered|crooked] barn",
           "in a [wildflower|clover] meadow", "by a [low|stone|dry-stone] wall", "in a [hay-filled|wooden] stable", "on a [rag|braided|worn] rug",
           f"{_NEAR} a [back|stable|farmhouse] door"]),
    ],
    "S3": [
        G(TABLE, [f"a {_F_ADJ} [bowl|deep bowl|big bowl] of [tonkotsu|miso|spicy|shoyu] ramen", f"a {_F_ADJ} [bowl|deep bowl|big bowl] of [beef|chicken|vegetable] pho", f"a {_F_ADJ} [bowl|deep bowl|big bowl] of [spicy|green|red|coconut] curry with rice",
               "a [wood-fired|blistered|thin-crust] [margherita|four-cheese|pepperoni] pizza", f"a {_F_ADJ} [plate|dish|serving] of handmade [pasta|ravioli|tagliatelle|gnocchi]",
               "a roast chicken with [vegetables|lemon|potatoes]", "a pot of [steaming|bubbling|slow-cooked] stew", "three [carnitas|shrimp|bean] tacos",
               "a [smash|double|bean] burger with fries", f"a {_F_ADJ} [bowl|deep bowl|big bowl] of [tomato|pumpkin|lentil] soup", "a [sizzling|smoky] skillet of [fajitas|shakshuka]",
               "a [stack|plate] of [grilled|charred] skewers"],
          ["[still steaming|steaming hot|piping hot]", f"garnished with {_F_GARNISH}", f"[sprinkled|finished|scattered] with {_F_GARNISH}",
           "topped with a [soft-boiled|jammy|fried] egg", "with a [drizzle|swirl|pool] of [chili sauce|cream|pesto]", "[glistening|glossy] with [sauce|butter|glaze]",
           "served with a wedge of [lime|lemon]", "with a bite taken out", "[half|partly] eaten"],
          [f"on a {_F_SURF} counter", "on a slate serving board", "on a [linen|checked|stained] tablecloth", "at a [busy|late-night|roadside] food stall",
           "beside a steaming pot", f"in a {_F_PLATE} ceramic bowl", "on a [chrome|formica] diner counter", "at a [noisy|tiny|crowded] noodle bar",
           f"on a {_F_PLATE} plate"], SMALL),
        G(TABLE, [f"a {_F_ADJ} [stack|tower|pile] of [blueberry|buttermilk|banana] pancakes", "a slice of [lemon meringue|key lime|apple] [tart|pie]", "a [chocolate|carrot|coconut] layer cake",
               "a basket of [warm|flaky|golden] croissants", "a [rustic|crackly|seeded] sourdough loaf", "a [tray|plate] of [cinnamon|cardamom] buns",
               "a [strawberry|cherry|blueberry] cheesecake", "a loaf of [banana|walnut|rye] bread", f"a {_F_ADJ} [plate|dish|serving] of macarons in [pastel|soft|jewel] shades",
               "a [dozen|plate of] [glazed|sugared] doughnuts"],
          ["just out of the oven", "[dusted|dusted lightly] with powdered sugar", "[drizzled|glazed] with honey", "topped with [melting|soft] butter",
           "with [crumbs|flakes] scattered around", "[glistening|sticky] with syrup", "cut to show the layers", "[piled|stacked] high",
           "[oozing|dripping] with [jam|cream|caramel]"],
          ["on a [rustic|scrubbed|floury] wooden board", f"on a {_F_SURF} counter", "on a [cake|glass|tiered] stand", "on a [checked|faded] picnic blanket",
           "beside a pot of tea", "in a [bakery|cafe|patisserie] window", "on a [floral|white|gold-rimmed] china plate"], SMALL),
        G(TABLE, ["a [glass|tall glass|tumbler|chilled glass] of iced matcha latte", "a [strawberry|vanilla|chocolate] milkshake", "a [gin|rum|mezcal] cocktail with a lime wedge",
               "a [glass|tall glass|tumbler|chilled glass] of fresh [orange|grapefruit|blood orange] juice", "a [tall|frosty] glass of [lemonade|iced tea]", "a [cold|chilled] pint of [cider|beer]",
               "a [glass|tall glass|tumbler|chilled glass] of [frozen|mango|berry] smoothie", "a flat white coffee with latte art", "a pot of [jasmine|mint|green] tea",
               "a mug of hot chocolate with marshmallows"],
          ["beaded with condensation", "[topped|finished] with [whipped cream|a sprig of mint|a twist of peel]", "[swirled|layered] in two colours",
           "[fizzing|sparkling] with bubbles", "with a [striped|paper|glass] straw", "[garnished|served] with a slice of citrus", "just poured",
           "[steaming|still hot] in the cold air"],
          ["on a [sunny|shaded|crowded] cafe terrace", "on a [zinc|marble|copper] bar", "beside a [sunlit|open|fogged] window", "on a [wooden|wicker|tin] tray",
           "at a poolside bar", "on a [tiled|mosaic] cafe counter", "on a [rain-spotted|little] balcony ledge"], SMALL),
        G(TABLE, ["a platter of fresh oysters", "a cheese board with [grapes|figs|quince] and crackers", f"a {_F_ADJ} [bowl|deep bowl|big bowl] of tropical fruit salad",
               f"a {_F_ADJ} [plate|dish|serving] of sushi [rolls|and sashimi|nigiri]", "a breakfast of eggs and avocado toast", "a [colourful|crisp] salad with [feta|pomegranate|walnuts]",
               "a [bowl|plate] of fresh [berries|cherries|figs]", "a [mezze|tapas] spread", "a [bowl|plate] of dumplings with dipping sauce",
               "a [platter|board] of cured meats"],
          ["[arranged|laid out] with care", "[drizzled|dressed] with lemon", f"[scattered|topped] with {_F_GARNISH}", "[glistening|gleaming] with juice",
           "on crushed ice", "with a bowl of [sauce|dip|olives] on the side", "[half|partly] eaten"],
          ["on a [long|rustic] harvest board", "on a [slate|wooden|olive-wood] board", "at a [beachside|seaside] shack", f"on a {_F_PLATE} platter",
           "at a [crowded|festive|candlelit] dinner party", "on a [checked|linen] picnic cloth"], SMALL),
    ],
    "S4": [
        G(ROOM, [f"a {_R_ADJ} [living room|reading nook|sitting room|studio flat]", "a minimalist Scandinavian living room",
              f"a {_R_ADJ} attic bedroom [under sloping beams|with a skylight|]", f"a {_R_ADJ} [open-plan|galley|farmhouse] kitchen",
              f"a {_R_ADJ} bathroom with [green|pink|cracked|white] tiles", f"a {_R_ADJ} home office", f"a {_R_ADJ} [guest|pastel|spare] bedroom",
              f"a {_R_ADJ} kitchen with [copper pans|open shelves|a big range]"],
          ["with sunlight streaming through tall windows", f"with {_R_FURN} [by the window|in one corner|against the wall]", "with a [crackling|smouldering] fireplace",
           "with dust floating in the light", "lined with [wooden|crowded|sagging] shelves", "with rain tapping on the windows",
           "lit by [warm|low|brass] pendant lights", "with ferns on every sill", "with peeling [floral|striped|green] wallpaper",
           "arranged with clean lines and soft rugs", "strewn with [unmade bedding|cushions|laundry]", "with a [checkered|terracotta|herringbone] floor",
           "with [candles|magazines|records] on every surface"],
          [_R_TIME], INDOOR),
        G(ROOM, ["an abandoned ballroom", "a [quiet|dim|long] hospital corridor interior", "a vintage barbershop interior", "a [grand|marble|echoing] museum hall",
              f"a {_R_ADJ} school library", "an empty classroom", "a [lavish|faded|grand] hotel lobby", "a [brightly lit|deserted] laundromat interior",
              "a [sleek|humming] server room", "the waiting room of an old [station|clinic]", f"a {_R_ADJ} [open-plan|wood-panelled] office"],
          ["with rows of empty seats", "with a [checkered|polished|scuffed] floor", "with dust sheets over the furniture", "lined with [tall|glass] cabinets",
           "with [flickering|buzzing] strip lights", "with sunlight falling in long bars", "[echoing|silent] and empty", "[with|under] a [high|vaulted|coffered] ceiling",
           "with stools stacked on the desks"],
          ["[after|just after|long after] closing time", _R_TIME, "during a [power cut|blackout|storm]",
           "on the [last|first] day of [term|the year|summer]"], INDOOR),
        G(ROOM, [f"a {_R_ADJ} artist's studio", "a candlelit wine cellar", "a [recording|rehearsal] studio interior", "a walk-in pantry",
              "a potting shed interior", "a [tiny|crowded] bookshop interior", "a [steamy|noisy] restaurant kitchen", f"a {_R_ADJ} study room"],
          ["crammed with [jars|crates|canvases]", "[lit|glowing] by a single bulb", "with [paint|flour] on every surface", "stacked floor to ceiling",
           "with [cobwebs|dust] in the corners", "[warm|humming] with activity"],
          [_R_TIME, "after [closing|hours]", "in the middle of the day"], INDOOR),
    ],
    "S5": [
        G(OUT, ["a [glacier|turquoise|milky-blue] lake ringed by mountains", "a [jagged|knife-edged|snow-streaked] mountain ridge", "a snowy mountain pass",
              "a meadow of wildflowers below [snow-capped|jagged] mountains", "a [narrow|deep|winding] fjord between [dark|sheer] mountains",
              "a [tall|thundering|slender] waterfall in a mountain gorge", "a [pine|larch] forest on a mountain slope", "a [still|mirror-like] mountain lake",
              "a [wide|green|glacial] valley between mountains"],
          [_L_SKY, "reflected in [still|glassy|calm] water", "[covered|blanketed|smothered] in fresh snow", "swept by [strong|icy|gusting] winds", "[dusted|streaked] with early snow",
           "[striped|dappled] with cloud shadows"],
          [_L_PLACE], VAST),
        G(OUT, ["rolling sand dunes in the desert", "a red sandstone canyon in the desert", "a [cracked|white] salt flat under a huge sky",
              "a desert oasis", "a [lone|wind-carved] rock arch in the desert", "a [dry|winding] riverbed across the desert", "a [red|ochre] mesa landscape"],
          ["shimmering in the midday heat", "[glowing|burning] red at sunset", "under a [cloudless|vast] blue sky", "beneath a sky full of stars",
           "[rippled|sculpted] by the wind", "after a rare rain shower", "in a [slow|drifting] dust haze"],
          ["in the Sahara", "in Namibia", "in Utah", "in the Atacama", "at the edge of the world", "far from any road", "in the Gobi", "in Wadi Rum"], VAST),
        G(OUT, ["a volcanic coastline by the sea", "a black sand beach", "a chalk cliff coastline above the sea", "a tropical lagoon beach",
              "basalt columns by the sea", "a [wild|rocky] ocean shore", "a sea cave opening onto the ocean", "a [long|empty] beach with rolling waves",
              "a [rocky|sandy] headland above the sea"],
          ["[pounded|battered] by [winter|heavy] waves", "under a double rainbow", "at low tide", "wrapped in sea fog", "[glittering|sparkling] in the sun",
           "under a [stormy|brooding] sky", "[glowing|bathed in light] at sunset", "on a [calm|windless] morning"],
          ["in Iceland", "on a remote island", "in Portugal", "in Cornwall", "in Hawaii", "on the Pacific coast", "in the Faroe Islands", "in Brittany"], VAST),
        G(OUT, ["a foggy moor under a wide sky", "a [slow|winding] river through the forest", "a river delta seen against the sea",
              "a thunderstorm over the prairie sky", "a frozen tundra landscape", "rolling green hills in a countryside landscape",
              "a [mossy|ancient] forest after rain", "a [shallow|braided] river across a valley landscape"],
          ["under [heavy|low] clouds", "[lit|streaked] by lightning", "in autumn colours", "covered in fresh snow", "[steaming|misty] in the morning",
           "under a [pale|wide] sky", "[golden|bronzed] in the evening light"],
          ["in Scotland", "in Canada", "in the Yorkshire Dales", "in Finland", "far from any road", "in late autumn", "in Mongolia"], VAST),
    ],
    "S6": [
        G(OUT, ["a row of [Victorian|Georgian|painted|narrow|crooked|tall] townhouses", f"a {_C_ADJ} cobblestone street in the old town",
              f"a {_C_ADJ} street of [pastel|whitewashed|half-timbered|brick|stone] houses", "a canal lined with [narrow|crooked|gabled] houses",
              "a hillside town of [white|ochre|pink] houses", "a harbour town of [painted|crooked|tall] houses", f"a {_C_ADJ} [medieval|market] town square",
              f"a {_C_ADJ} alley of [old|tall|leaning] houses", "a [stepped|winding] lane between [stone|adobe] houses"],
          ["after the rain", "covered in [ivy|wisteria|creepers]", "with [lit|shuttered|open] windows", "under heavy snow", "in the morning fog",
           "with laundry hanging between balconies", "with sunlight on the rooftops", "at blue hour", "decked with [window boxes|bunting|paper garlands]",
           "[crowded|busy] with market stalls", "[quiet|empty] before the shops open", "with [pigeons|milk crates|boots] on the doorsteps"],
          ["in Lisbon", "in an [old|ancient|historic] European [city|capital|port]", "on a hill above the bay", "along a canal", "in an alpine town", "by the harbour",
           "in Amsterdam", "in a [sleepy|Greek|Sicilian] island town", "in Kyoto", "in Marrakesh", "in [Porto|Prague|Bruges|Tallinn]"], VAST),
        G(OUT, ["a [glass|mirrored|slender] skyscraper in the city", "a neon-lit [alley|street|arcade] in the city", f"a {_C_ADJ} intersection in the city",
              "a city skyline of [glass|steel|concrete] towers", "a [futuristic|cavernous|vaulted] station building", "a brutalist concrete tower building",
              "a steel suspension bridge over the city", "a rooftop water tower above the city street", "a [crowded|elevated] city street of [noodle bars|shopfronts]"],
          ["at rush hour", "reflected in wet pavement", "at blue hour", "with every window lit", "in the morning fog", "under [hazy|heavy] clouds",
           "after the rain", "[shimmering|glinting] in the heat", "[steaming|glowing] after a downpour", "[buzzing|humming] with traffic"],
          ["in a dense downtown", "in Tokyo", "in New York", "in a sunbaked city", "along the waterfront", "in Hong Kong", "seen from a rooftop",
           "in [Chicago|Seoul|Singapore|São Paulo]"], VAST),
        G(OUT, ["a Gothic cathedral facade", "a [modernist|concrete|glass] villa house", "a [red|striped|white] lighthouse building", "a covered market hall building",
              "an old stone bridge", "a spiral staircase tower", "a [crumbling|derelict|red-brick] factory building", "a [Moorish|tiled] palace courtyard building",
              "an [Art Deco|Art Nouveau] building facade", "a [timber|thatched|stone] farmhouse", "a [domed|columned] town hall building"],
          ["covered in ivy", "[weathered|stained] by centuries", "with scaffolding on one side", "[glowing|lit up] at night", "under heavy snow",
           "in the morning fog", "[gleaming|glowing] in the late sun", "[half|partly] hidden by [pines|hedges|scaffolding]", "with [pigeons|swifts] circling the roof"],
          ["in Barcelona", "in a quiet suburb", "on a [rocky|windswept] headland", "in an [old|ancient|historic] European [city|capital|port]", "by the harbour", "in a northern town",
           "at the end of a [long|dusty|poplar-lined] avenue"], VAST),
    ],
    "S7": [
        G(OUT, [f"a {_V_ADJ} red convertible car", f"a {_V_ADJ} pickup truck", f"a {_V_ADJ} yellow taxi car", f"a {_V_ADJ} rally car",
              f"a {_V_ADJ} [black|white] limousine car", f"a {_V_ADJ} camper van bus", f"a {_V_ADJ} muscle car", f"a {_V_ADJ} [double-decker|school] bus",
              f"a {_V_ADJ} [cherry-red|racing-green|powder-blue] sports car", f"a {_V_ADJ} delivery truck"],
          ["speeding along a coastal highway", "parked beside a [gas|petrol] station", "kicking up [dust|gravel|spray]", "rounding a hairpin bend",
           "waiting at a crossing", "gleaming after a wash", "half buried in snow", "[covered|spattered] in mud", "idling at a red light",
           "[stuck|stranded] with a flat tyre", "[loaded|packed] for a long trip", "[crawling|inching] through traffic"],
          ["on a dusty highway", "on a rainy road", "in the countryside", "on a winding alpine road", "on a salt flat", "in a quiet village",
           "outside a [roadside|neon|chrome] diner", "at a [deserted|lonely] crossroads", "in a [gravel|empty|flooded] car park"]),
        G(OUT, [f"a {_V_ADJ} steam locomotive train", "a [sleek|white|silver] high-speed train", f"a {_V_ADJ} [red|green|cream] tram",
              f"a {_V_ADJ} [freight|night|mail] train", f"a {_V_ADJ} narrow-gauge train", f"an {_V_ADJ} underground train"],
          ["crossing a stone viaduct", "[pulling into|waiting at] a station", "[trailing|puffing] white steam", "[snaking|racing] through the hills",
           "half buried in snow", "[rattling|gliding] over a viaduct", "[emerging|bursting] from a tunnel", "[curving|leaning] into a bend"],
          ["in the countryside", "through an alpine valley", "in the Swiss Alps", "across a [snowy|wide|flat] plain", "in a [busy|grand|draughty] terminus",
           "past [vineyards|wheat fields|rice paddies]"]),
        G(OUT, ["a [rusting|towering|laden] container ship", f"a {_V_ADJ} wooden sailboat", f"a {_V_ADJ} fishing boat", f"a {_V_ADJ} tugboat",
              "a [red|white] seaplane", "a [tall|three-masted] sailing ship", f"a {_V_ADJ} rowing boat", "a [luxury|sleek|old] motor boat",
              f"a {_V_ADJ} harbour ferry boat"],
          ["cutting through the waves", "docked in a quiet harbour", "[moored|anchored] in a bay", "[heeling|leaning] in the wind",
           "[pushing|ploughing] through a storm", "[drifting|bobbing] on calm water", "[hauled up|beached] on the shingle", "[unloading|taking on] cargo"],
          ["in a busy port", "off a rocky coast", "on [glassy|misty] water", "in open water", "beside a [wooden|stone] jetty", "in a [sheltered|tiny] harbour"]),
        G(OUT, ["a [striped|patched|bright] hot air balloon", "a [grey|sleek] fighter jet plane", "a [lumbering|grey] cargo plane", "a space shuttle",
              "a [vintage|red|yellow] biplane", "a [passenger|jumbo] airplane", "a [yellow|rescue|red] helicopter", "a [small|single-engine] propeller plane"],
          ["taking off at dawn", "[climbing|banking] steeply", "[parked|resting] on the apron", "[lifting off|launching] in a plume of smoke",
           "trailing white vapour", "coming in to land", "[waiting|lined up] on the runway", "[drifting|floating] lazily"],
          ["at an old airfield", "above the clouds", "over a patchwork of fields", "on a remote runway", "over the waves", "over a sleeping [valley|coastline]"]),
        G(OUT, [f"a {_V_ADJ} motorcycle", f"a {_V_ADJ} racing bicycle", f"an {_V_ADJ} electric scooter", "a [mud-spattered|dirt] bike",
              f"a {_V_ADJ} cargo bike", f"a {_V_ADJ} cafe racer motorcycle", f"a {_V_ADJ} [tandem|folding] bicycle"],
          ["leaning against a wall", "[speeding|racing] down a hill", "parked on the kerb", "[splashing|bouncing] through puddles",
           "[loaded|piled] with crates", "chained to a [railing|lamppost]", "[tipped|lying] on its side"],
          ["on a cobbled road", "on a gravel track", "outside a [corner|roadside] cafe", "on a [wet|sunny] promenade", "in a [narrow|quiet] lane"]),
    ],
    "S8": [
        G(OUT, ["a [blooming|blossoming|young] cherry tree", "a field of [towering|golden|nodding] sunflowers", "a [single|lone] red poppy flower",
              "a [purple|hazy] lavender field", "cascading [purple|white] wisteria flowers", "a bouquet of [pink|white|blush] peonies",
              "a bed of [red|striped|yellow] tulips", f"a {_PL_ADJ} climbing rose", "a [white|pink] lotus flower", f"a {_PL_ADJ} rose bush",
              "a [pale|violet|speckled] orchid plant", "a meadow of [wildflowers|poppies and cornflowers]", "a [row|clump] of [foxgloves|hollyhocks] flowers"],
          ["in full bloom", "swaying in the [wind|breeze]", "with petals falling", "catching the first light", "heavy with raindrops", "glowing in the sun",
           "[buzzing|alive] with bees", "[just|half] opening", "wilting gently", "[bent|bowed] by the rain", "[nodding|leaning] toward the light"],
          ["in a [walled|cottage|Japanese|overgrown] garden", "in a [glass|Victorian] greenhouse", "beside a [stone|brick|mossy] path",
           "in a botanical garden", "on a [sunny|cluttered] windowsill", "along a [country|sunken] lane", "by a [still|lily] pond",
           "against a [crumbling|sunny] brick wall"]),
        G(OUT, ["a giant sequoia tree", "an [ancient|gnarled|silver-leaved] olive tree", f"a {_PL_ADJ} weeping willow tree", f"a {_PL_ADJ} oak tree",
              "a bonsai juniper tree", f"a {_PL_ADJ} [silver|paper] birch tree", "a [towering|ancient] baobab tree", f"a {_PL_ADJ} [red|Japanese] maple tree",
              f"a {_PL_ADJ} [Scots|umbrella] pine tree"],
          ["turning gold in autumn", "covered in frost", "[bare|leafless] in winter", "[bending|creaking] in the wind", "casting a long shadow",
           "[dripping|glistening] after rain", "[lit|backlit] by the low sun", "[dusted|laden] with snow", "[heavy|thick] with new leaves"],
          ["on a [bare|grassy|windy] hillside", "in a [misty|quiet|dark] wood", "in a [stone|moss] garden", "beside a [winding|country] road",
           "in an empty field", "in a [courtyard|temple] garden", "on the edge of a [cliff|ravine]"]),
        G(OUT, ["a cluster of [wild|orange|pale] mushrooms", "a [tiny|curled] fern unfurling", "a moss-covered log with mushrooms",
              "a carpet of [green|velvet|star] moss plant", "a [red|spotted] toadstool mushroom", "a [tangle|clump] of [ivy|bracken] leaves",
              "a [ring|trail] of [fairy|shaggy] mushrooms"],
          ["covered in morning dew", "[glistening|shining] after rain", "[poking|pushing] up through fallen leaves", "in soft green light",
           "[dotted|beaded] with water"],
          ["on a woodland floor", "in a damp [hollow|ravine]", "beside a [mossy|fallen] trunk", "in an old woodland", "at the foot of a tree"]),
        G(TABLE, [f"a {_PL_ADJ} monstera plant", "a collection of potted succulents", "a cactus in bloom", "a sprig of eucalyptus leaves",
               f"a {_PL_ADJ} [trailing|variegated] pothos plant", "a [tiny|potted] bonsai tree", f"a {_PL_ADJ} [fiddle-leaf fig|rubber] plant",
               "a [glass|hanging] terrarium of plants", "a pot of [basil|rosemary|mint] plant"],
          ["with [glossy|waxy] leaves", "in a terracotta pot", "[leaning|reaching] toward the light", "with a new leaf unfurling", "[freshly|just] watered",
           "in a [chipped|glazed|woven] planter"],
          ["on a windowsill", "on a [wooden|plant|iron] stand", "in a [bright|plant-filled] corner", "on a [sunny|tiled] ledge",
           "against a [white|limewashed] wall"], SMALL),
    ],
    "S9": [
        G(TABLE, [f"[a pair of|two] {_W_ADJ} suede ankle [boots|shoes]", f"[a pair of|two] {_W_ADJ} high-top [sneakers|shoes]", "[a pair of|two] red stiletto [heels|shoes]",
               f"[a pair of|two] {_W_ADJ} [brogue|leather|loafer] shoes", f"[a pair of|two] {_W_ADJ} [canvas|white] tennis shoes", "[a pair of|two] [silver|beaded] evening shoes"],
          ["neatly [laced|arranged|paired]", "with visible stitching", "[slightly|well] worn", "[polished|buffed] to a shine", "beside a shoebox",
           "with a [price|paper|swing] tag [attached|still attached|dangling]", "[spattered|dusted] with [mud|sand]"],
          [_W_DISPLAY, "on a [shoe|oak] rack"], SMALL),
        G(TABLE, [f"a {_W_ADJ} silk evening dress on a dress form", f"a {_W_ADJ} denim jacket on a wooden hanger", f"a {_W_ADJ} wool trench coat jacket on a rack",
               f"a {_W_ADJ} linen summer dress on a hanger", "an embroidered kimono jacket on a stand", f"a {_W_ADJ} [crisp|striped] cotton shirt on a hanger",
               "a [velvet|sequinned] party dress", f"a {_W_ADJ} [tweed|leather] biker jacket", f"a {_W_ADJ} [knitted|cable-knit] jumper shirt"],
          ["freshly pressed", "[hanging|hung] alone", "with [visible|contrast] stitching", "[catching|shimmering in] the light",
           "[shown|displayed] in three colours", "[folded back|open] to show the lining", "with the [sleeves|collar] turned up"],
          [_W_DISPLAY], SMALL),
        G(TABLE, [f"a {_W_ADJ} leather messenger bag", "a beaded clutch bag", f"a {_W_ADJ} canvas backpack bag", f"a {_W_ADJ} straw sun hat",
               f"a {_W_ADJ} tweed flat cap hat", f"a {_W_ADJ} [quilted|woven] shoulder bag", f"a {_W_ADJ} [felt|wide-brimmed] fedora hat",
               f"a {_W_ADJ} [leather|suede] tote bag", "a [silk|cashmere] scarf and a [wool|felt] hat"],
          ["neatly arranged", "[slightly|well] worn", "with [brass|gold] buckles", "with a [price|paper|swing] tag [attached|still attached|dangling]", "[spilling|half open] with tissue paper"],
          [_W_DISPLAY, "on a [hat|coat] stand"], SMALL),
        G(TABLE, ["a pearl necklace jewelry", "a [gold|silver] signet ring", "a diamond tennis bracelet", "a set of [silver|gold] jewelry",
               "[a pair of|two] [emerald|pearl|hoop] earrings", "a [vintage|gold] wristwatch", "a [jade|amber] pendant jewelry", "a [stack|tower|pile] of [gold|beaded] bangles"],
          ["catching the light", "[laid|coiled] on velvet", "[gleaming|sparkling]", "in an open [box|case]", "laid out neatly"],
          ["on a [marble|mirrored] tray", "in a glass display case", "on black velvet", "on a [jeweller's|linen] cushion", "against a plain studio backdrop"],
          SMALL),
    ],
    "S10": [
        G(TABLE, [f"an {_O_ADJ} brass compass", f"a {_O_ADJ} typewriter", f"a {_O_ADJ} pocket knife", f"a {_O_ADJ} rotary telephone",
               "a [green|brass|anglepoise] desk lamp", "a [glass|brass] hourglass", "a [hand-thrown|glazed|ceramic] vase", f"a {_O_ADJ} brass telescope",
               f"a {_O_ADJ} cast-iron kettle", f"a {_O_ADJ} wind-up alarm clock", "a hand-carved wooden bowl", f"a {_O_ADJ} leather suitcase",
               f"a {_O_ADJ} pocket watch clock", f"a {_O_ADJ} [sewing machine|radio set|brass scale]"],
          ["covered in a [thin|fine|grey] layer of dust", "polished to a [shine|soft glow|high gloss]", "worn from [years|decades] of use", "standing [alone|on its own]",
           "[slightly|half] open", "casting a long [shadow|blue shadow]", "with a [small|tiny] chip on the [edge|rim]", "still in mint condition", "[ticking|humming] quietly",
           "with a [faded|handwritten|paper] tag", "[waiting|sitting] to be [used|mended|sold]"],
          [_O_SURF], SMALL),
        G(TABLE, ["three [blue|red|white] cups and a [yellow|green] spoon", "a [red|green|blue] book to the left of a [white|grey] mug",
               "two wooden chairs and a round table", "four colored markers in a cup", "[a pair of|two] scissors next to a spool of thread",
               "five [green|glass|brown] bottles in a row", "a [blue|white] vase to the right of a [red|green] apple", "two [striped|paper] cups on a tray",
               "a [yellow|red] lamp beside a stack of three books", "a [black|red] clock above a [wooden|white] chair"],
          ["arranged in a neat row", "lined up [evenly|side by side]", "[placed|set] neatly", "[grouped|clustered] together"],
          ["on a plain white table", "on a [grey|pale] shelf", "on a [wooden|pine] table", "against a plain backdrop"], SMALL),
        G(TABLE, [f"an {_O_ADJ} acoustic guitar", f"a {_O_ADJ} tin robot toy", "a set of chess pieces", "a [stack|tower|pile] of vinyl records", f"a {_O_ADJ} teddy toy",
               f"a {_O_ADJ} wooden rocking chair", "a vintage table clock", f"a {_O_ADJ} [brass|silver] trumpet", f"a {_O_ADJ} [wooden|painted] toy robot",
               f"a {_O_ADJ} smartphone", f"a {_O_ADJ} [spinning top|yo-yo|jigsaw box]"],
          ["[leaning|propped] against a [wall|bookcase|radiator]", "[missing|with] one button eye", "[scattered|set up] mid-game", "[worn|faded] with [age|use]",
           "still in [its|the] [box|packaging]", "[abandoned|forgotten] after play"],
          ["in a quiet playroom corner", "on a [worn|braided] rug", "in a [junk|second-hand] shop", "on a [sunlit|bare] floor", "on a [music|folding] stand"],
          SMALL),
    ],
    "S11": [
        G(OUT, ["a [hand-painted|weathered|freshly painted|wooden] shop sign that [reads|says] \"{t}\"", "a [neon|flickering|pink neon|buzzing] sign [spelling|that reads] \"{t}\"",
              "a [huge|faded|colourful] mural sign with the slogan \"{t}\"", "a [wooden|mossy|leaning] trail marker carved with \"{t}\"",
              "a [glowing|giant|rain-streaked] billboard that says \"{t}\"", "a [chalk|hand-lettered] A-frame sign reading \"{t}\"",
              "a [brass|enamel|tin] sign that reads \"{t}\"", "a [cloth|paper|silk] banner strung between poles that says \"{t}\"",
              "a [faded|painted|peeling] wall sign that reads \"{t}\""],
          ["in [bold|tall|fat] letters", "in [elegant|looping|flowing] cursive", "in chunky block capitals", "in retro serif type", "in [glowing|neon|electric] letters",
           "in [crisp|bold|neat|big] [white|black|red|gold] letters",
           "with every letter [clearly|perfectly|easily] legible", "in [faded|peeling] gold paint", "in [red|black|yellow] stencil letters"],
          ["on a brick wall", "above a shop door", "on a rainy corner", "in a shop window", "at a night market", "beside a dusty trail",
           "on a [busy|quiet] square", "above a [roadside|seaside] stall"]),
        G(TABLE, ["a vintage cover with the title \"{t}\"", "a chalkboard menu with the words \"{t}\"", "a paper sleeve with the text \"{t}\"",
               "a handwritten note that says \"{t}\"", "a sign written in icing that reads \"{t}\"", "a printed label that says \"{t}\"",
               "an enamel pin with the text \"{t}\"", "a jar label that reads \"{t}\"", "a greeting card that says \"{t}\"",
               "a [paper|kraft] tag with the words \"{t}\" written on it", "a [neat|shipping] label that reads \"{t}\"", "a [rubber|wooden] stamp that reads \"{t}\""],
          ["in [bold|tall|fat] letters", "in [elegant|looping|flowing] cursive", "in [hand-lettered|brush|chalky] script", "in retro serif type",
           "in [crisp|bold|neat|big] [white|black|red|gold] letters",
           "with every letter [clearly|perfectly|easily] legible", "in [looping|neat|hurried] handwriting"],
          ["on a wooden surface", "on a cafe counter", "on a [marble|linen] surface", "pinned to a corkboard", "on a [kraft paper|plain] backdrop"],
          SMALL),
    ],
    "S12": [
        G(OUT, ["the Eiffel Tower[ landmark in Paris|]", "the landmark Sydney Opera House", "the [great|famous|ancient|best-known] landmark Colosseum in Rome",
              "the historical ruins of the [Parthenon|Acropolis]", "the Taj Mahal[ landmark in Agra|]", "the [famous|best-known|old] landmark tower of Big Ben",
              "the Statue of Liberty", "the [great|ancient] pyramids of Giza", "the [historical|famous|tilting] landmark Leaning Tower of Pisa",
              "the landmark Brandenburg Gate", "the [landmark|famous|hilltop] statue of Christ the Redeemer above Rio", "the historical [citadel|ruins] of Machu Picchu",
              "the historical rock-cut tombs of Petra", "the [famous|sacred|snow-capped] landmark cone of Mount Fuji", "the historical [circle|stones] of Stonehenge",
              "the [fairytale|famous] landmark Neuschwanstein Castle in Bavaria", "the landmark Sagrada Familia", "the historical temple landmark of Angkor Wat",
              "the landmark Hagia Sophia", "the historical Great Sphinx of Giza", "the historical Alhambra palace"],
          ["[at|just after|soon after] sunrise", "seen across the [water|bay|harbour]", "under [storm|brooding|towering] clouds",
           "crowded with [visitors|pilgrims|school groups]", "as it looked [centuries|long|ages] ago", "in the [evening|late|golden] light",
           "during a [festival|parade|national holiday]", "after a light snowfall", "on a [clear|crisp|windless] day", "[glowing|lit|floodlit] at night",
           "wrapped in [morning|winter] mist", "[half|partly] hidden by scaffolding", "[empty|quiet|deserted] before the crowds arrive"],
          ["from the [nearby|surrounding|distant] hills", "from across the water", "from a quiet side lane", "in the [off|quiet|low] season",
           "framed by [old pines|cypresses|tall palms]", "from the [main|old|busy] square", "from a [passing|moored] barge",
           "beyond a [crowd|row] of umbrellas", "from a [rooftop terrace|hotel balcony|viewpoint]"], VAST),
        G(OUT, ["Napoleon Bonaparte on horseback", "the historical moment of the Apollo 11 moon landing", "Albert Einstein at a blackboard",
              "the historical first flight of the Wright brothers", "Cleopatra in the royal palace", "the historical signing of the Magna Carta",
              "Abraham Lincoln delivering the Gettysburg Address", "the historical night the Berlin Wall fell", "Marie Curie in the laboratory",
              "the historical Moai statues of Easter Island"],
          ["as it [happened|unfolded]", "faithful to history", "[captured|shown] with accurate period costume", "in [sober|solemn|faded] colours",
           "[recreated|reconstructed] with care", "true to the [records|accounts|photographs] of the time"],
          ["before [watching|silent|cheering|hushed] onlookers", "in the historical [setting|moment|scene]", "on the [day|night|morning] itself"]),
        G(TABLE, ["the flag of [Brazil|Japan|Canada|South Africa|Kenya|Norway]", "an old map of the Mediterranean", "a historical map of the Silk Road",
               "a world map from the age of exploration", "an antique map of [Europe|Africa|the Americas]", "a historical star map of the heavens"],
          ["[waving|flying] in the wind", "[faded|yellowed] with age", "with [hand-drawn|inked] coastlines", "[pinned|spread] flat", "with accurate borders"],
          ["on a [flagpole|mast]", "on a [captain's|explorer's] desk", "in a museum case", "against clear blue air"]),
    ],
    "S13": [
        G(OUT, ["[red|glowing|silk|paper] Chinese lanterns [for|hung for|strung up for] the Spring Festival", "a [noisy|colourful|fierce] Chinese dragon-boat race",
              "a [leaping|drumming|bright] Chinese lion-dance troupe", "a [tiered|slender|old] Chinese pagoda on a [misty|rocky|pine-clad] peak",
              "a [Suzhou|classical|quiet] Chinese courtyard of rockeries", "the Great Wall of China winding over [green|autumn|snowy] hills",
              "a Beijing siheyuan courtyard with [red|paper|silk] lanterns", "a [busy|noisy|cheerful] Chinese temple fair with sugar figurines",
              "the Chinese palaces of the Forbidden City", "a Chinese canal village in Jiangnan", "a [long|golden|red] Chinese dragon dance through the lanes",
              "a Chinese tea terrace on a [steep|misty] hillside", "a [crowded|steaming] Chinese night market with red lanterns",
              "a [red|gilded|weathered] Chinese temple gate hung with lanterns", "a Chinese [stone|wooden|lakeside] pavilion with upturned eaves",
              "a Chinese [kite|lantern|chrysanthemum] festival on a [riverbank|temple square]", "Chinese [rice|terraced] fields below [karst|limestone] peaks",
              "a Chinese [sampan|bamboo raft] drifting on the Li [waters|current]", "a Chinese opera stage lit by [red|paper|swaying] lanterns"],
          ["[decorated|dressed up|hung with red] for the [New Year|Spring Festival]", "under [falling|drifting] plum blossoms",
           "[during|on the night of] the Lantern Festival", "in [soft|light|warm] spring rain", "[surrounded by|wreathed in] incense smoke", _GOLD_RED,
           "beneath a [full|huge|round|golden] autumn moon", "in [quiet|pale|thin] morning mist", "[strung|hung] with [red|paper|silk] lanterns",
           "[busy|bustling] with [drums|stalls|firecrackers|kites]", "[half|partly] hidden in [bamboo|pine|plum] [groves|branches]"],
          [_HUTONG, "[beside|along] a willow-lined [canal|waterway|stream]", "in a [hillside|cliffside|mist-wrapped] temple", _MOON_GATE,
           "on an arched [stone|marble] footbridge", "by a [lotus|lily] pond", "in an [ancient|old|sleepy] Chinese village",
           "at the foot of [karst|limestone|misty] peaks", "in a [bamboo|pine] grove", "on a [terraced|steep] hillside"]),
        G(TABLE, ["a Chinese calligraphy scroll", "a display of Chinese mid-autumn mooncakes", "a Chinese Peking opera mask",
               "a blue and white Chinese porcelain jar", "a jade carving of a Chinese dragon", "a Chinese gongfu tea ceremony with a Yixing teapot",
               "a Chinese paper-cut of a [rooster|rabbit|carp|magpie]", "a silk qipao with [plum blossom|peony|crane] embroidery",
               "a Chinese red lantern of [silk|paper]", "a Chinese zither with silk strings", "a Chinese [jade|bronze|lacquer] incense burner",
               "a set of Chinese [calligraphy brushes|seal stamps] on a silk mat", "a Chinese bamboo steamer of [dumplings|bao buns]"],
          [_GOLD_RED, "[glowing|lit] softly", "[laid out|set out] for the Mid-Autumn Festival", "[decorated|dressed up] for the New Year",
           "[wrapped|tied] in [red|crimson|plain] silk"],
          ["on a [rosewood|lacquered|camphor-wood] desk", "in a [scholar's|tea|lakeside] pavilion", "in a [lattice-windowed|quiet|dim] hall",
           "on a [lacquered|carved|red] stand"], SMALL),
        G(OUT, ["a figure in flowing Chinese hanfu", "a Chinese calligrapher with a brush", "Chinese dumplings being folded for the New Year",
              "the Monkey King Sun Wukong of Chinese legend", "[rows of|an army of|a line of] Chinese terracotta warriors", "a Chinese opera performer in full costume"],
          ["during the Spring Festival", _GOLD_RED, "[lit|glowing] by [red|paper|swaying] lanterns", "in [quiet|pale] morning mist"],
          [_HUTONG, _MOON_GATE, "in a [busy|smoky|old] Chinese temple", "beside a willow-lined canal"]),
    ],
    "S14": [
        G(DREAM, ["a [floating|drifting|hovering] fantasy island with [waterfalls|streams|cascades] [pouring|spilling|tumbling] into the clouds",
              "a [clockwork|brass|paper|glass] whale [swimming|drifting|gliding] through fantasy clouds", "a [crystal|glass|quartz] grove on an alien planet",
              "a [giant|luminous|ghostly] jellyfish drifting over alien dunes", "a fantasy [citadel|monastery|bazaar] [built|perched] on the back of a [giant|sleeping|ancient] turtle",
              "a grove of [giant|towering|pulsing] glowing toadstools on an alien world", "a magical hall where [pages|feathers|letters] flutter like moths",
              "a moon made of [porcelain|paper|glass|lace]", "a fantasy cloudscape with [whales|herds|shoals] of light", "an upside-down [waterfall|rainstorm|stream of stars] in a dream",
              "a sci-fi citadel of [floating|spinning|folded] towers", "a magical [staircase|corridor|archway] that [loops|folds|twists] into itself", "a fantasy castle grown from [coral|crystal|bone]",
              "a [glass|brass|paper] dream-machine the size of a [hill|cathedral]", "an alien [orchard|reef|bazaar] of [humming|singing|floating] lights"],
          ["defying gravity", "pulsing with soft light", "slowly dissolving into particles", "shimmering with impossible colours",
           "frozen in an endless moment", "growing in every direction", "[humming|glowing] with magic", "[unfolding|turning] like a [fan|paper crane]"],
          ["in a dimension of pure [colour|light|sound]", "under three moons", "at the edge of the universe", "inside a dream", "among floating rocks",
           "on a planet of [glass|mirrors|salt|ice]", "in an impossible fantasy realm"]),
        G(DREAM, ["an abstract composition of interlocking circles", "a fractal spiral pattern", "a tessellated pattern of hexagons",
              "flowing ribbons of colour in an abstract form", "an abstract field of [soft|bold] gradients", "a kaleidoscope pattern of [shards|petals]",
              "an abstract sculpture of [folded|twisted] light", "an abstract pattern of [woven|interlaced] lines"],
          ["[repeating|unfolding] endlessly", "[shifting|rippling] from edge to edge", "made of shifting geometry", "[glowing|pulsing] from within"],
          ["in a dimension of pure [colour|light|sound]", "on an endless plain", "inside a dream"]),
        G(DREAM, ["a bioluminescent alien creature", "a robot tending alien crops on Mars", "a phoenix rising from liquid gold",
              "a magical fox made of [starlight|smoke]", "a sci-fi golem of living crystal", "an alien beast with [six|glassy] wings",
              "a fantasy griffin with [copper|silver] feathers", "a magical moth with wings like stained glass"],
          ["pulsing with soft light", "[unfolding|spreading] enormous wings", "[drifting|wandering] through the mist", "shimmering with impossible colours"],
          ["under three moons", "on a planet of [glass|mirrors|salt|ice]", "in an impossible fantasy realm", "at the edge of the universe"]),
    ],
}

SUBJECT_ZH: dict[str, list[Group]] = {
    "S1": [
        G(OUT, ["一位戴草帽的老农", "一个扎马尾的小女孩", "一位穿风衣的年轻男子", "一位街头小提琴手", "两个[奔跑|嬉闹]的孩子", "一位白发奶奶",
              "一位满脸皱纹的老渔夫", "一个背着书包的男孩"],
          ["开心地笑着", "安静地读书", "低头弹吉他", "望着远方出神", "端着一杯热茶", "在认真画画", "撑着伞慢慢走着"],
          ["在热闹的菜市场", "在公园的长椅上", "在码头上", "在老街的石阶上", "在麦田边", "在屋顶天台上"]),
        G(ROOM, ["一位系着白围裙的厨师", "一名穿蓝色工作服的护士", "一位戴眼镜的老裁缝", "一位满手面粉的面包师", "一位年轻的钟表匠"],
          ["专注地干活", "抬头微笑", "小憩片刻", "和同事说笑"],
          ["在小小的面包店里", "在杂乱的工作间", "在木柜台后面", "在街角的小店里"]),
        G(OUT, ["一位芭蕾舞者", "一名消防员", "一个滑板少年", "一位马拉松运动员", "一位攀岩的年轻人"],
          ["正在跳跃", "停下来喘口气", "在终点线前微笑", "做着热身"],
          ["在空旷的舞台上", "在江边的步道上", "在陡峭的岩壁前", "在尘土飞扬的跑道上"]),
    ],
    "S2": [
        G(OUT, ["一只[小|机警的]红狐狸", "一头棕熊", "一只小刺猬", "一群野马", "一头大象", "一只老虎", "一只小鹿"],
          ["蜷成一团睡觉", "在溪边喝水", "好奇地张望", "在草地上奔跑", "警觉地竖起耳朵"],
          ["在雪地里", "在长满青苔的石头上", "在草原上", "在湖边", "在热带雨林中", "在秋天的落叶里"]),
        G(OUT, ["一只雪鸮", "一群火烈鸟", "一只翠鸟", "一只蜂鸟", "一只苍鹭", "一只小鸟"],
          ["停在枝头", "贴着水面滑翔", "展开翅膀", "梳理羽毛"],
          ["在芦苇丛边", "在平静的湖面上", "在晨光中的芦苇上", "在晨雾中的沼泽"]),
        G(OUT, ["一头座头鲸", "一对水獭", "一群银色的小鱼", "一群企鹅"],
          ["跃出水面", "在清澈的水中游动", "浮上水面换气", "在浪里嬉戏"],
          ["在珊瑚礁上方", "在摇曳的水草间", "在蔚蓝的深水里", "在浅浅的泻湖里"]),
        G(OUT, ["一只橘猫", "一只金毛犬", "一只边境牧羊犬", "一只小白兔", "一匹白马", "一头奶牛"],
          ["蜷成一团睡觉", "在阳光下伸懒腰", "在水坑里扑腾", "耐心地等待着"],
          ["在农舍门廊上", "在窗台上", "在绿油油的牧场上", "在红色谷仓旁"]),
    ],
    "S3": [
        G(TABLE, ["一碗热腾腾的牛肉面", "一碗麻辣火锅", "一份寿司拼盘", "一盘意大利面", "一碗番茄汤", "一盘饺子"],
          ["冒着热气", "撒着芝麻", "点缀着香菜", "淋着红油"],
          ["放在大理石台面上", "摆在路边小吃摊上", "盛在粗陶碗里", "放在石板上"], SMALL),
        G(TABLE, ["一块草莓蛋糕", "一篮刚出炉的面包", "一叠蓝莓松饼", "一块柠檬挞", "一盘可颂"],
          ["刚刚出炉", "撒着糖粉", "淋着蜂蜜", "抹着融化的黄油"],
          ["放在木砧板上", "摆在面包店橱窗里", "放在野餐布上", "摆在白瓷盘里"], SMALL),
        G(TABLE, ["一杯拿铁咖啡", "一杯鲜榨橙汁", "一杯冰抹茶拿铁", "一杯草莓奶昔", "一杯柠檬水"],
          ["杯壁挂着水珠", "点缀着薄荷叶", "插着一根吸管", "刚刚倒好"],
          ["放在咖啡馆的窗边", "摆在露台的小桌上", "放在木托盘上", "放在大理石吧台上"], SMALL),
    ],
    "S4": [
        G(ROOM, ["一间温馨的客厅", "一间极简风格的卧室", "一间堆满画具的画室", "一间安静的图书馆阅览室", "一间现代开放式厨房",
              "一间空荡荡的教室", "一间复古理发店", "一间阁楼卧室", "一间小小的书房"],
          ["阳光从大窗户洒进来", "摆满了木质书架", "亮着暖黄色的吊灯", "壁炉里火光跳动", "窗台上放着绿植", "雨点轻敲着窗户"],
          ["在冬日午后", "在深夜", "在清晨", "在下雨的傍晚", "在安静的周末"], INDOOR),
        G(ROOM, ["一间废弃的舞厅", "一条安静的医院走廊", "一间宏伟的博物馆大厅", "一间酒店大堂", "一间深夜的洗衣房"],
          ["空空荡荡", "地面擦得锃亮", "灯光忽明忽暗", "家具上盖着白布"],
          ["在打烊之后", "在深夜", "在清晨", "在阴沉的午后"], INDOOR),
    ],
    "S5": [
        G(OUT, ["一片冰川湖和远处的雪山", "陡峭的雪山山脊", "一片高山草甸和远山", "一处深邃的峡湾", "一道高高的瀑布从山间倾泻而下"],
          ["笼罩在薄雾中", "倒映在平静的湖面上", "沐浴在落日余晖里", "覆盖着新雪", "头顶是满天繁星"],
          ["在冰岛", "在高原上", "在阿尔卑斯山区", "在遥远的北方"], VAST),
        G(OUT, ["连绵的沙漠沙丘", "一片盐湖", "一片红色砂岩峡谷的风景", "一片沙漠绿洲"],
          ["在正午的热浪中闪烁", "被风吹出层层沙纹", "在夕阳下泛着红光", "头顶是满天繁星"],
          ["在撒哈拉沙漠", "在沙漠深处", "在遥远的西部"], VAST),
        G(OUT, ["一片黑色沙滩和大海", "一段火山岩海岸", "一片热带海滩", "白色的海边悬崖", "波涛汹涌的大海"],
          ["被巨浪拍打", "笼罩在海雾中", "在阳光下波光粼粼", "在暴风雨的天空下"],
          ["在遥远的海岛上", "在冰岛南岸", "在太平洋沿岸"], VAST),
    ],
    "S6": [
        G(OUT, ["一条鹅卵石小街", "一排彩色的联排房屋", "一座白色小镇的街道", "一条运河两岸的老房子", "一个港口小镇的街道"],
          ["雨后倒映在湿漉漉的路面上", "爬满了常春藤", "笼罩在晨雾中", "积着厚厚的雪", "窗户里亮着灯"],
          ["在欧洲老城里", "在港湾旁", "沿着河岸", "在里斯本"], VAST),
        G(OUT, ["一座玻璃摩天大楼", "一条霓虹闪烁的城市街道", "一座钢铁吊桥", "一个繁忙的城市十字路口", "一片城市天际线"],
          ["在蓝调时刻亮起灯光", "在晚高峰时熙熙攘攘", "倒映在雨后的路面上", "笼罩在雾霭中"],
          ["在繁华的市中心", "在东京", "在纽约", "沿着河岸"], VAST),
        G(OUT, ["一座哥特式教堂建筑", "一座红色灯塔", "一座古老的石桥", "一座废弃的工厂建筑", "一座现代主义别墅建筑"],
          ["爬满了常春藤", "被岁月侵蚀", "在夜里亮着灯", "积着厚厚的雪"],
          ["在欧洲老城里", "在岬角上", "在安静的郊区"], VAST),
    ],
    "S7": [
        G(OUT, ["一辆红色复古敞篷车", "一辆黄色出租车", "一辆生锈的皮卡车", "一辆双层巴士", "一辆复古露营车"],
          ["在沿岸公路上飞驰", "停在加油站旁", "扬起一路尘土", "半埋在雪里", "在急弯处转弯"],
          ["在沙漠中", "在下雨的马路上", "在乡间小路上", "在蜿蜒的公路上"]),
        G(OUT, ["一列蒸汽火车", "一列高铁", "一辆红色有轨电车"],
          ["驶过石拱桥", "冒着白色蒸汽", "停靠在站台旁", "穿过雪原"],
          ["在乡间", "在峡谷间", "在繁忙的车站"]),
        G(OUT, ["一艘集装箱货轮", "一艘木帆船", "一艘渔船", "一艘小木船"],
          ["破浪前行", "停泊在安静的港湾", "在风中倾斜", "漂在平静的水面上"],
          ["在繁忙的港口", "在开阔的水面上", "在雾气弥漫的湖上"]),
        G(OUT, ["一只热气球", "一架水上飞机", "一架老式双翼飞机", "一架客机"],
          ["在清晨起飞", "飘过田野上空", "穿过云层"],
          ["在古老的机场", "在云端之上", "在辽阔的田野上空"]),
    ],
    "S8": [
        G(OUT, ["一棵盛开的樱花树", "一片向日葵花田", "一朵红色罂粟花", "一片薰衣草花田", "垂落的紫藤花", "一束粉色牡丹花", "一池荷花"],
          ["开得正盛", "在风中摇曳", "花瓣缓缓飘落", "沐浴着第一缕阳光", "挂着雨滴"],
          ["在花园里", "在温室中", "在石板小路旁", "在乡间小道边"]),
        G(OUT, ["一棵古老的橄榄树", "一棵垂柳树", "一棵高大的红杉树", "一棵孤零零的橡树", "一棵红枫树"],
          ["在秋天变得金黄", "挂满了白霜", "在风中弯下腰", "投下长长的影子"],
          ["在坡地上", "在雾气弥漫的林子里", "在空旷的田野中", "在寺院的庭院里"]),
        G(OUT, ["一簇野生蘑菇", "一株正在舒展的蕨类植物", "一段长满青苔的朽木和蘑菇"],
          ["挂着晨露", "雨后闪着水光", "从落叶中钻出来"],
          ["在森林的地面上", "在潮湿的林间", "在古老的林地中"]),
        G(TABLE, ["一株龟背竹植物", "一盆多肉植物", "一盆小小的盆景树", "一盆开花的多肉植物"],
          ["叶片油亮", "种在陶土花盆里", "朝着光线生长"],
          ["在窗台上", "在明亮的角落里", "靠着白墙"], SMALL),
    ],
    "S9": [
        G(TABLE, ["一双麂皮短靴鞋", "一双高帮运动鞋", "一双红色高跟鞋", "一双棕色皮鞋"],
          ["整齐地摆放着", "缝线清晰可见", "擦得锃亮", "挂着价签"],
          ["陈列在精品店橱窗里", "放在大理石展台上", "放在木长凳上", "放在玻璃展柜中"], SMALL),
        G(TABLE, ["一件挂在衣架上的丝绸晚礼服裙子", "一件牛仔夹克衣服", "一件羊毛风衣", "一条亚麻连衣裙子", "一件刺绣和服"],
          ["刚刚熨烫过", "独自挂着", "在灯光下泛着光泽"],
          ["挂在复古衣架上", "在步入式衣帽间里", "在纯色背景前"], SMALL),
        G(TABLE, ["一只皮革邮差包", "一顶草编遮阳帽", "一只串珠手拿包", "一条珍珠项链", "一枚金色印章戒指", "一条羊绒围巾"],
          ["整齐地摆放着", "在灯光下闪闪发亮", "有些磨损", "放在打开的盒子里"],
          ["放在玻璃展柜中", "平铺在亚麻布上", "放在黑色丝绒上"], SMALL),
    ],
    "S10": [
        G(TABLE, ["一个黄铜罗盘", "一台老式打字机", "一部转盘电话", "一盏绿色台灯", "一个玻璃沙漏", "一只旧皮箱", "一把木椅子", "一个复古闹钟"],
          ["落满了灰尘", "被擦得锃亮", "有多年使用的痕迹", "投下长长的影子"],
          ["放在工作台上", "放在木书桌上", "放在窗台上", "摆在书架上", "放在白色桌子上"], SMALL),
        G(TABLE, ["三个蓝色杯子和一把黄色勺子", "一本红色的书放在白色杯子左边", "两把木椅子和一张圆桌子", "五个绿色的玻璃瓶"],
          ["整齐地排成一排", "并排摆放着"],
          ["放在白色桌面上", "摆在灰色架子上"], SMALL),
        G(TABLE, ["一把旧小提琴", "一个铁皮发条玩具", "一只泰迪熊玩具", "一套国际象棋", "一叠黑胶唱片"],
          ["靠在墙边", "有些褪色", "还装在盒子里"],
          ["在游戏室的角落", "在二手店里", "在阳光照进的地板上"], SMALL),
    ],
    "S11": [
        G(OUT, ["一块写着“{t}”的手绘招牌", "一个闪着“{t}”字样的霓虹灯牌", "一块写着“{t}”的路牌", "一面写着“{t}”的涂鸦墙", "一条写着“{t}”的横幅"],
          ["字体粗壮醒目", "每个字都清晰可读", "用复古衬线字体", "字迹有些斑驳"],
          ["挂在砖墙上", "挂在店门上方", "立在雨夜的街头", "在热闹的夜市里"]),
        G(TABLE, ["一本书名为“{t}”的旧书封面", "一块写着“{t}”的黑板菜单", "一张写着“{t}”的手写便条", "一张印着“{t}”的标签",
               "一个写着“{t}”的瓶子标签", "一张写着“{t}”的贺卡"],
          ["用优雅的手写体", "每个字都清晰可读", "字迹工整"],
          ["放在木桌上", "贴在橱窗里", "钉在软木板上"], SMALL),
    ],
    "S12": [
        G(OUT, ["埃菲尔铁塔", "悉尼歌剧院", "罗马斗兽场", "泰姬陵", "自由女神像", "吉萨金字塔", "马丘比丘古城", "巨石阵", "比萨斜塔"],
          ["在日出时分", "在暴风雨的天空下", "挤满了游客", "在傍晚的余晖中", "还原历史原貌"],
          ["从远处眺望", "隔着河流远眺", "从广场上看"], VAST),
        G(TABLE, ["一张古老的欧洲地图", "一张古老的世界地图", "巴西国旗", "日本国旗"],
          ["边缘已经泛黄", "在风中飘扬", "边界用墨线手绘"],
          ["摊在书桌上", "陈列在博物馆的展柜里", "挂在旗杆上"]),
        G(OUT, ["阿波罗11号登月", "莱特兄弟的首次飞行", "拿破仑骑在马背上"],
          ["忠实还原历史", "还原当时的场景"],
          ["在历史现场", "在围观者的注视下"]),
    ],
    "S13": [
        G(OUT, ["春节的红灯笼", "一场龙舟比赛", "一支舞狮队", "云雾中的古塔", "苏州园林", "北京四合院", "江南水乡", "故宫", "热闹的庙会"],
          ["张灯结彩迎新年", "红绸随风飘动", "正值元宵佳节", "沐浴在春雨中", "香火缭绕", "一轮满月当空"],
          ["在古老的胡同里", "在垂柳依依的河边", "在古寺中", "在有月亮门的庭院里", "在石拱桥上", "在莲池边"]),
        G(TABLE, ["一幅书法卷轴", "中秋月饼", "京剧脸谱", "一把中国折扇", "一尊玉雕龙", "功夫茶茶席", "一幅中国剪纸", "一件绣着祥云的旗袍"],
          ["金红相间", "透着古韵", "在灯下泛着光泽"],
          ["放在红木桌上", "陈列在茶室里", "摆在红木架上"], SMALL),
        G(OUT, ["一位身穿汉服的女子", "齐天大圣孙悟空", "兵马俑", "春节年夜饭桌上的饺子"],
          ["在春节期间", "金红相间", "被红灯笼照亮"],
          ["在古老的胡同里", "在有月亮门的庭院里", "在中国古镇里"]),
    ],
    "S14": [
        G(DREAM, ["一座漂浮在云端的奇幻岛屿", "一头在天空中游动的发条鲸鱼", "一片外星球上的水晶森林", "一只巨大的水母漂浮在外星沙漠上空",
              "一座建在巨龟背上的奇幻城堡", "一道旋转的光之门", "一座倒流的瀑布", "一座科幻的漂浮要塞"],
          ["违背重力", "散发着柔和的光芒", "慢慢化为粒子", "闪烁着不可思议的色彩"],
          ["在纯粹色彩的维度里", "在三个月亮之下", "在宇宙的边缘", "在梦境之中"]),
        G(DREAM, ["由交错圆环组成的抽象构图", "一片分形螺旋图案", "由六边形拼成的抽象图案", "流动的抽象色带"],
          ["无限重复", "不断变换着几何形状", "从内部发出光芒"],
          ["在纯粹色彩的维度里", "在无尽的平面上"]),
        G(DREAM, ["一只发光的外星生物", "一只从液态黄金中升起的凤凰", "一只由星光组成的奇幻狐狸"],
          ["散发着柔和的光芒", "展开巨大的翅膀", "在雾中游荡"],
          ["在三个月亮之下", "在玻璃星球上", "在不可思议的奇幻国度"]),
    ],
}

# Synonyms woven into the subject and scene phrases above (each word becomes `[word|synonym|…]`), so the
# same entry is worded differently from prompt to prompt. Only words that keep their meaning in every
# phrase they appear in; none is a word the classifier keys on (tests/test_generate.py checks).
SYNONYMS_EN: dict[str, list[str]] = {
    "quiet": ["hushed", "peaceful", "silent"], "empty": ["deserted", "vacant"], "tiny": ["little", "small"], "small": ["little", "modest"],
    "tall": ["towering", "lofty"], "dusty": ["dust-covered", "grimy"], "faded": ["sun-faded", "washed-out"], "crowded": ["packed", "thronged"],
    "busy": ["bustling", "lively"], "glowing": ["shining", "luminous"], "gleaming": ["shining", "glinting"], "shimmering": ["glimmering", "glistening"],
    "polished": ["buffed", "burnished"], "battered": ["beaten-up", "knocked-about"], "rusty": ["rust-eaten", "corroded"], "muddy": ["mud-caked", "mucky"],
    "misty": ["hazy", "mist-wrapped", "foggy"], "snowy": ["snowbound"], "rocky": ["stony", "craggy"],
    "winding": ["twisting", "meandering"], "sunny": ["sunlit", "sun-drenched"], "rainy": ["rain-soaked", "rain-slicked"],
    "gently": ["softly", "lightly"], "slowly": ["unhurriedly", "steadily"], "quietly": ["silently", "softly"], "neatly": ["tidily", "carefully"],
    "freshly": ["newly"], "cheerful": ["jolly", "merry"], "smiling": ["grinning", "beaming"], "laughing": ["chuckling", "giggling"],
    "tired": ["weary", "worn-out"], "curious": ["inquisitive", "nosy"], "sleepy": ["drowsy", "dozy"], "huge": ["enormous", "vast"],
    "giant": ["enormous", "colossal"], "lone": ["solitary", "single"], "ancient": ["age-old", "primeval"], "weathered": ["weather-beaten", "wind-worn"],
    "crumbling": ["decaying", "tumbledown"], "glossy": ["shiny", "lustrous"], "delicate": ["dainty", "fine"], "sturdy": ["solid", "robust"],
    "elegant": ["graceful", "refined"], "rustic": ["homely", "country-style"], "remote": ["far-off", "isolated"], "deserted": ["abandoned", "forsaken"],
    "slender": ["slim", "willowy"], "pale": ["pallid", "washed-out"], "dark": ["shadowy", "dim"], "cold": ["chilly", "bitter"],
    "scattered": ["strewn", "dotted"], "drifting": ["floating", "wafting"], "watching": ["eyeing", "observing"],
    "stacked": ["piled", "heaped"], "carrying": ["toting", "hauling"], "walking": ["strolling", "ambling"],
    "path": ["walkway", "footpath"], "lane": ["alley", "byway"], "trail": ["track", "path"], "corner": ["nook"], "hillside": ["slope", "hill"],
    "meadow": ["pasture", "field"], "pond": ["pool", "mere"], "stream": ["brook", "creek"], "mist": ["haze", "fog"], "village": ["hamlet"],
    "stall": ["stand", "kiosk"], "countryside": ["farmland"], "beside": ["by", "next to", "alongside"], "under": ["beneath", "below"],
    "among": ["amid", "amongst"], "through": ["across"], "above": ["over"], "near": ["close to"], "bare": ["empty", "stark"],
    "wet": ["damp", "soaked"], "warm": ["cosy", "mellow"], "thick": ["dense"], "bright": ["vivid", "brilliant"],
    "enormous": ["huge", "massive"], "fluffy": ["fuzzy", "downy"], "scruffy": ["shaggy", "unkempt"], "playful": ["frisky", "lively"],
    "wild": ["untamed"], "lush": ["verdant", "leafy"], "twisted": ["gnarled", "contorted"], "tangled": ["knotted", "matted"],
    "along": ["alongside"], "across": ["over"], "inside": ["within"], "waiting": ["lingering"],
    "resting": ["lounging"], "glistening": ["glittering", "gleaming"], "sparkling": ["twinkling", "glittering"], "arranged": ["set out", "laid out"],
    "neat": ["tidy", "orderly"], "plain": ["simple", "bare"], "wooden": ["timber"], "vintage": ["retro", "old-fashioned"],
    "famous": ["well-known", "celebrated"], "frosty": ["frost-bitten", "frosted"], "silent": ["soundless"], "humming": ["buzzing", "thrumming"],
    "crooked": ["lopsided", "skewed"], "hidden": ["tucked away", "concealed"], "flickering": ["guttering", "wavering"],
    "handmade": ["hand-crafted"], "brand-new": ["shiny new", "spotless"], "colourful": ["vivid", "bright"], "noisy": ["loud", "rowdy"],
    "grand": ["stately", "imposing"], "lavish": ["opulent", "sumptuous"], "abandoned": ["forsaken", "derelict"], "cluttered": ["messy", "jumbled"],
    "cozy": ["snug", "homely"], "airy": ["breezy", "light-filled"], "tidy": ["orderly", "neat"], "chipped": ["nicked"],
    "speckled": ["flecked", "dappled"], "crackling": ["roaring", "spitting"], "peeling": ["flaking"], "sagging": ["drooping", "slumped"],
    "echoing": ["resonant", "cavernous"], "dim": ["dusky", "gloomy"], "gnarled": ["knotted", "twisted"], "swaying": ["rocking", "bending"],
    "towering": ["soaring", "lofty"], "sleek": ["glossy", "smooth"], "lean": ["rangy", "wiry"], "wary": ["cautious", "watchful"],
    "watchful": ["vigilant", "alert"], "grumpy": ["sulky", "crabby"], "mischievous": ["impish", "cheeky"], "plump": ["chubby", "round"],
    "ruffled": ["tousled", "rumpled"], "proud": ["stately", "dignified"], "graceful": ["elegant", "fluid"], "rolling": ["undulating", "gentle"],
    "reflected": ["mirrored"], "jagged": ["serrated", "craggy"], "thundering": ["roaring", "crashing"], "brooding": ["sombre", "glowering"],
    "endless": ["boundless", "infinite"], "impossible": ["improbable", "unlikely"], "strange": ["odd", "uncanny"], "luminous": ["radiant", "glowing"],
    "floating": ["hovering", "drifting"], "festive": ["celebratory"],
    "waterfalls": ["cascades"], "waterfall": ["cascade", "falls"], "pouring": ["spilling", "tumbling"], "towers": ["spires", "turrets"],
    "citadel": ["stronghold", "fortress"], "crystal": ["quartz"], "dunes": ["sand hills"], "ruins": ["remains", "remnants"],
    "visitors": ["tourists", "sightseers"], "festival": ["celebration"], "canal": ["waterway", "channel"], "temple": ["shrine"],
    "carved": ["sculpted", "chiselled"], "lacquered": ["varnished", "glossy"], "valley": ["dale", "vale"], "gorge": ["ravine"],
    "slope": ["flank"], "ridge": ["crest", "spine"], "cliff": ["bluff", "crag"], "waves": ["breakers", "surf"], "moor": ["heath"],
    "porch": ["veranda", "stoop"], "paddock": ["pasture"], "perched": ["poised", "sitting"], "gliding": ["sailing", "coasting"],
    "leaping": ["jumping", "springing"], "stalking": ["prowling", "creeping"], "shelf": ["ledge"], "counter": ["worktop"],
    "glinting": ["flashing", "winking"], "shining": ["gleaming"], "pulsing": ["throbbing", "beating"], "growing": ["spreading", "sprawling"],
    "dissolving": ["crumbling", "breaking up"],
}

# How a head looks (a "with …" phrase after it), per subject and group (by position in SUBJECT_EN).
_FUR = "[frost|dew|burrs|mud|snowflakes|seeds|dust]"
LOOKS_EN: dict[str, dict[int, list[str]]] = {
    "S1": {0: ["with a [red|green|striped|knitted] scarf", "with [wind-tousled|rain-damp|sun-bleached|greying] hair", "with [muddy|bare|sandy] feet",
               "with [an old|a battered] camera around the neck", "with sleeves rolled up", "with a [canvas|leather|battered] satchel over one shoulder",
               "with [paint|chalk|flour] on both hands", "with a [wide|shy|crooked|gap-toothed] grin"],
           3: ["with [sweat|rain|salt spray] on the brow", "with a number pinned on", "with [taped|scraped|chalky] knuckles"]},
    "S2": {0: [f"with {_FUR} caught in [thick|shaggy|winter|ruffled] fur", "with [amber|green|pale|bright] eyes [fixed ahead|half closed|wide open]",
               "with ears [pricked|flattened|twitching]", "with a [bushy|ragged|striped] tail [held high|curled round|swishing]",
               "with breath steaming in the cold air", "with a [torn|notched|scarred] ear"],
           1: ["with [ruffled|glossy|rain-wet|bright] feathers", "with a [tiny|sharp|hooked] beak [open|full of twigs]", "with [bright|beady|golden] eyes"],
           2: ["with [barnacles|scars|pale spots] along the back", "with [sunlight|ripples] dancing on the skin", "with a trail of [bubbles|silt] behind"],
           3: ["with [a red|a tartan|a worn leather] collar", "with [one ear|both ears] [flopped over|pricked up]", "with [muddy|white|soft] paws",
               "with a [wagging|fluffy|swishing] tail"]},
    "S5": {0: ["with a [lone|tiny|distant] [cabin|hut|shelter] [on the shore|in the distance|below]", "with a [lone|single] [pine|birch] in the foreground",
               "with [ice|driftwood|boulders] strewn along the shore", "with [low|long|drifting] clouds on the ridges"],
           2: ["with [driftwood|kelp|foam] along the waterline", "with [gulls|terns] [wheeling|circling] above", "with [tide pools|rock pools] in the foreground"]},
    "S6": {0: ["with [terracotta pots|benches|crates] [lined up|stacked] outside", "with [green|blue|red|peeling] shutters",
               "with [laundry|bunting|cables] strung between the windows", "with a [bell|stone] tower rising behind"],
           2: ["with [tall|arched|narrow] windows", "with [pigeons|swallows] on the ledges", "with [moss|rust|soot] streaking the walls"]},
    "S7": {0: ["with [chrome|rust|dents|stickers] along the doors", "with [roof racks|a surfboard|luggage] on top", "with headlights [on|glowing|blazing]",
               "with [faded|peeling|fresh] paintwork"],
           4: ["with [a wicker|a wire|a wooden] basket on the front", "with [mud|rust|stickers] on the frame", "with [worn|fat|knobbly] tyres"]},
    "S8": {0: ["with [velvety|papery|waxy|frilled] petals", "with [bees|a butterfly|a ladybird] on a leaf", "with [dew|raindrops|pollen] on the petals"],
           1: ["with [moss|lichen|ivy] on the trunk", "with roots [twisting|spreading] over the ground", "with a [hollow|split|scarred] trunk"],
           2: ["with [pale|frilled|spotted|orange] caps", "with [delicate|curling] fronds"]},
    "S9": {0: ["with [laces|buckles|straps] [undone|neatly tied]", "with [contrast|white|gold|gum] soles", "with [tiny|neat|hand] stitching"],
           1: ["with [brass|horn|pearl|wooden] buttons", "with a [silk|satin|checked] lining", "with [embroidered|piped|frayed] cuffs"],
           2: ["with [brass|gold|silver] hardware", "with a [leather|silk|grosgrain] band", "with [tassels|a long strap|a silk ribbon]"],
           3: ["with [tiny|cut|faceted] stones", "with a [fine|delicate|heavy] chain"]},
    "S10": {0: ["with [tiny|faded|hand-painted] [numbers|markings|initials] on the side", "with a [paper|string|luggage] tag tied on",
                "with [scratches|fingerprints|dust] on the surface", "with a [brass|worn|leather] handle"],
            2: ["with [chipped|faded|bright] paint", "with [a missing|one loose] button", "with a [frayed|knotted] ribbon"]},
    "S12": {0: ["with [flags|banners|pigeons] [fluttering|circling] nearby", "with [scaffolding|cranes|flags] around it"]},
    "S13": {0: ["with [red|paper|silk] lanterns [swaying|glowing] above", "with red paper [scraps|cuttings] on the ground"]},
    "S14": {0: ["with [glowing|drifting|spiralling] [runes|particles|motes] around it", "with [roots|tendrils|ribbons] of light trailing behind"],
            2: ["with [glowing|mirrored|iridescent] eyes", "with [shimmering|crystalline|feathered] skin"]},
}

# Light, time and mood clauses that fit a scene (added to a prompt now and then; their tags are checked).
_LIGHT = "[light|glow|sun|brightness|gleam]"
_FADE = "[fades|dims|softens|slips away|drains away|thins out]"
# When: a short time clause after the setting ("at first light", "late at night"), per scene.
WHEN_EN: dict[Scene, list[str]] = {
    OUT: ["[at|just after|just before|soon after] [dawn|dusk|sunrise|sunset|first light|nightfall]",
          "on a [grey|frosty|windy|still|bright|muggy|misty|raw|mild] [morning|afternoon|evening|day]", "in [early|late|high] [spring|summer|autumn]",
          "in [midwinter|deep winter|the depths of winter]", "[after|during] the [rain|first snow|harvest|thaw]", "[late|early] in the [day|afternoon|season]",
          "at the [height|end] of summer", "just before a storm", "in the last of the light", "on a still night"],
    ROOM: ["[late|early] [at night|in the morning|in the evening]", "on a [Sunday|rainy|slow|snowy] [afternoon|evening|morning]", "at teatime",
           "after midnight", "in the middle of the day", "just before dawn"],
    TABLE: ["[early|late] in the [morning|day]", "after [dinner|lunch|breakfast]", "on a [slow|quiet|lazy] afternoon"],
    DREAM: ["at the end of time", "in an endless twilight", "under an unknown sun", "between two heartbeats"],
}

EXTRA_EN: dict[Scene, list[str]] = {
    OUT: [f"as the [evening|late|last|amber|copper] {_LIGHT} {_FADE}", "on a [grey|crisp|still|raw|bright|damp] [winter|autumn|spring] morning",
        "under a [pale|thin|watery|low|weak] [winter|spring|March] sun", "with [mist|fog|haze] drifting [past|low over the ground|in from the water|between the pines]",
        "in the [soft|warm|slanting|honeyed|long] light of [late afternoon|early evening]", "as the first [drops|spots] of rain [fall|arrive|patter down]",
        "under [heavy|leaden|low|bruised] grey clouds", "in the [blue|cold|pearly|grey] light just before dawn",
        "on a [hot|hazy|sticky|lazy|drowsy] summer afternoon", "with [long|soft|blue|thin] shadows [stretching|reaching|lying] across the ground",
        "as a [cold|sharp|gusty|salty|fresh] wind picks up", "in the hush after a [snowfall|heavy snowfall|night of snow]",
        "in [bright|clean|clear|crisp] [clear|open|cool] air", "as [dusk|twilight|evening] [settles|falls|creeps in]",
        "with [birdsong|wind|distant thunder|church bells] in the air", "after a [brief|sudden|heavy] shower"],
    ROOM: ["in the [soft|warm|amber|yellow] glow of a [reading light|brass light|paper shade]",
        "with [pale|thin|grey|low] [winter|morning|afternoon] light at the window", "as rain [streaks|runs down|drums on] the [window|glass|panes]",
        "with late sun slanting across the [floor|boards|rug|tiles]", "in the [quiet|stillness|calm] after everyone has left",
        "with the radio playing [softly|low|somewhere nearby]", "with a [draught|breeze|cold draught] stirring the curtains",
        "in the dim light of a [single|bare|flickering] bulb", "with a [kettle|pot] [ticking|murmuring] on the stove", "with [dust|motes] turning in the light"],
    TABLE: ["in [soft|clean|pale|even|cool] window light", "with a [single|faint|long|soft] shadow falling to one side", "on a [calm|quiet|slow|still] morning",
         "under a [warm|cool|single|narrow] [spotlight|desk light]", "with [gentle|clean|even|bright] daylight from the [left|right|side]",
         "in the [glow|pool|halo] of a [warm|low|nearby|small] [light|bulb]", "against [soft|deep|plain] [shadow|darkness|grey]", "with [morning|afternoon] light [raking|falling] across it"],
    DREAM: ["[humming|singing|thrumming] with [quiet|strange|restless] energy", "as [stars|sparks|embers|motes] drift [upward|sideways|slowly away]",
        "where the light bends in [strange|impossible|slow] ways", "in a glow with no visible source", "as time [slows|folds|bends] around it",
        "while [colours|shadows|shapes] [ripple|shift|breathe] around it"],
}

EXTRA_ZH: dict[Scene, list[str]] = {
    OUT: ["傍晚的光线渐渐暗下来", "清晨薄雾弥漫", "冬日的阳光淡淡的", "细雨刚刚落下", "天空阴沉沉的", "长长的影子铺在地上", "夏日午后热气蒸腾"],
    ROOM: ["台灯洒下温暖的光", "窗外下着雨", "午后阳光斜斜地照在地板上", "屋里静悄悄的"],
    TABLE: ["柔和的窗光照在上面", "一侧投下淡淡的影子", "暖色的灯光打在上面"],
    DREAM: ["光线以奇异的方式弯曲", "光点向上飘散", "时间仿佛静止"],
}

# Texts a S11 prompt asks to render (short: diffusion models render a few words).
RENDER_TEXTS_EN = ["OPEN LATE", "Fresh Bread Daily", "Moonlight Cafe", "Stay Curious", "The Last Voyage", "Hello World", "NO PARKING",
                   "Good Vibes Only", "Salt & Pepper", "Welcome Home", "EST. 1987", "Dream Big", "Coffee First", "Lost & Found",
                   "The Quiet Garden", "SALE 50% OFF", "Midnight Radio", "Thank You", "North Star Books", "Keep Going",
                   "Back in 5 Minutes", "Harbor Fish Co.", "Slow Down", "Vinyl Nights", "Best Tacos in Town", "Happy Birthday Mia",
                   "Gone Fishing", "Fresh Flowers", "The Velvet Room", "Mind the Gap"]
RENDER_TEXTS_ZH = ["欢迎光临", "新年快乐", "今日特价", "山水茶馆", "好好生活", "禁止停车", "平安喜乐", "老街面馆", "星光书店", "早安",
                   "生日快乐", "小心台阶", "手工豆花", "晚安", "前方施工"]

# Per style: the keywords an LLM generator is asked to use (claude.py; unchanged, its cache keys depend on them).
STYLE_KEYWORDS: dict[Language, dict[str, list[str]]] = {
    Language.EN: {
        "T1": ["photo", "photograph", "photorealistic", "DSLR"],
        "T2": ["oil painting", "watercolor", "charcoal", "pencil drawing", "ink wash", "gouache"],
        "T3": ["digital illustration", "anime", "cartoon", "comic", "pixel art", "vector", "concept art"],
        "T4": ["3D render", "CGI", "octane render", "Unreal Engine", "low poly", "clay", "voxel"],
        "T5": ["cinematic", "film still", "movie scene", "anamorphic", "film grain", "noir"],
        "T6": ["poster", "logo", "graphic design", "infographic", "layout", "flat design"],
        "T7": ["collage", "glitch", "double exposure", "surreal", "dreamy", "ethereal", "vaporwave"],
    },
    Language.ZH: {
        "T1": ["摄影", "照片", "写实"], "T2": ["油画", "水彩", "素描", "铅笔画"], "T3": ["插画", "动漫", "卡通", "像素"],
        "T4": ["3D渲染", "建模", "OC渲染", "虚幻引擎"], "T5": ["电影", "剧照", "胶片"], "T6": ["海报", "平面设计", "标志", "版式"],
        "T7": ["拼贴", "双重曝光", "故障艺术", "梦幻", "蒸汽波"],
    },
}
# fmt: on

SUBJECTS = {Language.EN: SUBJECT_EN, Language.ZH: SUBJECT_ZH}
EXTRAS = {Language.EN: EXTRA_EN, Language.ZH: EXTRA_ZH}
WHENS = {Language.EN: WHEN_EN, Language.ZH: {}}
RENDER_TEXTS = {Language.EN: RENDER_TEXTS_EN, Language.ZH: RENDER_TEXTS_ZH}


def _vary(template: str) -> str:
    """`template` with each word of SYNONYMS_EN turned into an alternative of itself and its synonyms."""
    return _WORD.sub(lambda m: "[" + "|".join([m.group(0), *SYNONYMS_EN[m.group(0)]]) + "]", template)


_WORD = re.compile(r"(?<![\w{-])(?:" + "|".join(sorted(map(re.escape, SYNONYMS_EN), key=len, reverse=True)) + r")(?![\w}-])")
for _code, _groups in SUBJECT_EN.items():
    _looks = LOOKS_EN.get(_code, {})
    _groups[:] = [
        Group(
            tuple(map(_vary, g.heads)),
            tuple(map(_vary, g.states)),
            tuple(map(_vary, g.settings)),
            g.scene,
            g.tags,
            tuple(map(_vary, _looks.get(i, ()))),
        )
        for i, g in enumerate(_groups)
    ]
for _scene, _phrases in EXTRA_EN.items():
    _phrases[:] = [_vary(p) for p in _phrases]
