"""A pathway printed: clean A4 without the screen-only parts, with link addresses written out."""

from __future__ import annotations


def test_a_printed_pathway_drops_the_exit_and_forms_and_shows_where_links_go(page, live_server):
    page.goto(f"{live_server}/en/pathways/high-risk?area=melton")
    assert page.locator("#quick-exit").is_visible()
    page.emulate_media(media="print")
    for hidden in ("#quick-exit", ".site-nav", ".danger-banner", "form.area-choice"):
        assert not page.locator(hidden).first.is_visible(), hidden
    printed_from = page.locator(".print-only")
    assert printed_from.is_visible()
    assert "/en/pathways/high-risk?area=melton" in printed_from.inner_text()
    link = page.locator(".cards .card-title a").first
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert link.get_attribute("href") in after

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
