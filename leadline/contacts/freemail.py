"""Webmail and consumer domains: a contact on one of these does not join a company by domain."""

FREE_MAIL_DOMAINS = frozenset(
    """
    aol.com att.net bellsouth.net btinternet.com cantv.net comcast.net cox.net earthlink.net
    fastmail.com fastmail.fm free.fr freenet.de gmail.com gmx.at gmx.ch gmx.com gmx.de gmx.net
    googlemail.com hey.com hotmail.co.uk hotmail.com hotmail.de hotmail.es hotmail.fr hotmail.it
    hushmail.com icloud.com inbox.com juno.com laposte.net libero.it live.ca live.co.uk live.com
    live.com.au live.de live.fr live.it live.nl mac.com mail.com mail.ru me.com msn.com
    naver.com neuf.fr o2.pl onet.pl optonline.net orange.fr outlook.com outlook.de outlook.es
    outlook.fr pm.me proton.me protonmail.ch protonmail.com qq.com rambler.ru rediffmail.com
    rocketmail.com sbcglobal.net seznam.cz sfr.fr shaw.ca sky.com skynet.be t-online.de
    telenet.be tiscali.co.uk tiscali.it tutanota.com tutanota.de uol.com.br verizon.net virgilio.it
    web.de wanadoo.fr windstream.net wp.pl yahoo.ca yahoo.co.in yahoo.co.jp yahoo.co.uk yahoo.com
    yahoo.com.au yahoo.com.br yahoo.de yahoo.es yahoo.fr yahoo.it yandex.com yandex.ru ymail.com
    zoho.com zohomail.com 163.com 126.com sina.com yeah.net
    """.split()  # noqa: SIM905 - a word list reads better than 120 quoted strings
)


def is_free_mail(domain: str) -> bool:
    return domain.lower().strip(".") in FREE_MAIL_DOMAINS


def email_domain(email: str | None) -> str:
    """The lower-cased domain of an address ("" when there is none)."""
    if not email or "@" not in email:
        return ""
    return email.rsplit("@", 1)[1].strip(".").lower()[:253]


def work_domain(email: str | None) -> str:
    """The domain of a work address: "" for free mail, where the domain says nothing of a company."""
    domain = email_domain(email)
    return "" if not domain or is_free_mail(domain) else domain
