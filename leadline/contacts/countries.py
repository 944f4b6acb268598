"""Country names and ISO 3166 alpha-2 codes, for every write path that accepts a country.

`country_code` uses the English table only (fast enough for a public form); `translate_country`
also knows the names in several other languages (imports of foreign CRMs).
"""

from __future__ import annotations

import re
from functools import cache

_ENGLISH_COUNTRY_NAMES = (
    "AD:Andorra|AE:United Arab Emirates|AF:Afghanistan|AG:Antigua and Barbuda|AI:Anguilla|AL:Albania|"
    "AM:Armenia|AN:Netherlands Antilles|AO:Angola|AQ:Antarctica|AR:Argentina|AS:American Samoa|"
    "AT:Austria|AU:Australia|AW:Aruba|AX:Åland Islands|AZ:Azerbaijan|BA:Bosnia and Herzegovina|"
    "BB:Barbados|BD:Bangladesh|BE:Belgium|BF:Burkina Faso|BG:Bulgaria|BH:Bahrain|BI:Burundi|BJ:Benin|"
    "BL:Saint Barthélemy|BM:Bermuda|BN:Brunei|BO:Bolivia|BQ:Bonaire, Sint Eustatius and Saba|"
    "BR:Brazil|BS:Bahamas|BT:Bhutan|BV:Bouvet Island|BW:Botswana|BY:Belarus|BZ:Belize|CA:Canada|"
    "CC:Cocos Islands|CD:The Democratic Republic Of Congo|CF:Central African Republic|CG:Congo|"
    "CH:Switzerland|CI:Côte d'Ivoire|CK:Cook Islands|CL:Chile|CM:Cameroon|CN:China|CO:Colombia|"
    "CR:Costa Rica|CU:Cuba|CV:Cape Verde|CW:Curaçao|CX:Christmas Island|CY:Cyprus|CZ:Czech Republic|"
    "DE:Germany|DJ:Djibouti|DK:Denmark|DM:Dominica|DO:Dominican Republic|DZ:Algeria|EC:Ecuador|"
    "EE:Estonia|EG:Egypt|EH:Western Sahara|ER:Eritrea|ES:Spain|ET:Ethiopia|FI:Finland|FJ:Fiji|"
    "FK:Falkland Islands|FM:Micronesia|FO:Faroe Islands|FR:France|GA:Gabon|GB:United Kingdom|"
    "GD:Grenada|GE:Georgia|GF:French Guiana|GG:Guernsey|GH:Ghana|GI:Gibraltar|GL:Greenland|GM:Gambia|"
    "GN:Guinea|GP:Guadeloupe|GQ:Equatorial Guinea|GR:Greece|"
    "GS:South Georgia And The South Sandwich Islands|GT:Guatemala|GU:Guam|GW:Guinea-Bissau|GY:Guyana|"
    "HK:Hong Kong|HM:Heard Island And McDonald Islands|HN:Honduras|HR:Croatia|HT:Haiti|HU:Hungary|"
    "ID:Indonesia|IE:Ireland|IL:Israel|IM:Isle Of Man|IN:India|IO:British Indian Ocean Territory|"
    "IQ:Iraq|IR:Iran|IS:Iceland|IT:Italy|JE:Jersey|JM:Jamaica|JO:Jordan|JP:Japan|KE:Kenya|"
    "KG:Kyrgyzstan|KH:Cambodia|KI:Kiribati|KM:Comoros|KN:Saint Kitts And Nevis|KP:North Korea|"
    "KR:South Korea|KW:Kuwait|KY:Cayman Islands|KZ:Kazakhstan|LA:Laos|LB:Lebanon|LC:Saint Lucia|"
    "LI:Liechtenstein|LK:Sri Lanka|LR:Liberia|LS:Lesotho|LT:Lithuania|LU:Luxembourg|LV:Latvia|"
    "LY:Libya|MA:Morocco|MC:Monaco|MD:Moldova|ME:Montenegro|MF:Saint Martin|MG:Madagascar|"
    "MH:Marshall Islands|MK:Macedonia|ML:Mali|MM:Myanmar|MN:Mongolia|MO:Macao|"
    "MP:Northern Mariana Islands|MQ:Martinique|MR:Mauritania|MS:Montserrat|MT:Malta|MU:Mauritius|"
    "MV:Maldives|MW:Malawi|MX:Mexico|MY:Malaysia|MZ:Mozambique|NA:Namibia|NC:New Caledonia|NE:Niger|"
    "NF:Norfolk Island|NG:Nigeria|NI:Nicaragua|NL:Netherlands|NO:Norway|NP:Nepal|NR:Nauru|NU:Niue|"
    "NZ:New Zealand|OM:Oman|PA:Panama|PE:Peru|PF:French Polynesia|PG:Papua New Guinea|PH:Philippines|"
    "PK:Pakistan|PL:Poland|PM:Saint Pierre And Miquelon|PN:Pitcairn|PR:Puerto Rico|PS:Palestine|"
    "PT:Portugal|PW:Palau|PY:Paraguay|QA:Qatar|RE:Reunion|RO:Romania|RS:Serbia|RU:Russia|RW:Rwanda|"
    "SA:Saudi Arabia|SB:Solomon Islands|SC:Seychelles|SD:Sudan|SE:Sweden|SG:Singapore|"
    "SH:Saint Helena|SI:Slovenia|SJ:Svalbard And Jan Mayen|SK:Slovakia|SL:Sierra Leone|SM:San Marino|"
    "SN:Senegal|SO:Somalia|SR:Suriname|SS:South Sudan|ST:Sao Tome And Principe|SV:El Salvador|"
    "SX:Sint Maarten (Dutch part)|SY:Syria|SZ:Swaziland|TC:Turks And Caicos Islands|TD:Chad|"
    "TF:French Southern Territories|TG:Togo|TH:Thailand|TJ:Tajikistan|TK:Tokelau|TL:Timor-Leste|"
    "TM:Turkmenistan|TN:Tunisia|TO:Tonga|TR:Turkey|TT:Trinidad and Tobago|TV:Tuvalu|TW:Taiwan|"
    "TZ:Tanzania|UA:Ukraine|UG:Uganda|UM:United States Minor Outlying Islands|US:United States|"
    "UY:Uruguay|UZ:Uzbekistan|VA:Vatican|VC:Saint Vincent And The Grenadines|VE:Venezuela|"
    "VG:British Virgin Islands|VI:U.S. Virgin Islands|VN:Vietnam|VU:Vanuatu|WF:Wallis And Futuna|"
    "WS:Samoa|YE:Yemen|YT:Mayotte|ZA:South Africa|ZM:Zambia|ZW:Zimbabwe"
)
_COUNTRY_EXTRAS = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "czechia": "CZ",
    "republic of korea": "KR",
    "korea": "KR",
    "russian federation": "RU",
    "uae": "AE",
    "turkiye": "TR",
    "viet nam": "VN",
    "ivory coast": "CI",
    "north macedonia": "MK",
    "eswatini": "SZ",
    "democratic republic of the congo": "CD",
    "dr congo": "CD",
    "republic of ireland": "IE",
}
_COUNTRY_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "pl")


