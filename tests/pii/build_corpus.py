"""Writes tests/pii/corpus.tsv, the labelled corpus of personal data and look-alikes.

Every value and every sentence below was written by hand for this corpus (issue 17); this
script only pairs values with sentences (in a fixed rotation), renders each card and IBAN in
several of the ways people type them, and computes check digits where a value needs them
(the Luhn digit of generated card numbers, the two IBAN check digits). It reads nothing and
fetches nothing. Phone numbers use fictional ranges where countries have them (UK 07700 900xxx
and 020 7946 0xxx, US 555-01xx), otherwise invented numbers in valid ranges; emails use
example domains or invented ones; SSNs, cards and IBANs are test or invented numbers.

Run ``python -m tests.pii.build_corpus`` after editing it; the corpus is checked in.
"""

from __future__ import annotations

from itertools import cycle
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus.tsv")

HEADER = """\
# A labelled corpus of personal data and of look-alikes that must survive redaction.
# Written by hand for issue 17 (values and carrier sentences), paired and rendered by
# tests/pii/build_corpus.py, which also computes the Luhn and IBAN check digits; no line was
# taken from a real conversation. Phone numbers use fictional ranges where they exist.
# Columns: kind, category, value, text. kind is the personal data the line holds (email, phone,
# card, iban, ssn, address) or "none" for a look-alike; value is the substring of text that is
# the personal data (must be redacted whole) or the look-alike (nothing on the line may be
# redacted). scripts/evaluate_pii.py reads it.
"""

EMAILS = [
    ("ascii", "jane.doe@example.com"), ("ascii", "j.smith+shop@mail.example.co.uk"),
    ("ascii", "o'brien@example.ie"), ("ascii", "first_last@sub.example.org"),
    ("ascii", "x@example.io"), ("ascii", "a.b-c@example-shop.com"),
    ("ascii", "UPPER.CASE@EXAMPLE.COM"), ("ascii", "12345@example.net"),
    ("ascii", "user%tag@example.com"), ("ascii", "name@example.museum"),
    ("ascii", "info@example.travel"), ("ascii", "ann@example.com"),
    ("ascii", "bob.jones1987@example.org"), ("ascii", "s.nguyen@mail.example.com.au"),
    ("ascii", "kim_lee@example.co.kr"), ("ascii", "p.rossi@esempio.it"),
    ("ascii", "maria.garcia@ejemplo.es"), ("ascii", "hans.mueller@beispiel.de"),
    ("ascii", "l.martin@exemple.fr"), ("ascii", "ravi.kumar@example.in"),
    ("ascii", "ana.souza@exemplo.com.br"), ("ascii", "t.yamada@example.co.jp"),
    ("ascii", "support-team@shop.example"), ("ascii", "a@b.co"),
    ("ascii", "very.long.local.part.with.many.dots@deep.sub.domain.example.com"),
    ("unicode local", "josé@example.com"), ("unicode local", "müller@example.de"),
    ("unicode local", "françois.dupont@exemple.fr"), ("unicode local", "zoë@example.nl"),
    ("unicode local", "søren@eksempel.dk"), ("unicode local", "łukasz@example.pl"),
    ("unicode local", "ñandú@ejemplo.es"), ("unicode local", "çağla@example.com.tr"),
    ("unicode local", "björk@example.is"), ("unicode local", "renée.lefèvre@example.fr"),
    ("unicode domain", "user@bücher.de"), ("unicode domain", "info@münchen.de"),
    ("unicode domain", "contact@café.fr"), ("unicode domain", "hola@españa.es"),
    ("unicode domain", "post@räksmörgås.se"), ("unicode both", "иван@пример.рф"),
    ("unicode both", "用户@例子.广告"), ("unicode both", "田中@例え.jp"),
    ("unicode both", "उपयोगकर्ता@उदाहरण.कॉम"), ("unicode both", "θσερ@παράδειγμα.δοκιμή"),
    ("unicode both", "δοκιμή@παράδειγμα.ελ"), ("unicode both", "सुनील@भारत.भारत"),
    ("unicode both", "ユーザー@例え.テスト"), ("unicode both", "pelé@futebol.br"),
    ("punycode", "user@xn--bcher-kva.de"), ("punycode", "test@xn--r8jz45g.xn--zckzah"),
    ("full-width", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"), ("full-width", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"),
    ("full-width at", "jane＠example.com"), ("small at", "jane﹫example.com"),
    ("full-width", "ｉｎｆｏ＠ｓｈｏｐ．ｅｘａｍｐｌｅ．ｃｏ．ｊｐ"),
    ("zero-width", "jane\u200b.doe@example.com"), ("zero-width", "ann\u200d@example.org"),
    ("soft hyphen", "mar\u00adtin@example.com"),
    ("decomposed", "jose\u0301@example.com"), ("decomposed", "zoe\u0308@example.nl"),
]
EMAIL_SENTENCES = [
    "my email is {v}", "you can reach me at {v}", "{v}", "contact: {v} thanks",
    "please send the receipt to {v}.", "email me ({v}) when it ships", "it's {v}, not the old one",
    "Meine E-Mail ist {v}", "mon adresse e-mail : {v}", "mi correo es {v}",
    "メールは {v} です", "<{v}>", "mailto:{v}", "\"{v}\"", "update my account email to {v}!",
    "order confirmation went to {v}?",
]

