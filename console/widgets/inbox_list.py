"""The inbox: a Line API list that renders only the rows on screen, with a header that stays put."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.i18n import N_
from console.keys import movement_bindings


class InboxRow(NamedTuple):
    """One complaint as the inbox shows it: every value already cleaned and translated (`id` is the key,
    `shown_id` its printable form)."""

    id: str
    shown_id: str
    age: str
    customer: str
    subject: str
    channel: str
    language: str
    status: str
    status_key: str
    priority: str
    priority_key: str
    progress: str
    assignee: str = ""
    due: str = ""
    """The first-response clock: time left, or "!" and how long overdue; empty when it does not run."""
    late: bool = False
    """Overdue for its first reply: the clock's cell is drawn in the error colour (its "!" says it without)."""


class Column(NamedTuple):
    field: str
    title: str
    width: int


def _fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells, with an ellipsis where it was cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, max(width - 1, 0)) + "…"


def layout_columns(
    width: int, titles: dict[str, str], rows: Sequence[InboxRow], widest: Mapping[str, int] | None = None
) -> list[Column]:
    """Column widths for a terminal `width` wide. Each column is as wide as its values (those of `rows`,
    and at least `widest` for a field whose every value is known, so it does not change while scrolling);
    below 100 columns a title longer than its cap is shortened with an ellipsis. The subject takes what is
    left: below 90 columns without the channel and the age (the first-response clock beside it says what to
    act on; the complaint's screen gives its age), below 70 without the least needed columns too, so it stays
    readable. Wide terminals also get the id (from 100 columns) and the assignee (from 110)."""
    roomy = width >= 96  # a 100-column terminal, less the scroll bar

    def sized(field: str, cap: int, least: int = 1) -> Column:
        values = max((cell_len(getattr(row, field)) for row in rows[:500]), default=least)
        values = max(values, (widest or {}).get(field, 0))
        title = cell_len(titles[field])
        return Column(field, titles[field], max(values, least, title if roomy else min(title, cap)))

    fixed = [
        *([sized("shown_id", 10)] if roomy else []),
        sized("age", 7),
        sized("due", 7),
        Column("customer", titles["customer"], 18 if width >= 100 else 13),
        sized("channel", 5),
        sized("language", 5, least=2),  # "Kieli", "Jezik": no native reader would shorten them
        sized("status", 10),
        sized("priority", 9),
        sized("progress", 6),  # "Sammud", "Koraci"
    ]
    if width >= 108:  # room to spare: who has it
        fixed.append(Column("assignee", titles["assignee"], min(sized("assignee", 14).width, 14)))
    if width < 90:  # the channel matters least in triage, and the clock tells more than the age: an
        fixed = [column for column in fixed if column.field not in ("channel", "age")]  # 80-column subject
    droppable = ["language", "priority", "due"]
    while True:
        used = sum(column.width + 1 for column in fixed) + 3  # the two marks (cursor, tag) and a space
        if width >= 70 or width - used >= 16 or not droppable:
            break
        drop = droppable.pop(0)
        fixed = [column for column in fixed if column.field != drop]
    subject = Column("subject", titles["subject"], max(width - used, 8))
    split = next(index for index, column in enumerate(fixed) if column.field == "customer") + 1
    return [*fixed[:split], subject, *fixed[split:]]


