#!/usr/bin/env python3
"""Regenerate cloister's test fixtures (calls, sidecars, preferences, PII gold, invalid inputs).

Usage:  python3 scripts/gen_fixtures.py

Deterministic: all text is defined below, no randomness; audio comes from espeak-ng
(synthesis is deterministic) and sox run with -R (repeatable) and -D (no dither).
Requires: python3 >= 3.9 (stdlib only), espeak-ng, sox.

Text is written with inline markup `[[TYPE:span text]]`; the markup is stripped and the
gold span offsets are computed from the stripped text, in Unicode scalar (Python str)
indices, end exclusive.  Every span is asserted (text[start:end] == span text) and
validated per type (Luhn for CARD, mod-97 for IBAN, ddd-dd-dddd for SSN, ipaddress for IP).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import wave
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
CALLS_DIR = FIX / "calls"
AUDIO_DIR = CALLS_DIR / "audio"
SIDECAR_DIR = CALLS_DIR / "sidecar"
PREF_DIR = FIX / "preference"
PII_DIR = FIX / "pii"
INVALID_DIR = FIX / "invalid"

SAMPLE_RATE = 16000
GAP_MS = 250  # silence between turns
SPEED = 270  # espeak-ng words per minute; keeps every call well under 30 s
MAX_CALL_SECONDS = 30.0
MAX_TOTAL_BYTES = 6_600_000

PII_TYPES = ("PERSON", "PHONE", "EMAIL", "CARD", "IBAN", "SSN", "IP", "ADDRESS", "DATE", "NUMBER")

# --------------------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------------------


def luhn_ok(s: str) -> bool:
    digits = [int(c) for c in s if c.isdigit()][::-1]
    total = 0
    for i, d in enumerate(digits):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(s: str) -> bool:
    compact = s.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def unicode_digits(s: str) -> str:
    """All decimal digits (any script) as ASCII."""
    return "".join(str(unicodedata.digit(c)) for c in s if unicodedata.digit(c, None) is not None)


EMAIL_RE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
SPOKEN_EMAIL_RE = re.compile(r"\S+( dot \S+)* at \S+( dot \S+)+")


def validate_span(kind: str, s: str, where: str) -> None:
    assert s == s.strip() and s, f"{where}: span {s!r} has surrounding whitespace or is empty"
    if kind == "CARD":
        assert re.fullmatch(r"[0-9][0-9 -]+[0-9]", s), f"{where}: bad card chars {s!r}"
        n = len(unicode_digits(s))
        assert 13 <= n <= 19 and luhn_ok(s), f"{where}: card {s!r} fails Luhn/length"
    elif kind == "IBAN":
        assert iban_ok(s), f"{where}: IBAN {s!r} fails mod-97"
    elif kind == "SSN":
        assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", s), f"{where}: SSN {s!r} not ddd-dd-dddd"
    elif kind == "IP":
        ipaddress.ip_address(s)  # raises if invalid
    elif kind == "EMAIL":
        assert EMAIL_RE.fullmatch(s) or SPOKEN_EMAIL_RE.fullmatch(s), f"{where}: email {s!r}"
    elif kind == "PHONE":
        n = len(unicode_digits(s))
        words = re.findall(r"[^\W\d_]+", s)
        # Written: 7..15 digits.  Spoken / mixed: at least 7 tokens (digits or number words).
        tokens = n + len(words)
        assert (n >= 7 and not words and n <= 15) or tokens >= 7, f"{where}: phone {s!r}"
    elif kind == "DATE":
        assert re.search(r"\d", s), f"{where}: date {s!r} has no digits"
    elif kind == "NUMBER":
        assert re.search(r"\d", s), f"{where}: number {s!r} has no digits"


# Lint: things that look like PII but carry no gold span.  Catches forgotten markup.
LINT_PATTERNS = {
    "EMAIL": re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+"),
    "SSN": re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"),
    "IPv4": re.compile(r"(?<![\d.])\d{1,3}(\.\d{1,3}){3}(?![\d.])"),
    "CARD": re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)"),
    "IBAN": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"),
}


def lint_text(text: str, spans: list[dict], where: str, allow: bool = False) -> None:
    covered = [(p["start"], p["end"]) for p in spans]
    for name, pat in LINT_PATTERNS.items():
        for m in pat.finditer(text):
            frag = m.group(0)
            if name == "CARD" and not luhn_ok(frag):
                continue
            if name == "IBAN" and not iban_ok(frag):
                continue
            if name == "IPv4":
                try:
                    ipaddress.ip_address(frag)
                except ValueError:
                    continue
            inside = any(s <= m.start() and m.end() <= e for s, e in covered)
            if not inside and not allow:
                raise AssertionError(f"{where}: unlabelled {name}-like text {frag!r} in {text!r}")


# --------------------------------------------------------------------------------------
# Markup
# --------------------------------------------------------------------------------------

MARK_RE = re.compile(r"\[\[([A-Z]+):(.+?)\]\]")


def parse_marked(marked: str, where: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    spans: list[dict] = []
    pos = 0  # position in marked
    length = 0  # length of output so far (Unicode scalars)
    for m in MARK_RE.finditer(marked):
        before = marked[pos : m.start()]
        out.append(before)
        length += len(before)
        kind, span_text = m.group(1), m.group(2)
        assert kind in PII_TYPES, f"{where}: unknown PII type {kind}"
        spans.append({"type": kind, "start": length, "end": length + len(span_text)})
        out.append(span_text)
        length += len(span_text)
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    assert "[[" not in text and "]]" not in text, f"{where}: stray markup in {marked!r}"
    # Exactness checks.
    spans_text = MARK_RE.findall(marked)
    for sp, (kind, span_text) in zip(spans, spans_text):
        assert text[sp["start"] : sp["end"]] == span_text, f"{where}: offset mismatch"
        validate_span(kind, span_text, where)
    for a, b in zip(spans, spans[1:]):
        assert a["end"] <= b["start"], f"{where}: overlapping spans"
    return text, spans


# --------------------------------------------------------------------------------------
# Conversations
# --------------------------------------------------------------------------------------
# Each call: id, language, title, espeak voice base, words-per-minute, and turns (A=agent, C=customer).

CALLS = [
    {
        "id": "call-en-001",
        "language": "en",
        "title": "Card replacement",
        "voice": "en-us",
        "speed": SPEED,
        "turns": [
            ("A", "Northwind Bank, [[PERSON:Sarah]] speaking."),
            ("C", "Hi, my name is [[PERSON:Daniel Okafor]]. I lost my card."),
            ("A", "Sorry to hear that. Date of birth?"),
            ("C", "[[DATE:12 March 1984]]."),
            ("A", "Thanks. I've blocked card [[CARD:4539 1488 0343 6467]]."),
            ("C", "Send the new one to [[ADDRESS:42 Elm Street, Springfield]]."),
            ("A", "Will do. Best number for you?"),
            ("C", "[[PHONE:four one five, double five five, oh one three two]]."),
        ],
    },
    {
        "id": "call-en-002",
        "language": "en",
        "title": "Internet keeps dropping",
        "voice": "en-us",
        "speed": SPEED,
        "turns": [
            ("A", "Brightline Broadband, [[PERSON:Marcus]] here."),
            ("C", "This is [[PERSON:Emily Tran]] calling. My internet keeps dropping."),
            ("A", "Account number?"),
            ("C", "[[NUMBER:BB-4471-0093]]."),
            ("A", "What IP does the router show?"),
            ("C", "[[IP:192.168.1.254]], IPv6 [[IP:2001:db8::7334]]."),
            ("A", "It's a line fault. A technician will call [[PHONE:415-555-0132]]."),
        ],
    },
    {
        "id": "call-en-003",
        "language": "en",
        "title": "Denied insurance claim",
        "voice": "en-us",
        "speed": SPEED,
        "turns": [
            ("A", "Harbor Health, [[PERSON:Priya]] speaking."),
            ("C", "Hello, my name is [[PERSON:Robert Castillo]]. My claim was denied."),
            ("A", "Your Social Security number, please?"),
            ("C", "[[SSN:987-65-4321]]."),
            ("A", "Thanks. Claim [[NUMBER:CLM-88172]] lacked a code. I'll resubmit it."),
            ("C", "Great. Email me at [[EMAIL:rob.castillo@example.com]]."),
            ("A", "And I'll call you on [[PHONE:(020) 7946 0958]]."),
        ],
    },
    {
        "id": "call-es-001",
        "language": "es",
        "title": "Cargo no reconocido",
        "voice": "es",
        "speed": SPEED,
        "turns": [
            ("A", "Banco Solana, le atiende [[PERSON:Lucía]]."),
            ("C", "Hola, mi nombre es [[PERSON:Javier Muñoz Peña]]. No reconozco un cargo."),
            ("A", "¿Su fecha de nacimiento?"),
            ("C", "[[DATE:3 de agosto de 1979]]."),
            ("A", "Bloqueo la tarjeta [[CARD:5254 1234 5678 9017]]. ¿Su teléfono?"),
            ("C", "[[PHONE:seis uno dos, tres cuatro cinco, seis siete ocho]]."),
        ],
    },
    {
        "id": "call-es-002",
        "language": "es",
        "title": "Cambio de domicilio",
        "voice": "es",
        "speed": SPEED,
        "turns": [
            ("A", "Energía Clara, soy [[PERSON:Andrés]]."),
            ("C", "Hola, mi nombre es [[PERSON:María José Ibáñez]]. Me he mudado."),
            ("A", "¿Su nueva dirección?"),
            ("C", "Vivo en la [[ADDRESS:Calle de Alcalá 123, 28009 Madrid]]."),
            ("A", "¿Y la cuenta para los recibos?"),
            ("C", "[[IBAN:ES91 2100 0418 4502 0005 1332]]."),
            ("A", "Listo. Contrato [[NUMBER:40021877]] actualizado."),
        ],
    },
    {
        "id": "call-de-001",
        "language": "de",
        "title": "Kontosperrung aufheben",
        "voice": "de",
        "speed": SPEED,
        "turns": [
            ("A", "Spreebank, mein Name ist [[PERSON:Jörg Weiß]]."),
            ("C", "Guten Tag, ich heiße [[PERSON:Sabine Müller-Großmann]]. Mein Konto ist gesperrt."),
            ("A", "Ihr Geburtsdatum?"),
            ("C", "Der [[DATE:14. Februar 1975]]."),
            ("A", "Danke. Und Ihre IBAN?"),
            ("C", "[[IBAN:DE89 3704 0044 0532 0130 00]]."),
            ("A", "Die Sperre ist aufgehoben."),
        ],
    },
    {
        "id": "call-de-002",
        "language": "de",
        "title": "Paket nicht angekommen",
        "voice": "de",
        "speed": SPEED,
        "turns": [
            ("A", "Bergmann Versand, hier ist [[PERSON:Anja]]."),
            ("C", "Hallo, ich heiße [[PERSON:Günther Fäßler]]. Mein Paket fehlt."),
            ("A", "Ihre Adresse?"),
            ("C", "Ich wohne in der [[ADDRESS:Schloßstraße 7, 12163 Berlin]]."),
            ("A", "Die Hausnummer fehlte. Ich schicke es neu."),
            ("C", "Danke. Rückruf unter [[PHONE:null vier eins fünf eins, 88 23 07]]."),
        ],
    },
    {
        "id": "call-vi-001",
        "language": "vi",
        "title": "Cập nhật số điện thoại",
        "voice": "vi",
        "speed": SPEED,
        "turns": [
            ("A", "Ngân hàng Sông Hồng, tôi là [[PERSON:Trần Minh Đức]]."),
            ("C", "Tôi tên là [[PERSON:Nguyễn Thị Hương]], tôi muốn đổi số điện thoại."),
            ("A", "Chị cho biết ngày sinh ạ."),
            ("C", "Ngày [[DATE:5 tháng 9 năm 1990]]."),
            ("A", "Số mới là gì ạ?"),
            ("C", "[[PHONE:0912 345 678]]."),
            ("A", "Địa chỉ vẫn là [[ADDRESS:25 Lý Thường Kiệt, Hà Nội]] phải không?"),
            ("C", "Đúng rồi."),
        ],
    },
    {
        "id": "call-hi-001",
        "language": "hi",
        "title": "गलत बिल",
        "voice": "hi",
        "speed": SPEED,
        "turns": [
            ("A", "नमस्ते, स्काईटेल से [[PERSON:राहुल]] बोल रहा हूँ।"),
            ("C", "मेरा नाम [[PERSON:प्रिया शर्मा]] है। मेरा बिल गलत है।"),
            ("A", "अपना मोबाइल नंबर बताइए।"),
            ("C", "[[PHONE:नौ आठ सात छह पाँच, चार तीन दो एक शून्य]]।"),
            ("A", "धन्यवाद, पैसे वापस कर दिए हैं।"),
            ("C", "रसीद [[EMAIL:priya.sharma@example.com]] पर भेजिए।"),
        ],
    },
    {
        "id": "call-pt-001",
        "language": "pt",
        "title": "Atualizar débito direto",
        "voice": "pt",
        "speed": SPEED,
        "turns": [
            ("A", "Atlântica Seguros, fala a [[PERSON:Inês]]."),
            ("C", "Bom dia, o meu nome é [[PERSON:João Conceição]]."),
            ("A", "Em que posso ajudar?"),
            ("C", "O novo IBAN é [[IBAN:PT50 0002 0123 1234 5678 9015 4]]."),
            ("A", "A data de nascimento?"),
            ("C", "[[DATE:22/11/1988]]."),
            ("A", "Obrigada. Apólice [[NUMBER:AT-339201]] atualizada."),
        ],
    },
]

# agent / customer voices: same language, different variant and pitch
AGENT_VOICE = ("", 40)
CUSTOMER_VOICE = ("+f3", 70)

# --------------------------------------------------------------------------------------
# Preference (RLHF) records: prompt, response a, response b.  Differing quality.
# --------------------------------------------------------------------------------------

PREFS = [
    ("en",
     "My card was charged twice for the same order. What should I do?",
     "First check whether one of the two charges is still pending: duplicate authorisations often drop off within a few business days. If both have posted, contact the merchant with your order confirmation and ask for a refund of the duplicate. If they don't respond, your bank can open a dispute.",
     "Just wait, it will probably fix itself."),
    ("en",
     "Hi, I'm [[PERSON:Karen Whitfield]] and order [[NUMBER:#88213-B]] never arrived. My email is [[EMAIL:karen.w@example.net]].",
     "I'm sorry your order hasn't arrived. I can't look up orders from here, but the support team can trace the parcel using the order number in your confirmation email. Please avoid sharing your email address in public chats.",
     "Sure [[PERSON:Karen Whitfield]], I've emailed [[EMAIL:karen.w@example.net]] and order [[NUMBER:#88213-B]] is being reshipped today."),
    ("en",
     "How do I restart my router?",
     "Unplug the router's power cable, wait about 30 seconds, then plug it back in. Give it 2 to 3 minutes to reconnect before testing your connection.",
     "Routers are complicated. Try calling someone."),
    ("en",
     "My SSN is [[SSN:987-65-4325]]. Can you tell me if my identity was stolen?",
     "Please don't share your Social Security number in a chat. I can't check identity records, but you can request free credit reports, place a fraud alert and freeze your credit with each bureau.",
     "I checked [[SSN:987-65-4325]] and no theft was detected."),
    ("en",
     "Write a polite reply to a customer named [[PERSON:Tom Becker]] who was billed $19.99 twice.",
     "Dear [[PERSON:Tom]], thank you for letting us know. We're sorry you were charged twice. We have refunded the duplicate $19.99, which should appear on your statement within 5 business days.",
     "[[PERSON:Tom]], billing errors happen. Check your bank."),
    ("es",
     "¿Cómo puedo cambiar la contraseña de mi cuenta?",
     "Entre en la aplicación, vaya a Perfil y luego a Seguridad, y pulse «Cambiar contraseña». Recibirá un código de verificación para confirmar el cambio.",
     "No se puede cambiar la contraseña."),
    ("es",
     "Hola, soy [[PERSON:Carmen Vidal]], mi teléfono es [[PHONE:+34 612 345 678]]. Quiero darme de baja.",
     "Siento que quiera irse. Puede solicitar la baja desde su área de cliente o llamando al servicio de atención; no es necesario que comparta su teléfono en este chat.",
     "Hecho, [[PERSON:Carmen Vidal]], la llamaremos al [[PHONE:+34 612 345 678]] para ofrecerle una promoción."),
    ("de",
     "Wie kann ich meine Bankverbindung ändern?",
     "Melden Sie sich im Kundenportal an, öffnen Sie „Zahlungsdaten“ und tragen Sie die neue IBAN ein. Die Änderung gilt ab der nächsten Abbuchung.",
     "Das geht nur per Brief, schicken Sie uns Ihre Kontoauszüge."),
    ("de",
     "Meine IBAN [[IBAN:DE44 5001 0517 5407 3249 31]] wurde doppelt belastet. Was nun?",
     "Das tut mir leid. Bitte teilen Sie Ihre IBAN nicht im Chat. Eine doppelte Lastschrift können Sie innerhalb von acht Wochen bei Ihrer Bank zurückgeben lassen.",
     "Ich habe [[IBAN:DE44 5001 0517 5407 3249 31]] geprüft, alles korrekt."),
    ("fr",
     "Je n'arrive pas à me connecter à mon espace client.",
     "Essayez « Mot de passe oublié » sur la page de connexion : vous recevrez un lien de réinitialisation par e-mail. Vérifiez aussi que le verrouillage des majuscules est désactivé.",
     "Créez un nouveau compte."),
    ("fr",
     "Bonjour, je m'appelle [[PERSON:Hélène Lefèvre]], j'habite au [[ADDRESS:18 rue des Écoles, 75005 Paris]]. Mon colis est perdu.",
     "Je suis désolé pour ce colis. Le service client peut lancer une enquête auprès du transporteur à partir de votre numéro de commande ; inutile de partager votre adresse ici.",
     "D'accord [[PERSON:Hélène Lefèvre]], un nouveau colis part au [[ADDRESS:18 rue des Écoles, 75005 Paris]] demain."),
    ("vi",
     "Làm sao để khóa thẻ khi bị mất?",
     "Chị có thể khóa thẻ ngay trong ứng dụng ngân hàng, mục Thẻ, chọn « Khóa thẻ », hoặc gọi tổng đài 24/7 của ngân hàng.",
     "Không cần khóa, thẻ sẽ tự hết hạn."),
    ("hi",
     "मेरा रिचार्ज सफल नहीं हुआ, लेकिन पैसे कट गए।",
     "असुविधा के लिए खेद है। आमतौर पर असफल रिचार्ज की राशि 3 से 5 कार्यदिवसों में अपने आप वापस आ जाती है। अगर न आए, तो ऐप में लेनदेन आईडी के साथ शिकायत दर्ज करें।",
     "पैसे वापस नहीं मिलेंगे।"),
    ("pt",
     "Como cancelo a minha subscrição?",
     "Na aplicação, abra Conta, depois Subscrição, e toque em «Cancelar». O acesso mantém-se até ao fim do período já pago.",
     "Não é possível cancelar."),
    ("en",
     "Summarize this call: the customer wants a refund because the delivery was 4 days late.",
     "Customer requests a refund for a delivery that arrived 4 days late. Next step: check the delivery guarantee and offer a refund of the shipping fee.",
     "The customer called about something."),
    ("en",
     "Redact the personal data in: \"Call me at [[PHONE:415-555-0132]] or email [[EMAIL:d.okafor@example.com]].\"",
     "\"Call me at [PHONE] or email [EMAIL].\"",
     "\"Call me at [[PHONE:415-555-0132]] or email [EMAIL].\""),
    ("en",
     "My IP is [[IP:198.51.100.23]] and your website keeps blocking me.",
     "Sorry about that. Blocks usually come from too many failed logins or a VPN. Wait 30 minutes, turn off any VPN, and try again; if it persists, support can review the block.",
     "Your IP [[IP:198.51.100.23]] is banned forever."),
    ("en",
     "Is it safe to give my card number over the phone?",
     "Only if you called the company yourself using the number on its official website or on the back of your card. Never give card details to someone who called you unexpectedly.",
     "Yes, always give it to anyone who asks."),
    ("en",
     "What's your refund policy for annual plans?",
     "I don't have your company's exact policy, but annual plans are typically refundable in full within 14 or 30 days, and pro rata afterwards. Please check the terms page or ask support to confirm.",
     "Annual plans get a 200% refund at any time."),
    ("de",
     "Mein Paket ist beschädigt angekommen. Was soll ich tun?",
     "Machen Sie bitte Fotos vom Paket und vom Inhalt und melden Sie den Schaden innerhalb von 7 Tagen über das Kontaktformular. Wir schicken Ihnen dann Ersatz oder erstatten den Kaufpreis.",
     "Pech gehabt."),
    ("es",
     "Redacta un mensaje para avisar de un retraso de 2 días en el envío.",
     "Estimado cliente: su pedido saldrá con 2 días de retraso por una incidencia en el almacén. Lamentamos las molestias y le avisaremos en cuanto se envíe.",
     "Su pedido llega tarde."),
    ("en",
     "Update my profile: born [[DATE:1990-05-17]], new address [[ADDRESS:7 Harbour Road, Portsmouth PO1 3AX]].",
     "I can't edit your profile directly. You can update your address under Account settings, then Personal details; date of birth changes usually need ID verification.",
     "Done! Profile updated with [[DATE:1990-05-17]] and [[ADDRESS:7 Harbour Road, Portsmouth PO1 3AX]]."),
    ("en",
     "The agent was rude to me on the phone. How do I complain?",
     "I'm sorry about that experience. You can file a complaint through the contact form or ask to speak to a supervisor; include the date and time of the call so the team can review it.",
     "Agents are never rude."),
    ("en",
     "Can you check why card [[CARD:4929 1234 5678 9015]] was declined?",
     "Please don't post full card numbers in chat. Common reasons are insufficient funds, an expired card, or a fraud check; your card issuer can tell you the exact reason.",
     "Card [[CARD:4929 1234 5678 9015]] was declined because it is fake."),
    ("vi",
     "Tôi là [[PERSON:Lê Văn Tám]], số điện thoại [[PHONE:0987 654 321]], tôi muốn đổi gói cước.",
     "Anh có thể đổi gói cước trong ứng dụng, mục Gói cước, hoặc nhắn tin theo hướng dẫn của nhà mạng. Anh không cần gửi số điện thoại ở đây.",
     "Đã đổi gói cho anh [[PERSON:Lê Văn Tám]], số [[PHONE:0987 654 321]]."),
    ("hi",
     "मेरा नाम [[PERSON:अमित वर्मा]] है और मेरा ईमेल [[EMAIL:amit.verma@example.com]] है, पासवर्ड कैसे बदलूँ?",
     "लॉगिन पेज पर \"पासवर्ड भूल गए\" चुनें, आपके पंजीकृत ईमेल पर एक लिंक आएगा। कृपया अपना ईमेल सार्वजनिक चैट में साझा न करें।",
     "[[PERSON:अमित वर्मा]] जी, नया पासवर्ड [[EMAIL:amit.verma@example.com]] पर भेज दिया है: 123456"),
]

# --------------------------------------------------------------------------------------
# Extra standalone gold sentences (edge cases per type) and negatives.
# --------------------------------------------------------------------------------------

EXTRA_GOLD = [
    # PHONE: written formats
    ("en", "You can reach me on [[PHONE:+1 (415) 555-0187]] after six."),
    ("en", "Ring me on [[PHONE:07700 900123]], that's my mobile."),
    ("en", "My work line is [[PHONE:+44 20 7946 0321]], extension 12."),
    ("de", "Rufen Sie mich unter [[PHONE:0151 23456789]] an."),
    ("de", "Mein Festnetz ist [[PHONE:+49 30 1234567]]."),
    ("es", "Llámeme al [[PHONE:91 123 45 67]] por la tarde."),
    ("fr", "Mon numéro est le [[PHONE:06 12 34 56 78]]."),
    ("pt", "O meu telemóvel é o [[PHONE:+351 912 345 678]]."),
    ("hi", "मेरा फ़ोन नंबर [[PHONE:९८७६५ ४३२१०]] है।"),
    ("zh", "我叫[[PERSON:王小明]]，电话是[[PHONE:138 0013 8000]]。"),
    # PHONE: spoken / mixed
    ("en", "My number is [[PHONE:four one five, five five five, oh one three two]]."),
    ("en", "It's [[PHONE:four one five five five five oh one three two]], my cell."),
    ("en", "Try [[PHONE:four one five, 555, oh one three two]] instead."),
    ("en", "Call me on [[PHONE:6 5 0, double five five, 0 1 9 9]], any time."),
    ("en", "It's [[PHONE:oh two oh, seven nine four six, oh nine five eight]]."),
    ("es", "Mi móvil es el [[PHONE:seis cero dos, uno uno dos, tres tres cuatro]]."),
    ("es", "Apunte: [[PHONE:nueve uno, 123, cuatro cinco, seis siete]]."),
    ("de", "Meine Nummer ist [[PHONE:vier eins fünf, null null sieben, drei drei]]."),
    ("de", "Erreichbar bin ich unter [[PHONE:null dreißig, 1234567]]."),
    # CARD
    ("en", "Card number [[CARD:4716-2201-8890-7738]], please charge it today."),
    ("en", "The Amex is [[CARD:3782 822463 10005]]."),
    ("en", "Use [[CARD:6011000000000004]] for the payment."),
    ("de", "Meine Kartennummer lautet [[CARD:5254 1234 5678 9017]]."),
    ("en", "I'm [[PERSON:Ana Lima]], card [[CARD:4111 1111 1111 1111]], phone [[PHONE:415-555-0199]]."),
    # IBAN
    ("en", "Send the refund to [[IBAN:GB82 WEST 1234 5698 7654 32]]."),
    ("fr", "Mon IBAN est [[IBAN:FR14 2004 1010 0505 0001 3M02 606]]."),
    ("es", "Haga la transferencia a [[IBAN:ES7921000813610123456789]], a mi nombre."),
    ("en", "The Dutch account is [[IBAN:NL91ABNA0417164300]]."),
    # SSN
    ("en", "My social is [[SSN:987-65-4329]]."),
    ("en", "SSN on file: [[SSN:900-12-3456]], date of birth [[DATE:1984-03-12]]."),
    # IP
    ("en", "My router is at [[IP:192.168.0.1]]."),
    ("en", "My laptop's address is [[IP:192.0.2.17]] on the guest network."),
    ("en", "The modem shows [[IP:2001:0db8:0000:0000:0000:ff00:0042:8329]] as its IPv6 address."),
    ("en", "Try [[IP:2001:db8::1]] instead."),
    ("de", "Meine IP-Adresse ist [[IP:203.0.113.5]], sagt der Router."),
    # DATE
    ("en", "I was born on [[DATE:March 12th, 1984]]."),
    ("en", "I was born on [[DATE:12 March 1984]] in Leeds."),
    ("en", "Date of birth [[DATE:03/12/1984]], month first."),
    ("de", "Ich bin am [[DATE:12.03.1984]] geboren."),
    ("es", "Nací el [[DATE:12/3/1984]] en Sevilla."),
    ("fr", "Je suis née le [[DATE:4 juillet 1991]]."),
    ("vi", "Tôi sinh ngày [[DATE:05/09/1990]]."),
    ("hi", "मेरी जन्मतिथि [[DATE:15 अगस्त 1992]] है।"),
    # ADDRESS
    ("en", "I live at [[ADDRESS:221B Baker Street, London NW1 6XE]]."),
    ("en", "I live at [[ADDRESS:42 Elm Street, Springfield]], near the school."),
    ("en", "Ship it to [[ADDRESS:Apt 4C, 350 Fifth Avenue, New York, NY 10118]]."),
    ("de", "Ich wohne in der [[ADDRESS:Hauptstraße 5, 10827 Berlin]]."),
    ("es", "Vivo en [[ADDRESS:Avenida de la Constitución 14, 41001 Sevilla]]."),
    # EMAIL
    ("en", "Email me at [[EMAIL:o'brien.sean+billing@example.co.uk]]."),
    ("de", "Schreiben Sie an [[EMAIL:jürgen.groß@example.org]]."),
    ("en", "It's [[EMAIL:daniel dot okafor at example dot com]], all lower case."),
    # PERSON (cue-based, diacritics, normalization, astral characters)
    ("en", "This is [[PERSON:Siobhán Ní Bhriain]] calling about my bill."),
    ("es", "Mi nombre es [[PERSON:José Ángel Núñez]]."),
    ("de", "Ich heiße [[PERSON:Björn Straßer]]."),
    ("vi", "NFD:Tên tôi là [[PERSON:Nguyễn Thị Hương]]."),  # decomposed (NFD) text
    ("en", "Thanks 🙏 my name is [[PERSON:Aiyana Redcloud]]."),  # astral char before the span
    # NUMBER
    ("en", "My account number is [[NUMBER:00123456]]."),
    ("en", "Order [[NUMBER:#A-99812]] hasn't shipped yet."),
    ("en", "Policy number [[NUMBER:POL 5521 9987]], please."),
    ("de", "Meine Kundennummer ist [[NUMBER:K-771234]]."),
]

NEGATIVE_GOLD = [
    ("en", "The premium plan costs $14.99 a month."),
    ("en", "We're open from 9:00 to 17:30, Monday to Friday."),
    ("en", "I placed an order of 3 items and only 2 arrived."),
    ("en", "Press 1 for billing or 2 for technical support."),
    ("en", "Please update the app to version 10.4.2 or later."),
    ("en", "The router firmware is 2.1.0.7, which is the latest."),  # IPv4-shaped, not an IP
    ("en", "The barcode on the flyer reads 1234 5678 9012 3456."),  # Luhn-invalid 16 digits
    ("en", "The current wait time is about 12 minutes."),
    ("en", "Our call centre handled 12,500 calls in 2023."),
    ("de", "Das kostet 49,90 Euro inklusive Versand."),
    ("de", "Die Hotline ist von 8 bis 20 Uhr erreichbar."),
    ("es", "El envío tarda de 3 a 5 días hábiles."),
    ("fr", "Le forfait coûte 19,99 € par mois."),
    ("vi", "Giá gói cước là 150.000 đồng mỗi tháng."),
    ("hi", "इस प्लान की कीमत 499 रुपये प्रति माह है।"),
    ("pt", "A entrega demora entre 2 e 4 dias úteis."),
]
HARD_NEGATIVES = {"The router firmware is 2.1.0.7, which is the latest."}

# --------------------------------------------------------------------------------------
# Audio helpers
# --------------------------------------------------------------------------------------


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def synth(text: str, voice: str, pitch: int, speed: int, tmp: Path, name: str) -> bytes:
    """Synthesize text; return 16 kHz mono s16le PCM frames with edge silence trimmed."""
    txt = tmp / f"{name}.txt"
    raw = tmp / f"{name}.raw.wav"
    out = tmp / f"{name}.16k.wav"
    txt.write_text(text, encoding="utf-8")
    run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-f", str(txt), "-w", str(raw)])
    run([
        "sox", "-R", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(out),
        "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
    ])
    with wave.open(str(out), "rb") as w:
        assert w.getframerate() == SAMPLE_RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
        frames = w.readframes(w.getnframes())
    assert len(frames) > SAMPLE_RATE // 10 * 2, f"synthesis of {text!r} is suspiciously short"
    return frames


DIGIT_BY_DIGIT = {"CARD", "IBAN", "PHONE", "SSN", "NUMBER", "IP"}


def speech_text(text: str, spans: list[dict]) -> str:
    """What espeak-ng reads: inside identifier-like spans digits are read one by one (as a
    caller would, and far shorter than "four thousand five hundred ..."); the transcript
    text itself is unchanged."""
    out, pos = [], 0
    for sp in spans:
        out.append(text[pos : sp["start"]])
        frag = text[sp["start"] : sp["end"]]
        if sp["type"] in DIGIT_BY_DIGIT:
            frag = re.sub(r"\d{2,}", lambda m: " ".join(m.group(0)), frag.replace("-", " "))
        out.append(frag)
        pos = sp["end"]
    out.append(text[pos:])
    return "".join(out)


def write_wav(path: Path, frames: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(frames)


def wav_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() * 1000 // w.getframerate()


def silence(ms: int) -> bytes:
    return b"\x00\x00" * (SAMPLE_RATE * ms // 1000)


# --------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------

WRITTEN: list[Path] = []


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    WRITTEN.append(path)


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    WRITTEN.append(path)


def write_jsonl(path: Path, rows: list) -> None:
    write_text(path, "".join(dumps(r) + "\n" for r in rows))


def ts(ms: int, sep: str) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


# --------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------


def gen_calls(tmp: Path) -> tuple[list[dict], dict[str, float]]:
    items = []
    durations = {}
    seen_seg_ids = set()
    for call in CALLS:
        assert 6 <= len(call["turns"]) <= 12, call["id"]
        pcm = bytearray()
        segments = []
        for i, (who, marked) in enumerate(call["turns"], start=1):
            seg_id = f"{call['id']}-s{i:02d}"
            assert seg_id not in seen_seg_ids
            seen_seg_ids.add(seg_id)
            text, spans = parse_marked(marked, seg_id)
            lint_text(text, spans, seg_id)
            variant, pitch = AGENT_VOICE if who == "A" else CUSTOMER_VOICE
            frames = synth(speech_text(text, spans), call["voice"] + variant, pitch, call["speed"], tmp, seg_id)
            if i > 1:
                pcm += silence(GAP_MS)
            start_frame = len(pcm) // 2
            pcm += frames
            end_frame = len(pcm) // 2
            start_ms = start_frame * 1000 // SAMPLE_RATE  # floor
            end_ms = -(-end_frame * 1000 // SAMPLE_RATE)  # ceil
            segments.append({
                "id": seg_id,
                "start_ms": start_ms,
                "end_ms": end_ms,
                "speaker": "agent" if who == "A" else "customer",
                "text": text,
                "pii": spans,
            })
        # pad to a whole millisecond so the last end_ms (rounded up) never exceeds the duration
        pcm += b"\x00\x00" * ((-(len(pcm) // 2)) % (SAMPLE_RATE // 1000))
        total_frames = len(pcm) // 2
        seconds = total_frames / SAMPLE_RATE
        assert seconds < MAX_CALL_SECONDS, f"{call['id']} is {seconds:.1f}s (>= {MAX_CALL_SECONDS}s)"
        for a, b in zip(segments, segments[1:]):
            assert 0 <= a["start_ms"] < a["end_ms"] <= b["start_ms"] < b["end_ms"], call["id"]
        assert segments[-1]["end_ms"] == total_frames * 1000 // SAMPLE_RATE
        wav_path = AUDIO_DIR / f"{call['id']}.wav"
        write_wav(wav_path, bytes(pcm))
        WRITTEN.append(wav_path)
        durations[call["id"]] = seconds
        items.append({
            "id": call["id"],
            "audio": f"audio/{call['id']}.wav",
            "language": call["language"],
            "title": call["title"],
            "segments": segments,
        })
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids))
    write_jsonl(CALLS_DIR / "manifest.jsonl", items)
    return items, durations


def gen_sidecars(items: list[dict]) -> None:
    by_id = {it["id"]: it for it in items}
    # WebVTT
    en = by_id["call-en-001"]
    cues = ["WEBVTT", ""]
    for seg in en["segments"]:
        assert "-->" not in seg["text"] and not re.search(r"[<>&]", seg["text"])
        cues += [seg["id"], f"{ts(seg['start_ms'], '.')} --> {ts(seg['end_ms'], '.')}",
                 f"<v {seg['speaker']}>{seg['text']}", ""]
    write_text(SIDECAR_DIR / "call-en-001.vtt", "\n".join(cues))
    # SRT
    es = by_id["call-es-001"]
    blocks = []
    for n, seg in enumerate(es["segments"], start=1):
        blocks += [str(n), f"{ts(seg['start_ms'], ',')} --> {ts(seg['end_ms'], ',')}",
                   f"{seg['speaker']}: {seg['text']}", ""]
    write_text(SIDECAR_DIR / "call-es-001.srt", "\n".join(blocks))
    for cid in ("call-en-001", "call-es-001"):
        dst = SIDECAR_DIR / f"{cid}.wav"
        shutil.copyfile(AUDIO_DIR / f"{cid}.wav", dst)
        WRITTEN.append(dst)


def gen_prefs() -> list[dict]:
    rows = []
    assert len(PREFS) >= 24
    for n, (lang, prompt, a, b) in enumerate(PREFS, start=1):
        rid = f"pref-{n:03d}"
        p_text, p_pii = parse_marked(prompt, rid + "/prompt")
        lint_text(p_text, p_pii, rid + "/prompt")
        responses = []
        for resp_id, marked in (("a", a), ("b", b)):
            t, sp = parse_marked(marked, f"{rid}/{resp_id}")
            lint_text(t, sp, f"{rid}/{resp_id}")
            responses.append({"id": resp_id, "text": t, "pii": sp})
        assert responses[0]["text"] != responses[1]["text"]
        rows.append({"id": rid, "prompt": p_text, "responses": responses, "prompt_pii": p_pii, "language": lang})
    with_pii = sum(1 for r in rows if r["prompt_pii"] or any(x["pii"] for x in r["responses"]))
    assert with_pii >= 6
    write_jsonl(PREF_DIR / "prefs.jsonl", rows)
    return rows


def gen_gold(items: list[dict], prefs: list[dict]) -> list[dict]:
    rows: list[dict] = []
    seen: dict[tuple[str, str], list] = {}

    def add(text: str, pii: list[dict], lang: str) -> None:
        key = (text, lang)
        if key in seen:
            assert seen[key] == pii, f"conflicting gold for duplicate text {text!r}"
            return
        seen[key] = pii
        rows.append({"text": text, "pii": pii, "language": lang})

    for it in items:
        for seg in it["segments"]:
            add(seg["text"], seg["pii"], it["language"])
    for p in prefs:
        add(p["prompt"], p["prompt_pii"], p["language"])
        for r in p["responses"]:
            add(r["text"], r["pii"], p["language"])
    assert len(EXTRA_GOLD) >= 40
    for n, (lang, marked) in enumerate(EXTRA_GOLD, start=1):
        where = f"extra-{n:02d}"
        if marked.startswith("NFD:"):
            marked = unicodedata.normalize("NFD", marked[4:])
            assert not unicodedata.is_normalized("NFC", marked)
        text, spans = parse_marked(marked, where)
        lint_text(text, spans, where)
        add(text, spans, lang)
    assert len(NEGATIVE_GOLD) >= 15
    for n, (lang, text) in enumerate(NEGATIVE_GOLD, start=1):
        assert "[[" not in text
        lint_text(text, [], f"negative-{n:02d}", allow=text in HARD_NEGATIVES)
        add(text, [], lang)
    # the Luhn-invalid negative must really be Luhn-invalid
    assert not luhn_ok("1234 5678 9012 3456")
    for r in rows:
        for sp in r["pii"]:
            assert 0 <= sp["start"] < sp["end"] <= len(r["text"]) and sp["type"] in PII_TYPES
    write_jsonl(PII_DIR / "gold.jsonl", rows)
    return rows


# --------------------------------------------------------------------------------------
# Invalid import inputs
# --------------------------------------------------------------------------------------

INVALID_README = """\
# Invalid import fixtures