PHONES = [
    ("US", "(415) 555-0132"), ("US", "415-555-0132"), ("US", "415.555.0132"),
    ("US", "+1 415 555 0132"), ("US", "1-800-555-0199"), ("US", "555-0132"),
    ("US", "+1-202-555-0143"), ("US", "(212) 736-5000"), ("US", "312-874-2290"),
    ("US", "617 253 1000"), ("US", "(415) 555-0132 ext. 12"), ("US", "+1 (646) 555-0176"),
    ("US", "555-1234"), ("US", "867-5309"), ("US", "4155550132"), ("US", "2127365000"),
    ("US en dash", "415–555–0132"), ("US nbsp", "415\u00a0555\u00a00132"),
    ("UK", "07700 900123"), ("UK", "07700 900 456"), ("UK", "+44 7700 900789"),
    ("UK", "020 7946 0958"), ("UK", "+44 20 7946 0018"), ("UK", "0161 496 0000"),
    ("UK", "0113 496 0123"), ("UK", "(020) 7946 0999"), ("UK", "+44 (0)20 7946 0123"),
    ("UK", "07700900321"), ("UK", "+447700900654"), ("UK", "0117 496 0555"),
    ("FR", "06 12 34 56 78"), ("FR", "06.12.34.56.78"), ("FR", "06-12-34-56-78"),
    ("FR", "+33 6 12 34 56 78"), ("FR", "+33 (0)6 12 34 56 78"), ("FR", "01 23 45 67 89"),
    ("FR", "0612345678"), ("FR", "0033 6 12 34 56 78"), ("FR", "04 91 12 34 56"),
    ("FR", "+33 1 44 55 66 77"), ("FR", "07 81 23 45 67"), ("FR", "05 56 12 34 56"),
    ("DE", "030 1234567"), ("DE", "030/12345678"), ("DE", "+49 30 12345678"),
    ("DE", "+49 (0)30 1234567"), ("DE", "0151 12345678"), ("DE", "0171 1234567"),
    ("DE", "089 12345678"), ("DE", "+49 151 12345678"), ("DE", "0049 89 1234567"),
    ("DE", "040-1234567"), ("DE", "0221 1234567"), ("DE", "0176 98765432"),
    ("IN", "98765 43210"), ("IN", "+91 98765 43210"), ("IN", "+91-98765-43210"),
    ("IN", "09876543210"), ("IN", "022 2345 6789"), ("IN", "+91 22 2345 6789"),
    ("IN", "9876543210"), ("IN", "080 2345 6789"), ("IN", "+91 80 4567 8901"),
    ("IN", "70123 45678"),
    ("BR", "(11) 91234-5678"), ("BR", "(21) 98765-4321"), ("BR", "+55 11 91234-5678"),
    ("BR", "+55 (11) 3456-7890"), ("BR", "11 91234-5678"), ("BR", "(31) 3333-4444"),
    ("BR", "+55 21 2345-6789"), ("BR", "(61) 99876-5432"),
    ("JP", "090-1234-5678"), ("JP", "080-1234-5678"), ("JP", "03-1234-5678"),
    ("JP", "+81 90-1234-5678"), ("JP", "+81 3 1234 5678"), ("JP", "06-1234-5678"),
    ("JP", "090 1234 5678"), ("JP", "0120-123-456"), ("JP full-width", "０９０−１２３４−５６７８"),
    ("JP", "070-9876-5432"),
    ("international", "+34 612 34 56 78"), ("international", "+39 06 1234 5678"),
    ("international", "+31 20 123 4567"), ("international", "+61 2 1234 5678"),
    ("international", "+61 412 345 678"), ("international", "+52 55 1234 5678"),
    ("international", "+86 138 0013 8000"), ("international", "+7 495 123-45-67"),
    ("international", "+27 21 123 4567"), ("international", "+353 1 234 5678"),
    ("international", "+46 8 123 456 78"), ("international", "+48 22 123 45 67"),
    ("international", "+90 212 123 45 67"), ("international", "+82 2-312-3456"),
    ("international", "+65 6123 4567"), ("international", "+971 4 123 4567"),
    ("international", "+234 803 123 4567"), ("international", "+1 416 555 0199"),
    ("international", "+41 44 668 18 00"), ("international", "+43 1 234 5678"),
    ("international full-width", "＋３３ ６ １２ ３４ ５６ ７８"),
    ("international nbsp", "+33\u00a06\u00a012\u00a034\u00a056\u00a078"),
    ("international thin space", "+44\u20097700\u2009900\u2009123"),
]
PHONE_SENTENCES = [
    "call me on {v}", "my number is {v}", "{v}", "text {v} when it arrives",
    "phone: {v}", "you can reach me at {v} after 5pm", "mobile {v}", "tel. {v}",
    "mon numéro : {v}", "meine Nummer ist {v}", "mi teléfono es {v}", "meu celular é {v}",
    "電話番号は {v} です", "the courier should ring {v}, thanks", "ring {v} or email",
    "is {v} the right number?",
]

