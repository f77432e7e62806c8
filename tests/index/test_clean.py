"""Boilerplate removal and header metadata on the seeds and on made-up pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.clean import clean_body, clean_text, is_boilerplate

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_000 = SEEDS / "000_30c6da09fd228377.txt"
SEED_003 = SEEDS / "003_83e67a9ff26feb65.txt"

# What must go from each seed: page furniture, plus (000) the header read into metadata.
REMOVED_000 = {
    "UNITED24 - Make a charitable donation in support of Ukraine!",
    "Weapons of Mass Destruction (WMD)",
    "Pakistan, US Discuss Afghan Drawdown, Regional Security",
    "By Ayaz Gul April 28, 2021",
    "Join the GlobalSecurity.org mailing list",
}
REMOVED_003 = {
    "Strong Pak-US Ties Imperative For Peace, Stability In Region: FM Qureshi"
    "#ARYNewshttps://t.co/FmuRbj67KI",
    "— ARY NEWS (@ARYNEWSOFFICIAL) August 26, 2020",
    "Read more: Imagining Pakistan and US as development partners",
    "Read more: General Bajwa pledges to save Afghanistan from another civil war",
}
WITHDRAWAL = (
    "The withdrawal, which starts Saturday and is to end by September 11, "
    "is intended to conclude America's longest war."
)
LONG_DONATION = (
    "The foundation said the donation, its largest ever, would pay for new classrooms "
    "in three districts and for teacher training over the next five years."
)
LONG_NEWSLETTER = (
    "Researchers who studied the newsletter archive found that circulation fell by half "
    "between 2010 and 2020 as readers moved to social media feeds."
)


def raw_lines(path: Path) -> list[str]:
    return [line.rstrip() for line in path.read_text(encoding="utf-8").split("\n")]


@pytest.mark.parametrize(("path", "removed"), [(SEED_000, REMOVED_000), (SEED_003, REMOVED_003)])
def test_seed_boilerplate_is_removed(path: Path, removed: set[str]) -> None:
    text = clean_text(path.read_text(encoding="utf-8")).text
    assert set(raw_lines(path)) >= removed  # the fixture lists real lines of the seed
    kept_lines = set(text.split("\n"))
    for line in removed:
        assert line not in kept_lines


def test_seed_003_has_no_link_or_tweet_left() -> None:
    text = clean_text(SEED_003.read_text(encoding="utf-8")).text
    assert "Read more:" not in text
    assert "t.co/" not in text
    assert "@ARYNEWSOFFICIAL" not in text


def test_seed_000_footer_and_banner_are_gone() -> None:
    text = clean_text(SEED_000.read_text(encoding="utf-8")).text
    assert "mailing list" not in text
    assert "UNITED24" not in text
    assert text.endswith(
        "They pressed the two warring parties to restart their stalled talks but were unsuccessful."
    )


@pytest.mark.parametrize(("path", "removed"), [(SEED_000, REMOVED_000), (SEED_003, REMOVED_003)])
def test_seed_body_lines_survive_verbatim(path: Path, removed: set[str]) -> None:
    raw = path.read_text(encoding="utf-8")
    text = clean_text(raw).text
    body = [line for line in raw_lines(path) if line and line not in removed]
    assert [line for line in text.split("\n") if line] == body
    for line in text.split("\n"):
        assert line in raw


def test_seed_000_metadata() -> None:
    cleaned = clean_text(SEED_000.read_text(encoding="utf-8"))
    assert cleaned.title == "Pakistan, US Discuss Afghan Drawdown, Regional Security"
    assert cleaned.byline == "Ayaz Gul"
    assert cleaned.published == "2021-04-28"
    assert cleaned.outlet == "GlobalSecurity.org"


def test_seed_000_keeps_paragraphs_and_subheadings() -> None:
    text = clean_text(SEED_000.read_text(encoding="utf-8")).text
    assert WITHDRAWAL in text
    assert "\n\nKey role in talks\n\n" in text
    assert text.startswith("U.S. Defense Secretary Lloyd Austin spoke Wednesday")
    assert "\n\n\n" not in text


def test_seed_003_has_no_header_and_keeps_single_newlines() -> None:
    cleaned = clean_text(SEED_003.read_text(encoding="utf-8"))
    assert cleaned.title is None
    assert cleaned.byline is None
    assert cleaned.published is None
    assert cleaned.outlet is None
    assert "areas of bilateral defense relationship comprehensively.\nCumulatively," in cleaned.text
    assert "\n\n" not in cleaned.text


def test_long_prose_mentioning_donation_or_newsletter_survives() -> None:
    raw = f"{LONG_DONATION}\n\nDonate now!\n\n{LONG_NEWSLETTER}\n\nSign up for our newsletter"
    text = clean_body(raw).text
    assert text == f"{LONG_DONATION}\n\n{LONG_NEWSLETTER}"


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe to our daily briefing",
        "Read More",
        "READ MORE: Artemis I by the numbers",
        "Related: Where the president goes next",
        "See also: the full list of winners",
        "Also read: How the deal was made",
        "Advertisement",
        "Story continues below advertisement",
        "© 2021 Example Media. All rights reserved.",
        "We use cookies to improve your experience",
        "Follow us on Twitter and Facebook",
        "A truly joyous day pic.twitter.com/GF1Q9LLSAb",
        "— Jane Roe (@janeroe) March 3, 2022",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        LONG_DONATION,
        "Netflix lost subscribers this year for the first time since 2011",
        "Huge anonymous donation has ties to Chicago executive",
        "“I’m a scared cookie,” Greenebaum said.",
        "Related coverage of the summit was limited.",
        "Key role in talks",
        "",
    ],
)
def test_news_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


def test_footer_glued_to_the_last_sentence_is_cut() -> None:
    raw = (
        "Title Of Story\n\n"
        "The council voted to close the bridge until June. Join the Example.org mailing list"
    )
    cleaned = clean_text(raw)
    assert cleaned.text == "The council voted to close the bridge until June."
    assert cleaned.outlet == "Example.org"
    assert cleaned.title == "Title Of Story"


def test_byline_with_separator_and_date_line() -> None:
    raw = (
        "World News\nFloods Close Schools\nBy Jane Doe | Reuters\nUpdated: March 3, 2022 10:15 AM\n"
        "Heavy rain closed more than two hundred schools across the region on Thursday.\n"
    )
    cleaned = clean_text(raw)
    assert cleaned.title == "Floods Close Schools"
    assert cleaned.byline == "Jane Doe"
    assert cleaned.published == "2022-03-03"
    assert (
        cleaned.text
        == "Heavy rain closed more than two hundred schools across the region on Thursday."
    )


def test_without_byline_the_last_header_line_is_the_title() -> None:
    raw = (
        "Politics\n\nSenate Passes Budget\n\n"
        "The Senate passed the budget late on Tuesday by a vote of 51 to 49.\n"
    )
    cleaned = clean_text(raw)
    assert cleaned.title == "Senate Passes Budget"
    assert cleaned.byline is None
    assert cleaned.text.startswith("The Senate passed")


def test_clean_body_keeps_the_header_lines() -> None:
    cleaned = clean_body(SEED_000.read_text(encoding="utf-8"))
    assert cleaned.title is None
    assert cleaned.text.startswith("Weapons of Mass Destruction (WMD)\n\nPakistan, US Discuss")
    assert cleaned.outlet == "GlobalSecurity.org"


def test_crlf_and_trailing_spaces_are_dropped_but_inner_spaces_kept() -> None:
    raw = "First  paragraph has  double spaces inside it.   \r\n\r\n\r\n  Second one.\r\n"
    assert clean_body(raw).text == "First  paragraph has  double spaces inside it.\n\n  Second one."
