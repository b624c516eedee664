"""Which Tempest plugin a guideline needs, from its real test names."""

from __future__ import annotations

from refcore.runner.plugins import PLUGINS, plugins_for


def test_add_ons_need_their_plugins_and_core_programs_none(guidelines):
    by_package = {p.package: p for p in PLUGINS}
    assert plugins_for(guidelines["dns.2020.06"], "dns") == [by_package["designate_tempest_plugin"]]
    heat = plugins_for(guidelines["orchestration.2020.06"], "orchestration")
    assert heat == [by_package["heat_tempest_plugin"]]
    assert heat[0].requirement == "heat-tempest-plugin==3.0.0"
    for target in ("platform", "compute", "object"):
        assert plugins_for(guidelines["2020.06"], target) == []
    # every add-on guideline shipped names a plugin refcore knows
    for gid, g in guidelines.items():
        if gid.startswith(("dns.", "orchestration.")):
            for target in g.targets:
                assert plugins_for(g, target, None), gid