CARD_NUMBERS = [
    ("Visa", "4111111111111111"), ("Visa", "4012888888881881"), ("Visa", "4242424242424242"),
    ("Visa", "4000056655665556"), ("Visa 13", "4222222222222"), ("Mastercard", "5555555555554444"),
    ("Mastercard", "5105105105105100"), ("Mastercard", "5200828282828210"),
    ("Mastercard 2-series", "2223003122003222"), ("Amex", "378282246310005"),
    ("Amex", "371449635398431"), ("Amex", "378734493671000"), ("Discover", "6011111111111117"),
    ("Discover", "6011000990139424"), ("Diners", "30569309025904"), ("Diners", "38520000023237"),
    ("JCB", "3530111333300000"), ("JCB", "3566002020360505"), ("UnionPay", "6200000000000005"),
    ("Maestro", "6759649826438453"),
]
#: Invented prefixes completed with a Luhn digit, so not every card is a famous test number.
CARD_PREFIXES = [("Visa", "453201511283036"), ("Visa", "491761000000000"),
                 ("Mastercard", "542523343010990"), ("Mastercard", "222100000000000"),
                 ("Amex", "34000000000000"), ("Discover", "601100000000000"),
                 ("Visa", "476173900101001"), ("Mastercard", "530125000000000")]
CARD_SEPARATORS = [
    ("spaces", " "), ("no separator", ""), ("dashes", "-"), ("double spaces", "  "),
    ("spaced dash", " - "), ("slash", "/"), ("dots", "."), ("no-break space", "\u00a0"),
    ("thin space", "\u2009"), ("narrow no-break space", "\u202f"),
    ("zero-width space", "\u200b"), ("en dash", "\u2013"),
]
CARD_SENTENCES = [
    "card {v}", "my card number is {v}", "{v}", "pay with {v} please",
    "charge {v}, exp 12/27", "visa {v} cvv 123", "number: {v}", "Kartennummer {v}",
    "numéro de carte {v}", "use the card ending... actually the full one is {v}",
]

#: Country, BBAN (check digits are computed): bank test data and invented accounts.
IBAN_BBANS = [
    ("DE", "370400440532013000"), ("GB", "NWBK60161331926819"), ("FR", "20041010050500013M02606"),
    ("ES", "21000418450200051332"), ("IT", "X0542811101000000123456"), ("NL", "ABNA0417164300"),
    ("BE", "539007547034"), ("CH", "00762011623852957"), ("AT", "1904300234573201"),
    ("PL", "109010140000071219812874"), ("PT", "000201231234567890154"),
    ("SE", "50000000058398257466"), ("DK", "00400440116243"), ("NO", "86011117947"),
    ("FI", "12345600000785"), ("IE", "AIBK93115212345678"), ("LU", "0019400644750000"),
    ("GR", "01101250000000012300695"), ("CZ", "08000000192000145399"),
    ("HU", "117730161111101800000000"), ("RO", "AAAA1B31007593840000"),
    ("BR", "00360305000010009795493C1"), ("TR", "0006100519786457841326"),
    ("SA", "80000000608010167519"), ("AE", "0331234567890123456"), ("IL", "0108000000099999999"),
    ("MT", "MALT011000012345MTLCAST001S"), ("HR", "10010051863000160"),
    ("SK", "12000000198742637541"), ("LT", "1000011101001000"), ("EE", "2200221020145685"),
    ("MC", "11222000010123456789030"), ("DE", "500105175407324931"),
    ("FR", "30006000011234567890189"), ("ES", "00491500051234567892"),
    ("NL", "RABO0123456789"), ("GB", "BARC20000055779911"), ("IT", "Y0300203280000400162854"),
]
IBAN_FORMATS = [("groups of four", "group"), ("no spaces", "plain"), ("lower case", "lower"),
                ("no-break spaces", "nbsp")]
