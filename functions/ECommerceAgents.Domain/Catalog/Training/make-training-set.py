#!/usr/bin/env python3
"""Writes categories.tsv, the classifier's labelled training set: seeded product titles composed from per-category
vocabularies (nouns, descriptors, specs, brands). The held-out set used to measure accuracy is written by hand and
lives with the tests (tests/ECommerceAgents.Domain.Tests/Catalog/categories-heldout.tsv); it shares no generator.
Run: python3 make-training-set.py > categories.tsv"""
import random

V = {
 "electronics": dict(
  nouns="wireless earbuds|bluetooth headphones|noise cancelling headphones|smartphone|android phone|laptop|gaming laptop|ultrabook|tablet|smartwatch|fitness tracker|4k tv|oled tv|soundbar|bluetooth speaker|portable speaker|usb-c charger|power bank|hdmi cable|usb cable|wireless mouse|mechanical keyboard|gaming keyboard|monitor|curved monitor|webcam|microphone|router|wifi mesh system|external ssd|hard drive|memory card|graphics card|processor|motherboard|ram module|drone|action camera|mirrorless camera|dslr camera|camera lens|e-reader|projector|game console|vr headset|smart plug|smart bulb|dash cam adapter|printer|scanner|charging dock|phone case|screen protector|earphones|amplifier|turntable|streaming stick|graphics tablet".split("|"),
  adj="wireless|bluetooth 5.3|4k|hd|ultra hd|smart|portable|fast charging|rechargeable|usb-c|noise cancelling|gaming|pro|mini|dual band|low latency|hi-res|oled|led|touchscreen".split("|"),
  specs="128gb|256gb|512gb|1tb|2tb|16gb ram|8gb ram|65w|20000mah|144hz|27 inch|55 inch|wifi 6|5g|dolby atmos|30h battery|ipx4|1080p|8k|m.2 nvme".split("|"),
  brands="Sony|Samsung|Anker|Logitech|Apple|Dell|Lenovo|Asus|JBL|Bose|Philips|Xiaomi|Canon|Nikon|Corsair|Razer|TP-Link|SanDisk|Kingston|LG".split("|")),
 "books": dict(
  nouns="novel|paperback|hardcover|cookbook|biography|memoir|thriller|mystery novel|fantasy novel|science fiction novel|poetry collection|graphic novel|comic book|children's picture book|textbook|workbook|study guide|dictionary|atlas|travel guide|self-help book|history book|essay collection|short stories|anthology|audiobook|manga volume|boxed set|journal|coloring book for adults|young adult novel|romance novel|crime fiction|philosophy book|programming book|language course book|encyclopedia|field guide|art book|photography book".split("|"),
  adj="bestselling|illustrated|annotated|revised|first edition|signed|classic|complete|unabridged|award-winning|large print|deluxe|pocket|collector's".split("|"),
  specs="paperback|hardcover|kindle edition|2nd edition|volume 1|book 3|320 pages|a novel|a memoir|a guide|the complete series|with illustrations".split("|"),
  brands="Penguin|HarperCollins|Vintage|Bloomsbury|O'Reilly|Scholastic|Macmillan|Faber|Oxford University Press|Tor|Puffin|Random House".split("|")),
 "home": dict(
  nouns="coffee maker|espresso machine|kettle|toaster|blender|stand mixer|air fryer|slow cooker|pressure cooker|frying pan|saucepan|cookware set|knife set|cutting board|dinnerware set|mugs|wine glasses|bed sheets|duvet cover|pillow|mattress topper|comforter|bath towels|shower curtain|curtains|rug|area rug|throw blanket|cushion cover|table lamp|floor lamp|wall clock|picture frame|vase|storage basket|shelf|bookcase|sofa|armchair|dining chair|coffee table|desk|wardrobe|vacuum cleaner|robot vacuum|iron|humidifier|air purifier|candle|laundry basket|food storage containers|dish rack|trash can|mop".split("|"),
  adj="stainless steel|non-stick|ceramic|cotton|linen|velvet|wooden|glass|cast iron|modern|scandinavian|farmhouse|cordless|programmable|dishwasher safe|queen size|king size|soft|decorative|minimalist".split("|"),
  specs="1.7l|12 cup|set of 4|set of 6|400 thread count|queen|king|twin|60x90|5 quart|10 inch|1500w|machine washable|bpa free".split("|"),
  brands="IKEA|KitchenAid|Le Creuset|Dyson|Tefal|Cuisinart|Ninja|De'Longhi|Brabantia|Joseph Joseph|Zwilling|Villeroy & Boch|Philips Home".split("|")),
 "garden": dict(
  nouns="garden hose|hose reel|sprinkler|watering can|lawn mower|robotic lawn mower|hedge trimmer|leaf blower|string trimmer|chainsaw|pruning shears|secateurs|garden gloves|rake|shovel|spade|wheelbarrow|planter|raised garden bed|flower pots|potting soil|compost|fertilizer|grass seed|vegetable seeds|flower bulbs|bird feeder|bird bath|garden bench|patio furniture set|parasol|gazebo|garden lights|solar lights|greenhouse|compost bin|weed killer|plant food|trellis|garden kneeler|pressure washer|fire pit|barbecue grill|outdoor cushion|hammock|pond pump|garden shed|lawn edging|tomato cage|plant labels".split("|"),
  adj="solar|cordless|expandable|galvanized|weatherproof|organic|outdoor|heavy duty|self-propelled|drip|terracotta|raised|hanging|perennial|frost resistant|slow release".split("|"),
  specs="50ft|100ft|40v|18v|20 litre|10kg|5 pack|for vegetables|for lawns|uv resistant|4 seater|3x3m".split("|"),
  brands="Gardena|Bosch Garden|Fiskars|Husqvarna|Miracle-Gro|Scotts|Stihl|Greenworks|Hozelock|Weber|Keter|Ryobi".split("|")),
 "toys": dict(
  nouns="building blocks|lego set|action figure|doll|dollhouse|plush toy|teddy bear|stuffed animal|board game|card game|jigsaw puzzle|remote control car|rc helicopter|toy train set|race track|play kitchen|toy tool set|stacking toy|shape sorter|baby rattle|activity gym|ride-on toy|balance bike|scooter for kids|kite|water gun|bubble machine|magic kit|science kit|craft kit|play dough|slime kit|marble run|robot toy|coding robot|musical toy|toy drum|xylophone|puppet|nerf blaster|yo-yo|fidget toy|dinosaur figure|toy car|farm animals set|wooden blocks|bath toys|kids tent|dress up costume|tea party set".split("|"),
  adj="educational|interactive|montessori|wooden|plush|soft|colorful|battery operated|stem|kids|toddler|preschool|collectible|glow in the dark|family|cooperative".split("|"),
  specs="for kids 3+|ages 5-12|1000 pieces|500 pieces|2-4 players|for toddlers|for boys and girls|with sound|with lights|100 pcs".split("|"),
  brands="LEGO|Hasbro|Mattel|Playmobil|Fisher-Price|Melissa & Doug|Ravensburger|Hot Wheels|Barbie|Nerf|VTech|Brio|Schleich|Crayola".split("|")),
 "fashion": dict(
  nouns="t-shirt|polo shirt|dress shirt|blouse|sweater|hoodie|sweatshirt|cardigan|jacket|denim jacket|leather jacket|puffer jacket|raincoat|trench coat|jeans|chinos|trousers|leggings|shorts|skirt|maxi dress|summer dress|suit|blazer|sneakers|running shoes|boots|ankle boots|sandals|loafers|heels|handbag|tote bag|backpack|wallet|belt|scarf|beanie|baseball cap|sunglasses|watch|necklace|earrings|bracelet|ring|socks|underwear|pajamas|swimsuit|bikini|tie|gloves".split("|"),
  adj="slim fit|regular fit|oversized|cotton|organic cotton|linen|wool|cashmere|leather|suede|denim|floral|striped|casual|formal|vintage|women's|men's|unisex|waterproof|knitted|sterling silver|gold plated".split("|"),
  specs="size m|size l|size 10|eu 42|uk 8|black|navy|white|beige|pack of 3|long sleeve|short sleeve|high waist".split("|"),
  brands="Levi's|Zara|H&M|Uniqlo|Tommy Hilfiger|Ralph Lauren|Calvin Klein|Gucci|Ray-Ban|Converse|Dr. Martens|Mango|Pandora|Fossil".split("|")),
 "sports": dict(
  nouns="yoga mat|dumbbells|kettlebell|resistance bands|pull up bar|exercise bike|treadmill|rowing machine|jump rope|foam roller|gym bag|water bottle|protein shaker|running shorts|sports bra|cycling jersey|bike helmet|road bike|mountain bike|bike lights|tennis racket|tennis balls|badminton set|football|soccer ball|basketball|volleyball|golf balls|golf clubs|baseball glove|hockey stick|swim goggles|swimming cap|wetsuit|ski goggles|snowboard|climbing harness|hiking poles|tent|sleeping bag|camping stove|fishing rod|boxing gloves|punching bag|skateboard|inline skates|table tennis paddle|fitness tracker band|knee support|gym gloves".split("|"),
  adj="adjustable|non-slip|lightweight|breathable|quick dry|anti-fog|carbon|aluminium|professional|training|competition|hydraulic|foldable|waterproof|insulated|ergonomic".split("|"),
  specs="size 5|20kg|2x10kg|6mm|700c|29 inch|for men and women|official size|2 person|-10°c|750ml|12oz".split("|"),
  brands="Nike|Adidas|Puma|Under Armour|Decathlon|Wilson|Spalding|Yonex|Garmin|The North Face|Salomon|Shimano|Everlast|Reebok|Speedo".split("|")),
 "beauty": dict(
  nouns="face serum|vitamin c serum|moisturizer|night cream|eye cream|sunscreen|cleanser|face wash|toner|face mask|sheet mask|exfoliator|lip balm|lipstick|lip gloss|mascara|eyeliner|eyeshadow palette|foundation|concealer|blush|bronzer|setting spray|makeup brushes|nail polish|perfume|eau de parfum|cologne|body lotion|body wash|shampoo|conditioner|hair mask|hair oil|dry shampoo|hair dryer|hair straightener|curling iron|electric shaver|beard oil|razor|deodorant|hand cream|bath bombs|micellar water|retinol cream|hyaluronic acid serum|makeup remover|tinted moisturizer|nail file".split("|"),
  adj="hydrating|anti-aging|fragrance free|vegan|cruelty free|organic|matte|waterproof|long lasting|nourishing|brightening|gentle|spf 50|for dry skin|for oily skin|paraben free|volumizing|sulfate free".split("|"),
  specs="30ml|50ml|100ml|250ml|spf 30|shade 02|for women|for men|travel size|refill".split("|"),
  brands="L'Oréal|Maybelline|Nivea|The Ordinary|CeraVe|La Roche-Posay|Clinique|Estée Lauder|Dior|Chanel|Garnier|Neutrogena|Olaplex|Braun".split("|")),
 "grocery": dict(
  nouns="coffee beans|ground coffee|green tea|black tea|herbal tea|olive oil|pasta|spaghetti|basmati rice|oats|granola|breakfast cereal|honey|peanut butter|jam|dark chocolate|chocolate bar|cookies|crackers|potato chips|mixed nuts|almonds|dried fruit|protein bar|sparkling water|orange juice|energy drink|soda|wine|craft beer|sea salt|black pepper|spice mix|tomato sauce|soy sauce|maple syrup|flour|sugar|baking powder|canned tuna|chickpeas|coconut milk|almond milk|instant noodles|soup|cheese|butter|eggs|yogurt|baby food".split("|"),
  adj="organic|fair trade|gluten free|vegan|whole grain|extra virgin|roasted|decaf|unsalted|low sugar|sugar free|free range|single origin|raw|natural|gourmet|kosher|non-gmo".split("|"),
  specs="1kg|500g|250g|1l|6 x 330ml|12 pack|24 count|family size|bulk|multipack|100 tea bags".split("|"),
  brands="Nestlé|Lavazza|Twinings|Barilla|Kellogg's|Heinz|Lindt|Nutella|Coca-Cola|Tetley|Illy|Quaker|Danone|Kraft".split("|")),
 "automotive": dict(
  nouns="car battery|jump starter|tire inflator|air compressor|motor oil|engine oil|oil filter|air filter|cabin filter|brake pads|brake discs|spark plugs|wiper blades|headlight bulbs|led headlights|car charger|phone mount|dash cam|car seat covers|floor mats|steering wheel cover|car wax|car shampoo|microfiber towels|pressure gauge|tow rope|roof rack|bike rack for car|car vacuum|coolant|antifreeze|windshield washer fluid|obd2 scanner|car jack|wheel nuts|alloy wheels|winter tyres|all season tires|snow chains|trunk organizer|car cover|parking sensor|reversing camera|car stereo|car speakers|fuel additive|scratch remover|car air freshener|battery charger for car|torque wrench".split("|"),
  adj="synthetic|universal|heavy duty|12v|24v|all season|waterproof|magnetic|digital|cordless|oem|ceramic|quick release|anti-fog|h7|h4|lithium".split("|"),
  specs="5w-30|5l|1000a|205/55 r16|225/45 r17|for cars suv truck|front and rear|set of 4|150 psi|1080p".split("|"),
  brands="Bosch|Michelin|Castrol|Mobil 1|Shell|Continental|Pirelli|Goodyear|Osram|Philips Automotive|Thule|Meguiar's|Turtle Wax|Varta|NOCO".split("|")),
}

TEMPLATES = [
 "{brand} {adj} {noun}",
 "{adj} {noun} {spec}",
 "{brand} {noun} {spec}",
 "{noun} {spec} by {brand}",
 "{brand} {adj} {noun}, {spec}",
 "{noun}",
 "{adj} {adj2} {noun}",
 "{noun} - {adj} {spec}",
]

def main():
  rnd = random.Random(20261123)
  print("# category<TAB>product text. Generated by make-training-set.py (seed 20261123); do not edit by hand.")
  for cat, v in V.items():
    rows = set()
    for noun in v["nouns"]:  # every noun at least twice, in different shapes
      rows.add(f"{rnd.choice(v['brands'])} {rnd.choice(v['adj'])} {noun}")
      rows.add(f"{noun} {rnd.choice(v['specs'])}")
    while len(rows) < 220:
      t = rnd.choice(TEMPLATES)
      rows.add(t.format(brand=rnd.choice(v["brands"]), adj=rnd.choice(v["adj"]), adj2=rnd.choice(v["adj"]), noun=rnd.choice(v["nouns"]), spec=rnd.choice(v["specs"])))
    for r in sorted(rows):
      print(f"{cat}\t{r}")

main()
