"""Which organisation an e-mail domain stands for, and which domains hide it.

Affiliation is usually guessed from the author's e-mail domain. refcore guesses only for
well-known company domains (:data:`DEFAULT_ORGANISATIONS`, editable by the Foundation) and
shows everything else *as such*: free-mail domains (``gmail.com`` and similar, where the
affiliation is hidden) and unmapped domains (personal or unknown) keep their own row with
their share, so the hidden part is visible instead of guessed away. What people declare
(a team's contributor ids, see the stakeholder services) wins over the domain.

A mapping entry matches the domain itself and every sub-domain: ``ibm.com`` covers
``us.ibm.com`` and ``linux.vnet.ibm.com``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_FREE_MAIL",
    "DEFAULT_ORGANISATIONS",
    "Affiliation",
    "classify",
    "normalise_domain",
]

#: shipped defaults: well-known company domains of OpenStack contributors -> organisation
DEFAULT_ORGANISATIONS: Mapping[str, str] = {
    "rackspace.com": "Rackspace",
    "racklabs.com": "Rackspace",
    "redhat.com": "Red Hat",
    "ibm.com": "IBM",
    "swiftstack.com": "SwiftStack",
    "intel.com": "Intel",
    "hp.com": "HP",
    "hpe.com": "Hewlett Packard Enterprise",
    "mirantis.com": "Mirantis",
    "lab.ntt.co.jp": "NTT",
    "oss.nttdata.com": "NTT DATA",
    "huawei.com": "Huawei",
    "openstack.org": "OpenStack Foundation",
    "suse.de": "SUSE",
    "suse.com": "SUSE",
    "suse.cz": "SUSE",
    "enovance.com": "eNovance",
    "nvidia.com": "NVIDIA",
    "cern.ch": "CERN",
    "metacloud.com": "Metacloud",
    "fujitsu.com": "Fujitsu",
    "vmware.com": "VMware",
    "easystack.cn": "EasyStack",
    "inspur.com": "Inspur",
    "99cloud.net": "99Cloud",
    "zte.com.cn": "ZTE",
    "seznam.cz": "Seznam.cz",
    "ovh.com": "OVHcloud",
    "ovh.net": "OVHcloud",
    "ovhcloud.com": "OVHcloud",
    "canonical.com": "Canonical",
    "att.com": "AT&T",
    "sap.com": "SAP",
    "awcloud.com": "AWCloud",
    "unitedstack.com": "UnitedStack",
    "hcl.com": "HCL",
    "nectechnologies.in": "NEC",
    "nec.com": "NEC",
    "fiberhome.com": "FiberHome",
    "dreamhost.com": "DreamHost",
    "b1-systems.de": "B1 Systems",
    "cisco.com": "Cisco",
    "oracle.com": "Oracle",
    "ebay.com": "eBay",
    "yahoo-inc.com": "Yahoo",
    "nebula.com": "Nebula",
    "gohighsec.com": "HighSec",
    "osuosl.org": "Oregon State University OSL",
    "bu.edu": "Boston University",
    "lsd.ufcg.edu.br": "UFCG (LSD)",
    "ifca.unican.es": "IFCA",
    "inf.u-szeged.hu": "University of Szeged",
    # the proposal bot and other infrastructure accounts commit from the lists' domain
    "lists.openstack.org": "OpenStack infrastructure (bots)",
}

#: shipped defaults: free-mail domains, where the e-mail says nothing of the employer
DEFAULT_FREE_MAIL: frozenset[str] = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.jp", "yahoo.co.uk", "yahoo.fr",
        "hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com",
        "aol.com", "icloud.com", "me.com", "mac.com", "163.com", "126.com", "yeah.net",
        "qq.com", "foxmail.com", "sina.com", "sina.cn", "sohu.com", "139.com", "aliyun.com",
        "protonmail.com", "proton.me", "pm.me", "mailbox.org", "posteo.de", "fastmail.com",
        "fastmail.fm", "gmx.de", "gmx.com", "gmx.net", "web.de", "yandex.ru", "yandex.com",
        "mail.ru", "naver.com", "hanmail.net", "rediffmail.com", "zoho.com", "tutanota.com",
        "users.noreply.github.com", "riseup.net", "free.fr", "laposte.net", "orange.fr",
    }
)  # fmt: skip


def normalise_domain(domain: str) -> str:
    """Lower-case, no surrounding blanks or dots, no leading ``@``."""
    return domain.strip().lstrip("@").strip(".").lower()


@dataclass(frozen=True, slots=True)
class Affiliation:
    """Domain -> organisation and the free-mail set (defaults, or the Foundation's edits)."""

    organisations: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ORGANISATIONS))
    free_mail: frozenset[str] = DEFAULT_FREE_MAIL

    def organisation(self, domain: str) -> str | None:
        """The organisation of a domain or of its nearest mapped parent domain."""
        parts = normalise_domain(domain).split(".")
        for i in range(len(parts) - 1):
            org = self.organisations.get(".".join(parts[i:]))
            if org is not None:
                return org
        return None


def classify(domain: str, affiliation: Affiliation) -> tuple[str, str]:
    """``(row name, kind)`` for a domain: ``(org, "organisation")``, ``(domain, "free-mail")``
    or ``(domain, "unmapped")``. Free mail is checked first: it never names an employer."""
    d = normalise_domain(domain)
    if d in affiliation.free_mail:
        return d, "free-mail"
    org = affiliation.organisation(d)
    if org is not None:
        return org, "organisation"
    return d, "unmapped"