IBAN_SENTENCES = [
    "IBAN {v}", "my IBAN is {v}", "{v}", "refund to {v} please", "bank account: {v}",
    "meine IBAN lautet {v}", "mon IBAN : {v}", "mi IBAN es {v}",
]

SSNS = [
    ("dashes", "536-22-8726"), ("dashes", "219-09-9999"), ("dashes", "078-05-1120"),
    ("dashes", "401-12-3456"), ("dashes", "123-45-6789"), ("dashes", "312-88-1402"),
    ("dashes", "645-31-0077"), ("dashes", "501-70-2233"), ("spaces", "536 22 8726"),
    ("spaces", "401 12 3456"), ("spaces", "287 65 4321"), ("en dash", "536–22–8726"),
    ("full-width", "５３６−２２−８７２６"),
]
SSN_SENTENCES = ["my SSN is {v}", "social security number {v}", "{v}", "SSN: {v}",
                 "ssn {v} for the credit check", "SSN# {v}"]
NAMED_BARE_SSNS = ["536228726", "401123456", "219099999", "312881402", "645310077"]

ADDRESSES = [
    ("US", "1600 Pennsylvania Avenue NW"), ("US", "350 Fifth Avenue"), ("US", "742 Evergreen Terrace"),
    ("US", "12 Elm St."), ("US", "4059 Mt Lee Dr"), ("US", "55 Water St, Apt 4B"),
    ("US", "901 S. Main St."), ("US", "31 Spooner Street"), ("US", "123 Maple Rd, Suite 200"),
    ("US", "77 Massachusetts Ave"), ("US", "500 W 2nd St"), ("US", "8 Oak Lane"),
    ("US", "123 main street"), ("US", "2500 Sand Hill Road"), ("US", "1 Infinite Loop"),
    ("US", "4 Privet Drive"), ("US", "10 Lincoln Blvd"), ("US", "18 Pine Ct"),
    ("US", "221 Market Place"), ("US", "99 Sunset Boulevard"), ("US", "640 Ocean Pkwy"),
    ("UK", "221B Baker Street"), ("UK", "10 Downing Street"), ("UK", "2 Harbour Close"),
    ("UK", "14 Kings Road"), ("UK", "Flat 3, 27 Queen's Gate Terrace"), ("UK", "15 Station Road"),
    ("UK", "44 Acacia Avenue"), ("UK", "7 Church Lane"), ("UK", "3 Abbey Road"),
    ("UK", "62 West Wallaby Street"),
    ("FR", "12 rue de la Paix"), ("FR", "8 boulevard Saint-Michel"), ("FR", "3 bis, rue des Lilas"),
    ("FR", "10 avenue des Champs-Élysées"), ("FR", "5 place de la Concorde"),
    ("FR", "27 quai de la Tournelle"), ("FR", "14 allée des Tilleuls"), ("FR", "2 impasse du Moulin"),
    ("FR", "45 chemin des Vignes"), ("FR", "18 Rue Oberkampf"),
    ("DE", "Hauptstraße 5"), ("DE", "Musterstr. 12a"), ("DE", "Berliner Straße 3"),
    ("DE", "Bahnhofstrasse 21"), ("DE", "Goethestraße 7b"), ("DE", "Am Markt 3"),
    ("DE", "Lindenallee 14"), ("DE", "Marktplatz 1"), ("DE", "Kastanienweg 9"),
    ("DE", "Kurfürstendamm 21"),
    ("ES", "Calle Mayor 5"), ("ES", "Calle de Alcalá 42"), ("ES", "Paseo de la Castellana 89"),
    ("ES", "Carrer de Balmes 150"), ("ES", "Avenida de América 12"),
    ("BR/PT", "Avenida Paulista, 1578"), ("BR/PT", "Av. Paulista 1000"), ("BR/PT", "Rua Augusta, 1500"),
    ("BR/PT", "Rua das Flores 23"), ("BR/PT", "Avenida da Liberdade 110"),
    ("IT", "Via Roma 10"), ("IT", "Via dei Mille 5"), ("IT", "Piazza Navona 12"),
    ("IT", "Corso Buenos Aires 33"), ("IT", "Viale Monza 44"),
    ("NL", "Kerkstraat 12"), ("NL", "Prinsengracht 263"), ("NL", "Keizersgracht 123"),
    ("NL", "Damrak 1"),
    ("Nordic", "Storgatan 1"), ("Nordic", "Drottninggatan 5"), ("Nordic", "Nørregade 7"),
    ("Nordic", "Karl Johans gate 22"),
    ("JP", "丸の内1丁目1番1号"), ("JP", "千代田区丸の内1-1-1"), ("JP", "渋谷区神南1-2-3"),
    ("JP", "梅田3丁目1番3号"),
    ("IN", "42 Park Street"), ("IN", "12 Brigade Road"), ("IN", "Flat 12, 7 MG Road"),
    ("PO box", "P.O. Box 1234"), ("PO box", "PO Box 77"), ("PO box", "Postfach 10 20 30"),
    ("PO box", "Caixa Postal 55"),
]
ADDRESS_SENTENCES = [
    "ship it to {v}", "I live at {v}", "{v}", "deliver to {v}, please",
    "my address is {v}, thanks", "send the return label to {v}", "Lieferadresse: {v}",
    "adresse de livraison : {v}", "dirección: {v}", "endereço: {v}", "住所は{v}です",
    "new address {v} from Monday",
]