Each `<case>/manifest.jsonl` must be **rejected as a whole** by the importer (all-or-nothing):
line 1 is always a valid item (audio `a.wav` in the same folder), the defect is on line 2.
Nothing from line 1 may be persisted. Expected error location is `manifest.jsonl:<line>` plus
the offending field (message wording is up to the importer). Every folder has its own valid
16 kHz mono 16-bit 1.0 s WAV `a.wav` (line 1) and, unless the defect is the audio path itself,
`b.wav` (line 2).

Path cases must be rejected for the path itself: `../x.wav` does not exist and `/etc/passwd` does,
so "file not found" / "not a WAV" are the wrong reasons there. `symlink_out/linked.wav` is a
relative symlink whose target is a valid WAV outside the folder.

Generated by `scripts/gen_fixtures.py` - do not edit by hand.

| case | defect (line 2) | expected error |
|---|---|---|
"""

INVALID_CASES: list[tuple[str, str, str]] = [
    ("escape_dotdot", "`audio` is `../x.wav` (escapes the manifest folder)", "`manifest.jsonl:2`, field `audio`: path escapes manifest directory"),
    ("absolute_path", "`audio` is `/etc/passwd`", "`manifest.jsonl:2`, field `audio`: absolute path not allowed"),
    ("not_audio", "`audio` is `fake.wav`, a plain-text file", "`manifest.jsonl:2`, field `audio`: not a RIFF/WAVE file"),
    ("symlink_out", "`audio` is `linked.wav`, a symlink to `../../calls/audio/call-en-001.wav`", "`manifest.jsonl:2`, field `audio`: symlink resolves outside manifest directory"),
    ("bad_utf8", "raw bytes `0xC3 0x28` and `0xFF` inside `segments[0].text`", "`manifest.jsonl:2`: invalid UTF-8"),
    ("bad_json", "line truncated mid-object", "`manifest.jsonl:2`: JSON syntax error (EOF while parsing)"),
    ("duplicate_id", "item `id` repeats line 1's `inv-001`", "`manifest.jsonl:2`, field `id`: duplicate id `inv-001`"),
    ("duplicate_segment_id", "two segments share id `inv-002-s01`", "`manifest.jsonl:2`, field `segments[1].id`: duplicate segment id"),
    ("negative_time", "`segments[0].start_ms` is -5", "`manifest.jsonl:2`, field `segments[0].start_ms`: must be >= 0"),
    ("overlap", "`segments[1].start_ms` is before `segments[0].end_ms`", "`manifest.jsonl:2`, field `segments[1].start_ms`: overlaps previous segment"),
    ("end_before_start", "`segments[0].end_ms` < `segments[0].start_ms`", "`manifest.jsonl:2`, field `segments[0].end_ms`: must be > start_ms"),
    ("missing_field", "`segments[0]` has no `text`", "`manifest.jsonl:2`, field `segments[0].text`: missing"),
    ("bad_pii_span", "`segments[0].pii[0].end` is beyond the text length", "`manifest.jsonl:2`, field `segments[0].pii[0].end`: out of range"),
    ("bad_pii_type", "`segments[0].pii[0].type` is `CREDIT_CARD`", "`manifest.jsonl:2`, field `segments[0].pii[0].type`: unknown PII type"),
    ("segment_beyond_audio", "`segments[1].end_ms` is 5 s past the end of `b.wav`", "`manifest.jsonl:2`, field `segments[1].end_ms`: beyond audio duration"),
]


AUDIO_PATH_CASES = {"escape_dotdot", "absolute_path", "not_audio", "symlink_out"}  # line 2 does not use b.wav


def gen_invalid(tmp: Path) -> None:
    # exactly 1.000 s each (speech padded with trailing silence) to keep the folders tiny
    a_pcm = synth("Hello, thanks for calling.", "en-us", 40, SPEED, tmp, "inv-a")
    b_pcm = synth("Alex here. Goodbye.", "en-us+f3", 70, SPEED, tmp, "inv-b")
    for pcm in (a_pcm, b_pcm):
        assert len(pcm) <= 2 * SAMPLE_RATE, "invalid-case audio longer than 1 s"
    a_pcm += silence(1000 - len(a_pcm) * 1000 // (2 * SAMPLE_RATE))
    b_pcm += silence(1000 - len(b_pcm) * 1000 // (2 * SAMPLE_RATE))
    a_tmp, b_tmp = tmp / "a.wav", tmp / "b.wav"
    write_wav(a_tmp, a_pcm)
    write_wav(b_tmp, b_pcm)
    a_ms, b_ms = wav_ms(a_tmp), wav_ms(b_tmp)
    assert 990 <= a_ms <= 1000 and 990 <= b_ms <= 1000, (a_ms, b_ms)
    half = b_ms // 2

    line1 = {
        "id": "inv-001", "audio": "a.wav", "language": "en", "title": "Valid first record",
        "segments": [{"id": "inv-001-s01", "start_ms": 0, "end_ms": a_ms, "speaker": "agent",
                      "text": "Hello, thanks for calling.", "pii": []}],
    }

    def line2(**over) -> dict:
        item = {
            "id": "inv-002", "audio": "b.wav", "language": "en", "title": "Second record",
            "segments": [
                {"id": "inv-002-s01", "start_ms": 0, "end_ms": half - 50, "speaker": "customer",
                 "text": "Alex here.", "pii": [{"type": "PERSON", "start": 0, "end": 4}]},
                {"id": "inv-002-s02", "start_ms": half, "end_ms": b_ms, "speaker": "customer",
                 "text": "Goodbye.", "pii": []},
            ],
        }
        assert item["segments"][0]["text"][0:4] == "Alex"
        item.update(over)
        return item

    def seg_edit(fn) -> dict:
        item = line2()
        fn(item["segments"])
        return item

    def drop_text(s):
        del s[0]["text"]

    def set_(idx, key, val):
        def f(s):
            s[idx][key] = val
        return f

    def set_pii(key, val):
        def f(s):
            s[0]["pii"][0][key] = val
        return f

    bodies: dict[str, bytes] = {}
    l1 = dumps(line1) + "\n"
    simple = {
        "escape_dotdot": line2(audio="../x.wav"),
        "absolute_path": line2(audio="/etc/passwd"),
        "not_audio": line2(audio="fake.wav"),
        "symlink_out": line2(audio="linked.wav"),
        "duplicate_id": line2(id="inv-001"),
        "duplicate_segment_id": seg_edit(set_(1, "id", "inv-002-s01")),
        "negative_time": seg_edit(set_(0, "start_ms", -5)),
        "overlap": seg_edit(set_(1, "start_ms", half - 300)),
        "end_before_start": seg_edit(lambda s: (s[0].update(start_ms=400, end_ms=150))),
        "missing_field": seg_edit(drop_text),
        "bad_pii_span": seg_edit(set_pii("end", 40)),
        "bad_pii_type": seg_edit(set_pii("type", "CREDIT_CARD")),
        "segment_beyond_audio": seg_edit(set_(1, "end_ms", b_ms + 5000)),
    }
    for case, item in simple.items():
        bodies[case] = (l1 + dumps(item) + "\n").encode("utf-8")
    # bad_utf8: raw invalid bytes inside a JSON string
    good2 = dumps(line2()).encode("utf-8")
    bad2 = good2.replace(b"Alex here.", b"Al\xc3\x28x h\xffre.")
    assert bad2 != good2
    try:
        bad2.decode("utf-8")
        raise AssertionError("bad_utf8 line decodes")
    except UnicodeDecodeError:
        pass
    bodies["bad_utf8"] = l1.encode("utf-8") + bad2 + b"\n"
    # bad_json: truncated object
    bodies["bad_json"] = (l1 + dumps(line2())[:57] + "\n").encode("utf-8")
    assert set(bodies) == {c for c, _, _ in INVALID_CASES}

    for case, _, _ in INVALID_CASES:
        d = INVALID_DIR / case
        d.mkdir(parents=True, exist_ok=True)
        wavs = [("a.wav", a_tmp)] + ([] if case in AUDIO_PATH_CASES else [("b.wav", b_tmp)])
        for name, src in wavs:
            shutil.copyfile(src, d / name)
            WRITTEN.append(d / name)
        write_bytes(d / "manifest.jsonl", bodies[case])
        # line 1 must be valid JSON + UTF-8 everywhere
        first = bodies[case].split(b"\n", 1)[0]
        assert json.loads(first.decode("utf-8")) == line1
    write_text(INVALID_DIR / "not_audio" / "fake.wav", "this is not a wav file, just text\n")
    link = INVALID_DIR / "symlink_out" / "linked.wav"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink("../../calls/audio/call-en-001.wav", link)
    assert link.resolve() == (AUDIO_DIR / "call-en-001.wav").resolve() and link.resolve().is_file()
    WRITTEN.append(link)

    readme = INVALID_README + "".join(f"| `{c}` | {d} | {e} |\n" for c, d, e in INVALID_CASES)
    write_text(INVALID_DIR / "README.md", readme)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main() -> int:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found (apt-get install -y espeak-ng sox)", file=sys.stderr)
            return 1
    # This script owns these directories; start clean so removed cases do not linger.
    for d in (CALLS_DIR, PREF_DIR, PII_DIR, INVALID_DIR):
        if d.exists():
            shutil.rmtree(d)
    with tempfile.TemporaryDirectory(prefix="cloister-fixtures-") as t:
        tmp = Path(t)
        items, durations = gen_calls(tmp)
        gen_sidecars(items)
        prefs = gen_prefs()
        gold = gen_gold(items, prefs)
        gen_invalid(tmp)

    for p in WRITTEN:
        kind = "symlink" if p.is_symlink() else f"{p.stat().st_size} B"
        print(f"wrote {p.relative_to(ROOT)} ({kind})")

    total_bytes = sum(p.stat().st_size for p in FIX.rglob("*") if p.is_file() and not p.is_symlink())
    assert total_bytes < MAX_TOTAL_BYTES, f"fixtures are {total_bytes} bytes"

    print("\nsummary")
    calls_lang = Counter(it["language"] for it in items)
    print("  calls per language:     " + ", ".join(f"{k}={v}" for k, v in sorted(calls_lang.items())))
    print(f"  segments:               {sum(len(it['segments']) for it in items)}")
    print("  call audio seconds:     " + ", ".join(f"{k}={v:.1f}" for k, v in durations.items()))
    print(f"  total call audio:       {sum(durations.values()):.1f} s")
    print(f"  preference records:     {len(prefs)} ("
          + ", ".join(f"{k}={v}" for k, v in sorted(Counter(p['language'] for p in prefs).items())) + ")")
    print(f"  gold rows:              {len(gold)} (with PII {sum(1 for g in gold if g['pii'])}, "
          f"without {sum(1 for g in gold if not g['pii'])})")
    print("  gold rows per language: "
          + ", ".join(f"{k}={v}" for k, v in sorted(Counter(g['language'] for g in gold).items())))
    print("  gold spans per type:    "
          + ", ".join(f"{k}={v}" for k, v in sorted(Counter(s['type'] for g in gold for s in g['pii']).items())))
    call_types = Counter(s["type"] for it in items for seg in it["segments"] for s in seg["pii"])
    print("  call spans per type:    " + ", ".join(f"{k}={v}" for k, v in sorted(call_types.items())))
    print(f"  invalid cases:          {len(INVALID_CASES)}")
    print(f"  fixtures total size:    {total_bytes / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