def _country_key(name: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())


@cache
def _country_names() -> dict[str, str]:
    table: dict[str, str] = {}
    for item in "".join(_ENGLISH_COUNTRY_NAMES).split("|"):
        code, name = item.split(":", 1)
        table[_country_key(name)] = code
    table.update(_COUNTRY_EXTRAS)
    return table


@cache
def _foreign_country_names() -> dict[str, str]:
    from phonenumbers.geodata.locale import LOCALE_DATA

    table: dict[str, str] = {}
    for code, names in LOCALE_DATA.items():
        if len(code) != 2 or not code.isalpha():
            continue
        for language in _COUNTRY_LANGUAGES:
            name = names.get(language, "")
            if name and not name.startswith("*"):
                table.setdefault(_country_key(name), code.upper())
    return table


def translate_country(value: str) -> str | None:
    """An ISO 3166 alpha-2 code for a code or a country name ('GB', 'Germany', 'Deutschland', 'UK')."""
    name = _country_key(value)
    if not name:
        return None
    if name in _COUNTRY_EXTRAS:
        return _COUNTRY_EXTRAS[name]
    if len(name) == 2 and name.upper() in _country_codes():
        return name.upper()
    return _country_names().get(name) or _foreign_country_names().get(name)


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(_country_names().values())


@cache
def country_choices() -> list[tuple[str, str]]:
    """(ISO code, English name) of every country, sorted by name: the options of a country field."""
    pairs = (item.split(":", 1) for item in "".join(_ENGLISH_COUNTRY_NAMES).split("|"))
    return sorted(((code, name) for code, name in pairs), key=lambda pair: pair[1].casefold())


def country_code(value: str) -> str | None:
    """The ISO code for a code or an English country name ("DE", "Germany", "UK"), or None."""
    name = _country_key(value)
    if not name:
        return None
    if len(name) == 2 and name.upper() in _country_codes():
        return name.upper()
    return _country_names().get(name)