#: (category, value, sentence) of things that look like personal data and are not.
LOOK_ALIKES = [
    ("order number", "#000000123", "where is my order {v}?"),
    ("order number", "000000042", "order {v} hasn't arrived"),
    ("order number", "000000017", "cancel order {v}"),
    ("order number", "000000105", "order no. {v} was damaged"),
    ("order number", "#000001234", "status of {v} please"),
    ("order number", "000000009", "{v}"),
    ("order number", "000000311", "return {v}, the jacket is too small"),
    ("order number", "#000000077", "I want to return order {v}"),
    ("order number", "000002048", "did {v} ship yet"),
    ("order number", "000000123", "my order number is {v} and my email is on file"),
    ("order number", "100000042", "order {v}"),
    ("order number", "000000001", "where is my order {v}?"),
    ("order number", "000000099", "is {v} on its way"),
    ("order number", "#000000500", "order {v} arrived broken"),
    ("order number", "000012345", "refund for {v}?"),
    ("order number", "000000042 and 000000043", "combine {v}"),
    ("order number", "Order #000000256", "{v} — wrong size"),
    ("order number", "000000777", "track {v}"),
    ("order number", "000003100", "I placed {v} yesterday"),
    ("order number", "000000088", "what's the status of {v}"),
    ("price", "$19.99", "is it still {v}?"), ("price", "1,299.00", "the total was {v}"),
    ("price", "$1,299.00", "too expensive at {v}"), ("price", "€49,90", "in Europe it's {v}"),
    ("price", "£12.50", "costs {v} in the UK"), ("price", "USD 250", "budget is {v}"),
    ("price", "19.99 dollars", "I paid {v}"), ("price", "$1299", "under {v}"),
    ("price", "$ 45", "max {v}"), ("price", "under 60", "jackets {v}"),
    ("price", "between 20 and 40 dollars", "something {v}"), ("price", "₹1,499", "{v} in India"),
    ("price", "R$ 99,90", "custa {v}"), ("price", "¥12,800", "{v} on the Japanese site"),
    ("price", "$1,234,567.89", "revenue {v}"), ("price", "$57.00", "the Augusta jacket for {v}"),
    ("price", "49.99-59.99", "range {v}"), ("price", "$5 off $50", "coupon gives {v}"),
    ("price", "2 for $30", "deal: {v}"), ("price", "$0.99", "shipping was {v}"),
    ("price", "129,99 €", "Preis {v}"), ("price", "$249.00 + $12.95 shipping", "{v}"),
    ("size", "size 32", "do you have {v}"), ("size", "XL", "in {v} please"),
    ("size", "size 10.5", "shoes in {v}"), ("size", "32x34", "jeans {v}"),
    ("size", "W32 L34", "pants {v}"), ("size", "EU 42", "{v} shoes"), ("size", "UK 8", "dress in {v}"),
    ("size", "size 28/30", "{v}"), ("size", "S/M/L", "comes in {v}"), ("size", "XS-XL", "sizes {v}"),
    ("size", "size 2T", "kids {v}"), ("size", "36C", "bra {v}"), ("size", "7 1/4", "hat size {v}"),
    ("size", "US 9.5 / EU 43", "{v}"), ("size", "size 00", "{v} available?"),
    ("sku", "MH01-XS-Black", "is {v} in stock"), ("sku", "WJ06", "tell me about {v}"),
    ("sku", "24-MB01", "add {v}"), ("sku", "WS12-XS-Blue", "{v} please"),
    ("sku", "MJ01-M-Orange", "{v} in my cart"), ("sku", "24-WG080", "is {v} waterproof"),
    ("sku", "MS04-XL-Red", "swap for {v}"), ("sku", "WSH02-28-Gray", "{v}"),
    ("sku", "24-UG06", "more like {v}"), ("sku", "WT09-S-Purple", "price of {v}"),
    ("sku", "MP03-33-Green", "{v} back in stock?"), ("sku", "24-WB04", "compare {v} and 24-WB05"),
    ("sku", "WB01-L-Black", "do you still sell {v}"), ("sku", "MT07-M-Gray", "{v} fits small?"),
    ("sku", "24-MG03", "reviews of {v}"), ("sku", "WSH12-29-Red", "{v} or WSH12-30-Red"),
    ("sku", "B00004Z4A8", "item {v}"), ("sku", "B07XJ8C8F5", "is {v} compatible"),
    ("sku", "SKU 100245-01", "{v}"), ("sku", "ABC-12345-XYZ", "part {v}"),
    ("date", "2024-05-12", "ordered on {v}"), ("date", "12/05/2024", "delivered {v}"),
    ("date", "05.12.2024", "bestellt am {v}"), ("date", "12 May 2024", "bought {v}"),
    ("date", "May 12, 2024", "since {v}"), ("date", "2024/05/12", "{v}"),
    ("date", "12-05-2024", "arrives {v}"), ("date", "20240512", "batch {v}"),
    ("date", "Q3 2024", "restock in {v}"), ("date", "1999-2024", "{v}"),
    ("date", "2024-05-12 14:30", "at {v}"), ("date", "31/12/2025", "valid until {v}"),
    ("time", "10:30", "open at {v}?"), ("time", "9:45 pm", "closes {v}"), ("time", "5pm", "after {v}"),
    ("time", "14:00-18:00", "deliver {v}"),
    ("quantity", "qty 250", "{v}"), ("quantity", "2 items", "{v} in my cart"),
    ("quantity", "pack of 100", "a {v}"), ("quantity", "1000 pcs", "{v}"), ("quantity", "x3", "{v}"),
    ("quantity", "12 pairs", "{v} of socks"), ("quantity", "500 count", "{v} gloves"),
    ("quantity", "100,000 units", "we need {v}"), ("quantity", "3 x 4 pack", "{v}"),
    ("quantity", "1,500", "order {v} of them"), ("quantity", "2 dozen", "{v}"),
    ("measure", "80 grit", "{v} sandpaper"), ("measure", "1/2 inch", "{v} drill bit"),
    ("measure", "22 AWG", "{v} wire"), ("measure", "3/4-Inch", "{v} tape"),
    ("measure", "10 mL", "{v} bottle"), ("measure", "2.5 gallon", "{v} bucket"),
    ("measure", "4 1/2-Inch x 10yd", "{v} roll"), ("measure", "1/4-20 x 1-1/2", "{v} screws"),
    ("measure", "12 V", "{v} battery"), ("measure", "500 ml", "{v}"), ("measure", "1.75 mm", "{v} filament"),
    ("measure", "16 oz", "{v} hammer"), ("measure", "120 psi", "{v} compressor"),
    ("measure", "6 x 1/2-Inch", "{v} wood screws"), ("measure", "M6 x 1.0", "{v} bolts"),
    ("measure", "12\" x 24\"", "{v} sheet"), ("measure", "3/8-16 x 2", "{v} hex bolt"),
    ("measure", "0.125\" x 12\" x 12\"", "aluminum {v}"), ("measure", "600V 25A", "{v}"),
    ("measure", "2 TB", "a {v} drive"), ("measure", "4.5 kg", "{v}"), ("measure", "1300 2372", "{v}"),
    ("model number", "DCD771C2", "is the {v} any good"), ("model number", "XFD131", "Makita {v}"),
    ("model number", "GSR12V-140FCB22", "Bosch {v}"), ("model number", "Fluke 117", "{v}"),
    ("model number", "P215", "Ryobi {v}"), ("model number", "33-425", "Stanley {v} tape measure"),
    ("model number", "Loctite 242", "{v} threadlocker"), ("model number", "2804-20", "Milwaukee {v}"),
    ("model number", "DW1361", "DeWalt {v}"), ("model number", "11055", "Klein {v}"),
    ("model number", "RTX 4090", "{v}"), ("model number", "iPhone 15", "case for {v}"),
    ("model number", "WD-40", "{v}"), ("model number", "3M 2091", "{v} filters"),
    ("model number", "HP 61XL", "{v} ink"), ("model number", "T-800", "{v}"),
    ("model number", "Model 3120", "{v} manual"), ("model number", "A1466", "MacBook {v}"),
    ("model number", "part 4401233", "{v}"), ("model number", "item 1234567", "{v} is sold out"),
    ("model number", "Gorilla 6044401", "{v}"), ("model number", "PN 30092-3", "{v}"),
    ("model number", "9-31836", "Craftsman {v}"), ("model number", "SPP6", "Supco {v}"),
    ("model number", "TRA708T", "Stanley {v} staples"),
    ("barcode", "012345678905", "UPC {v}"), ("barcode", "4006381333931", "EAN {v}"),
    ("barcode", "978-3-16-148410-0", "ISBN {v}"), ("barcode", "0-306-40615-2", "ISBN {v}"),
    ("barcode", "9780306406157", "ISBN {v}"), ("barcode", "5012345678900", "EAN {v}"),
    ("tracking", "1Z999AA10123456784", "UPS {v}"), ("tracking", "9400 1000 0000 0000 0000 00", "USPS {v}"),
    ("tracking", "7489 2345 9012", "FedEx {v}"), ("tracking", "LX123456789CN", "tracking {v}"),
    ("postcode", "90210", "zip {v}"), ("postcode", "SW1A 1AA", "postcode {v}"),
    ("postcode", "75008", "Paris {v}"), ("postcode", "10115", "Berlin {v}"),
    ("postcode", "560001", "PIN {v}"), ("postcode", "12345-6789", "ZIP+4 {v}"),
    ("other number", "50% off", "{v}"), ("other number", "4.5 stars", "rated {v}"),
    ("other number", "4.8/5", "rated {v}"), ("other number", "2x faster", "{v}"),
    ("other number", "version 2.3.1", "{v}"), ("other number", "192.168.1.10", "IP {v}"),
    ("other number", "room 1204", "{v}"), ("other number", "BA 2490", "flight {v}"),
    ("other number", "SAVE20", "coupon {v}"), ("other number", "1-2 business days", "{v}"),
    ("other number", "30 days", "return within {v}"), ("other number", "10 to 14 days", "{v}"),
    ("other number", "2nd one", "the {v}"), ("other number", "top 10", "{v}"),
    ("other number", "1,000,000", "{v} reviews"), ("other number", "3.14159", "{v}"),
    ("card look-alike", "4111 1111 1111 1112", "ref {v}"),
    ("card look-alike", "1234 5678 9012 3456", "serial {v}"),
    ("card look-alike", "0000 0000 0000 0000", "{v}"),
    ("card look-alike", "9876 5432 1098 7654", "voucher {v}"),
    ("iban look-alike", "DE12 3456 7890 1234 5678 90", "{v}"),
    ("iban look-alike", "GB00 ABCD 1234 5678 9012 34", "{v}"),
    ("iban look-alike", "MH01 XSBL ACK0 0000 0001", "{v}"),
    ("ssn look-alike", "000-12-3456", "{v}"), ("ssn look-alike", "666-12-3456", "{v}"),
    ("ssn look-alike", "123-45-678", "part {v}"),
    ("email look-alike", "@handle", "follow {v}"), ("email look-alike", "2 @ $5", "{v}"),
    ("email look-alike", "@ 10am", "{v}"), ("email look-alike", "example.com", "bought on {v}"),
    ("email look-alike", "www.example.com/shop", "{v}"), ("email look-alike", "#hashtag", "{v}"),
    ("email look-alike", "size@M", "{v}"), ("email look-alike", "a @ b", "{v}"),
    ("street word", "2 TB Hard Drive", "a {v}"), ("street word", "size 10 all the way", "{v}"),
    ("street word", "2 Way Radio", "{v}"), ("street word", "3 Court Shoes", "{v}"),
    ("street word", "2 pairs for the road", "{v}"), ("street word", "5 Square Meters", "{v}"),
    ("street word", "1 Place Setting", "{v}"), ("street word", "the 4 Park Avenue Wallets", "{v}"),
    ("street word", "90 Degree Street Elbow", "{v}"), ("street word", "12 Drive Belts", "{v}"),
    ("street word", "2 tennis court bags", "{v}"), ("street word", "3 Hill Climbing Boots", "{v}"),
    ("product name", "Augusta Pullover Jacket", "is the {v} waterproof"),
    ("product name", "Chaz Kangeroo Hoodie", "{v} in M"),
    ("product name", "Mach Street Sweatshirt", "{v}"),
    ("product name", "Josie Yoga Jacket", "does the {v} shrink"),
    ("product name", "Push It Messenger Bag", "{v}"),
]