class InboxList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of complaints with a cursor; posts `Selected` when a row is opened."""

    BINDINGS = [*movement_bindings(), Binding("enter", "select", N_("Open complaint"), show=False)]

    COMPONENT_CLASSES = {
        "inbox-list--header",
        "inbox-list--cursor",
        "inbox-list--urgent",
        "inbox-list--high",
        "inbox-list--resolved",
        "inbox-list--match",
        "inbox-list--late",
    }

    DEFAULT_CSS = """
    InboxList { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    InboxList > .inbox-list--header { text-style: bold underline; }
    InboxList > .inbox-list--cursor { background: $block-cursor-blurred-background; text-style: bold; }
    InboxList:focus > .inbox-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    InboxList:nocolor > .inbox-list--cursor { text-style: bold reverse; }
    InboxList > .inbox-list--urgent { color: $error; text-style: bold; }
    InboxList > .inbox-list--high { color: $warning; }
    InboxList > .inbox-list--resolved { color: $text-muted; }
    InboxList > .inbox-list--match { text-style: bold underline; }
    InboxList > .inbox-list--late { color: $error; text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, repaint=False)  # watch_cursor repaints just the two rows

    class Selected(Message):
        def __init__(self, inbox: InboxList, complaint_id: str) -> None:
            super().__init__()
            self.inbox = inbox
            self.complaint_id = complaint_id

        @property
        def control(self) -> InboxList:
            return self.inbox

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._count = 0
        self._row_at: Callable[[int], InboxRow] = _no_rows
        self._mark_at: Callable[[int], str] = lambda _position: " "
        self._titles: dict[str, str] = {}
        self._columns: list[Column] = []
        self.empty_text = ""
        self.widest: dict[str, int] = {}
        """The widest value of a field whose every value is known (status, priority, channel)."""

    # Values down

    def show(
        self,
        count: int,
        row_at: Callable[[int], InboxRow],
        titles: dict[str, str],
        position: int | None = None,
        mark_at: Callable[[int], str] | None = None,
    ) -> None:
        """Show `count` rows, each asked of `row_at` only when it is on screen (and `mark_at` for its tag
        mark); the cursor goes to `position`, else stays on the same row number."""
        self._count = count
        self._row_at = row_at
        self._mark_at = mark_at or (lambda _position: " ")
        self._titles = titles
        self._columns = []
        self.virtual_size = Size(self.size.width, count + 1)
        cursor = min(position if position is not None else self.cursor, max(count - 1, 0))
        if cursor == self.cursor:
            self._scroll_to_cursor()
        self.cursor = cursor
        self.refresh()

    def refresh_rows(self) -> None:
        """Render the visible rows again (their marks or values changed, not their number)."""
        self.refresh()

    @property
    def count(self) -> int:
        return self._count

    def row(self, position: int) -> InboxRow:
        return self._row_at(position)

    @property
    def current_id(self) -> str | None:
        return (self._row_at(self.cursor).id or None) if self._count else None  # "": a row still loading

    # Rendering

    def on_resize(self, event: events.Resize) -> None:
        self._columns = []
        self.virtual_size = Size(event.size.width, self._count + 1)
        self._scroll_to_cursor()

    def _layout(self) -> list[Column]:
        if not self._columns and self._titles:
            top = int(self.scroll_offset.y)
            sample = [self._row_at(p) for p in range(top, min(self._count, top + max(self.size.height, 1) + 100))]
            self._columns = layout_columns(self.scrollable_content_region.width, self._titles, sample, self.widest)
        return self._columns

    def _line(self, values: dict[str, str], marker: str, style: Style, late: Style | None = None) -> Strip:
        """One row; `late`: the style of the first-response clock's cell (an overdue row)."""
        columns = self._layout()
        cells = [marker] + [_fit(values[column.field], column.width) for column in columns]
        width = self.scrollable_content_region.width
        line = Strip([Segment(_fit(" ".join(cells), width), style)], width)
        due = next((number for number, column in enumerate(columns, 1) if column.field == "due"), None)
        if late is None or due is None:
            return line
        start = cell_len(" ".join(cells[:due])) + 1
        before, cell, after = line.divide([start, start + columns[due - 1].width, width])
        marked = Strip(Segment.apply_style(cell, post_style=late), cell.cell_length)  # over the row's colour
        return Strip.join([before, marked, after])

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("inbox-list--header")
            return self._line(self._titles, "  ", base + header) if self._titles else Strip.blank(width, base)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self._count:
            if index == 0 and self.empty_text:
                return Strip([Segment(_fit("  " + self.empty_text, width), base)], width)
            return Strip.blank(width, base)
        row = self._row_at(index)
        style = base
        if row.status_key == "resolved":
            style += self.get_component_rich_style("inbox-list--resolved")
        elif row.priority_key in ("urgent", "high"):
            style += self.get_component_rich_style(f"inbox-list--{row.priority_key}")
        mark = self._mark_at(index)
        if mark == "+":
            style += self.get_component_rich_style("inbox-list--match")
        cursor = " "
        if index == self.cursor:
            style += self.get_component_rich_style("inbox-list--cursor")
            cursor = "›"
        late = self.get_component_rich_style("inbox-list--late") if row.late else None
        return self._line(row._asdict(), cursor + mark, style, late)

    # Moving

    def _scroll_to_cursor(self) -> None:
        """Bring the cursor into view. A step off the edge (j on the last row) scrolls half a screen, as
        vim's `scrolljump` does: a terminal repaints every row when the list scrolls (about 3 KB at 80×24),
        so over SSH scrolling once every half screen sends far less than scrolling at every step."""
        visible = max(self.scrollable_content_region.height - 1, 1)
        jump = max(visible // 2, 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=max(top - max(top - self.cursor, jump), 0), animate=False)
        elif self.cursor >= top + visible:
            lowest = max(self._count - visible, 0)
            step = max(self.cursor - (top + visible) + 1, jump)
            self.scroll_to(y=min(top + step, lowest), animate=False)

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        self._scroll_to_cursor()
        if int(self.scroll_offset.y) == top:
            # Only the two rows change: repaint just them, so a j over SSH sends two lines, not a screen
            # (and not the scroll bar beside them, which has not moved: a sixth of what a j sends).
            width = self.scrollable_content_region.width
            for position in (old, new):
                self.refresh(Region(0, position + 1 - top, width, 1))
        else:
            self.refresh()

    def _move_to(self, index: int) -> None:
        if self._count:
            self.cursor = max(0, min(index, self._count - 1))

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self._count - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor + max(self.scrollable_content_region.height - 2, 1))

    def action_page_up(self) -> None:
        self._move_to(self.cursor - max(self.scrollable_content_region.height - 2, 1))

    def action_select(self) -> None:
        if self._count:
            self.post_message(self.Selected(self, self._row_at(self.cursor).id))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= index < self._count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()


def _no_rows(position: int) -> InboxRow:
    raise IndexError(position)
