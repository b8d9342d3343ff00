"""The inbox's two top lines: the title (how many shown, matched, tagged, the order) and the views line
(`1 Mine 3 │ 2 Unassigned 40 │ … │ [6 All 300]`), each fitted to the width without cutting what matters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from console.i18n import _, format_count, format_count_short, ngettext
from console.inbox_model import InboxModel
from console.views import VIEWS, sort_name


@dataclass(frozen=True)
class TitleFacts:
    """What the title says: counts of the rows shown, found and tagged, and how they are ordered."""

    view: str
    shown: int
    found: int
    searching: bool
    tagged: int
    hidden: int
    sort: str
    reverse: bool
    load_state: str

    @classmethod
    def of(
        cls, model: InboxModel | None, shown: int, tagged: int, hidden: int, arranged: tuple[str, str, bool, str]
    ) -> TitleFacts:
        """The facts of `shown` rows of `model` (None: of the first page, nothing found yet), `arranged` as
        (view, sort, reverse, load state)."""
        found = len(model.matches) if model is not None else 0
        searching = model is not None and any(search.searching for search in model.found.values())
        return cls(arranged[0], shown, found, searching, tagged, hidden, *arranged[1:])


def loading_title(load_state: str) -> Text:
    """The title while nothing at all is shown yet."""
    return Text(_("Inbox — {state}").format(state=load_state), no_wrap=True)


def _parts(facts: TitleFacts, count: Callable[[int], str], searching: bool = True) -> list[str]:
    said = [ngettext("{count} shown", "{count} shown", facts.shown).format(count=count(facts.shown))]
    if facts.found:
        said.append(ngettext("{count} match", "{count} matches", facts.found).format(count=count(facts.found)))
    if facts.searching and searching:
        said.append(_("searching…"))
    if facts.tagged:
        said_tagged = ngettext("{count} tagged", "{count} tagged", facts.tagged).format(count=count(facts.tagged))
        if facts.hidden:
            said_tagged += " " + ngettext("({count} hidden)", "({count} hidden)", facts.hidden).format(
                count=count(facts.hidden)
            )
        said.append(said_tagged)
    arrow = "↑" if facts.reverse else "↓"
    # The arrow first: where the title is cut short, it is the order's name that goes, not its direction.
    said.append(_("sorted by {order}").format(order=f"{arrow} {sort_name(facts.sort, facts.reverse)}"))
    if facts.load_state:
        said.append(facts.load_state)
    return said


def title_line(facts: TitleFacts, width: int) -> Text:
    """Whole where it fits; else without the view's name (the line below shows it), with short counts,
    without "Inbox", and last without "searching…" (the count of matches still grows): the order is never
    the part that is cut off."""
    view = next(view for view in VIEWS if view.key == facts.view)
    tries = [
        _("Inbox — {state}").format(state=" · ".join([_(view.title), *_parts(facts, format_count)])),
        _("Inbox — {state}").format(state=" · ".join(_parts(facts, format_count))),
        _("Inbox — {state}").format(state=" · ".join(_parts(facts, format_count_short))),
        " · ".join(_parts(facts, format_count_short)),
        " · ".join(_parts(facts, format_count_short, searching=False)),
    ]
    fitting = next((text for text in tries if cell_len(text) <= width), tries[-1])
    return Text(fitting, no_wrap=True, overflow="ellipsis")


def shortened(titles: list[str], cut: int | None, whole: int | None = None) -> list[str]:
    """Each title cut to `cut` letters and a dot (`None`: not cut; 0: left out, the view's number says
    which it is), all but the one at `whole`; where two would read the same (Mine and Mis… as "M."),
    both keep a letter more until they differ."""
    if cut is None:
        return list(titles)
    if cut == 0:
        return [title if number == whole else "" for number, title in enumerate(titles)]
    lengths = [len(title) if number == whole else cut for number, title in enumerate(titles)]

    def short(number: int) -> str:
        title = titles[number]
        return title if len(title) <= lengths[number] + 1 else title[: lengths[number]] + "."

    while True:
        seen: dict[str, list[int]] = {}
        for number in range(len(titles)):
            seen.setdefault(short(number).casefold(), []).append(number)
        clashing = [
            number
            for numbers in seen.values()
            if len(numbers) > 1
            for number in numbers
            if short(number) != titles[number]
        ]
        if not clashing:
            return [short(number) for number in range(len(titles))]
        for number in clashing:
            lengths[number] += 1


def views_line(counts: dict[str, int], view_key: str, width: int) -> Text:
    """`1 Mine 3 │ 2 Unassigned 40 │ … │ [6 All 300]`, the current view in brackets (seen without colour
    too). When it does not fit: tighter, counts in short form, then the other views' names cut shorter
    and shorter (never to the same letters), and last the current one's too."""

    def rounded(count: int) -> str:
        return format_count_short(count, fraction_digits=0)

    current = next(number for number, view in enumerate(VIEWS) if view.key == view_key)
    titles = [_(view.title) for view in VIEWS]
    tries: list[tuple[Callable[[int], str], str, int | None, int | None]] = [
        (format_count, " │ ", None, current),
        (format_count, "│", None, current),
        (format_count_short, "│", None, current),
        (rounded, "│", None, current),
        *((rounded, "│", cut, current) for cut in range(8, -1, -1)),
        *((rounded, "│", cut, None) for cut in range(4, -1, -1)),
    ]
    line = Text()
    for count, separator, cut, whole in tries:
        line = Text(no_wrap=True, overflow="ellipsis")
        for number, (view, title) in enumerate(zip(VIEWS, shortened(titles, cut, whole), strict=True)):
            if number:
                line.append(separator, style="dim")
            shown = " ".join(part for part in (str(number + 1), title, count(counts[view.key])) if part)
            if number == current:
                line.append(f"[{shown}]", style="bold reverse")
            else:
                line.append(shown)
        if line.cell_len <= width:
            break
    return line