def luhn_complete(prefix: str) -> str:
    """``prefix`` with the Luhn check digit appended."""
    for digit in "0123456789":
        number, total = prefix + digit, 0
        for position, char in enumerate(reversed(number)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return number
    raise AssertionError(prefix)


def iban(country: str, bban: str) -> str:
    """The IBAN of ``bban`` in ``country``, its two check digits computed (ISO 13616)."""
    numeric = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - numeric % 97:02d}{bban}"


def _card_groups(number: str) -> list[str]:
    if len(number) == 15:
        return [number[:4], number[4:10], number[10:]]
    if len(number) == 14:
        return [number[:4], number[4:10], number[10:]]
    return [number[i:i + 4] for i in range(0, len(number), 4)]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _lines() -> list[tuple[str, str, str, str]]:
    lines: list[tuple[str, str, str, str]] = []

    def add(kind: str, category: str, value: str, sentences: cycle[str]) -> None:
        lines.append((kind, category, value, next(sentences).format(v=value)))

    sentences = cycle(EMAIL_SENTENCES)
    for category, value in EMAILS:
        add("email", category, value, sentences)
    sentences = cycle(PHONE_SENTENCES)
    for category, value in PHONES:
        add("phone", category, value, sentences)
    sentences = cycle(CARD_SENTENCES)
    numbers = CARD_NUMBERS + [(brand, luhn_complete(p)) for brand, p in CARD_PREFIXES]
    separators = cycle(CARD_SEPARATORS)
    for brand, number in numbers:
        for _ in range(3):
            name, separator = next(separators)
            add("card", f"{brand}, {name}", separator.join(_card_groups(number)), sentences)
    add("card", "Visa, full-width digits", _fullwidth("4111 1111 1111 1111"), sentences)
    add("card", "Mastercard, mixed separators", "5555 5555-5555 4444", sentences)
    sentences = cycle(IBAN_SENTENCES)
    formats = cycle(IBAN_FORMATS)
    for country, bban in IBAN_BBANS:
        for _ in range(2):
            name, style = next(formats)
            number = iban(country, bban)
            grouped = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
            value = {"group": grouped, "plain": number, "lower": grouped.lower(),
                     "nbsp": grouped.replace(" ", "\u00a0")}[style]
            add("iban", f"{country}, {name}", value, sentences)
    sentences = cycle(SSN_SENTENCES)
    for category, value in SSNS:
        add("ssn", category, value, sentences)
        add("ssn", category, value, sentences)
    for value in NAMED_BARE_SSNS:
        lines.append(("ssn", "bare, named", value, f"my social security number is {value}"))
        lines.append(("ssn", "bare, named", value, f"SSN {value}"))
    sentences = cycle(ADDRESS_SENTENCES)
    for category, value in ADDRESSES:
        add("address", category, value, sentences)
    for category, value, sentence in LOOK_ALIKES:
        lines.append(("none", category, value, sentence.format(v=value)))
    return lines


def main() -> None:
    rows = _lines()
    for kind, _category, value, text in rows:
        assert value in text and "\t" not in text and "\n" not in text, (kind, value)
    body = "\n".join("\t".join(row) for row in rows)
    CORPUS.write_text(HEADER + "kind\tcategory\tvalue\ttext\n" + body + "\n", encoding="utf-8")
    print(f"{len(rows)} lines -> {CORPUS}")


if __name__ == "__main__":
    main()
