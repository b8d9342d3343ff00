"""The inbox: a Line API list that renders only the rows on screen, with a header that stays put."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.i18n import N_
from console.keys import TranslatedBindings, movement_bindings


@dataclass(frozen=True)
class InboxRow:
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


@dataclass(frozen=True)
class Column:
    field: str
    title: str
    width: int


def _fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells, with an ellipsis where it was cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, max(width - 1, 0)) + "…"


def layout_columns(width: int, titles: dict[str, str], rows: Sequence[InboxRow]) -> list[Column]:
    """Column widths for a terminal `width` wide. Each column is as wide as its values; below 100 columns a
    title longer than its cap is shortened with an ellipsis. The subject takes what is left; below 70
    columns the least needed columns are dropped so the subject stays readable. Wide terminals also get the
    id (from 100 columns) and the assignee (from 110)."""
    roomy = width >= 96  # a 100-column terminal, less the scroll bar

    def sized(field: str, cap: int, least: int = 1) -> Column:
        values = max((cell_len(getattr(row, field)) for row in rows[:500]), default=least)
        title = cell_len(titles[field])
        return Column(field, titles[field], max(values, least, title if roomy else min(title, cap)))

    fixed = [
        *([sized("shown_id", 10)] if roomy else []),
        sized("age", 7),
        Column("customer", titles["customer"], 18 if width >= 100 else 13),
        sized("channel", 5),
        sized("language", 4, least=2),
        sized("status", 10),
        sized("priority", 9),
        sized("progress", 5),
    ]
    if width >= 108:  # room to spare: who has it
        fixed.append(Column("assignee", titles["assignee"], min(sized("assignee", 14).width, 14)))
    droppable = ["channel", "language", "priority", "age"]
    while True:
        used = sum(column.width + 1 for column in fixed) + 2
        if width >= 70 or width - used >= 16 or not droppable:
            break
        drop = droppable.pop(0)
        fixed = [column for column in fixed if column.field != drop]
    subject = Column("subject", titles["subject"], max(width - used, 8))
    split = next(index for index, column in enumerate(fixed) if column.field == "customer") + 1
    return [*fixed[:split], subject, *fixed[split:]]


class InboxList(TranslatedBindings, ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of complaints with a cursor; posts `Selected` when a row is opened."""

    BINDINGS = [*movement_bindings(), Binding("enter", "select", N_("Open"), show=False)]

    COMPONENT_CLASSES = {
        "inbox-list--header",
        "inbox-list--cursor",
        "inbox-list--urgent",
        "inbox-list--high",
        "inbox-list--resolved",
    }

    DEFAULT_CSS = """
    InboxList { height: 1fr; scrollbar-size-vertical: 1; }
    InboxList > .inbox-list--header { text-style: bold underline; }
    InboxList > .inbox-list--cursor { background: $block-cursor-blurred-background; text-style: bold; }
    InboxList:focus > .inbox-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    InboxList > .inbox-list--urgent { color: $error; text-style: bold; }
    InboxList > .inbox-list--high { color: $warning; }
    InboxList > .inbox-list--resolved { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0)

    @dataclass
    class Selected(Message):
        inbox: InboxList
        complaint_id: str

        @property
        def control(self) -> InboxList:
            return self.inbox

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[InboxRow] = []
        self._titles: dict[str, str] = {}
        self._columns: list[Column] = []
        self.empty_text = ""

    # Values down

    def show(self, rows: list[InboxRow], titles: dict[str, str], keep_id: str | None = None) -> None:
        """Replace the rows (and translated column titles), keeping the cursor on `keep_id` if present,
        else on the same row number."""
        self._rows = rows
        self._titles = titles
        self._columns = []
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        index = next((i for i, row in enumerate(rows) if row.id == keep_id), None)
        self.cursor = min(index if index is not None else self.cursor, max(len(rows) - 1, 0))
        self._scroll_to_cursor()
        self.refresh()

    @property
    def rows(self) -> list[InboxRow]:
        return self._rows

    @property
    def current_id(self) -> str | None:
        return self._rows[self.cursor].id if self._rows else None

    # Rendering

    def on_resize(self, event: events.Resize) -> None:
        self._columns = []
        self.virtual_size = Size(event.size.width, len(self._rows) + 1)
        self._scroll_to_cursor()

    def _layout(self) -> list[Column]:
        if not self._columns and self._titles:
            self._columns = layout_columns(self.scrollable_content_region.width, self._titles, self._rows)
        return self._columns

    def _line(self, values: dict[str, str], marker: str, style: Style) -> Strip:
        cells = [marker] + [_fit(values[column.field], column.width) for column in self._layout()]
        text = " ".join(cells)
        width = self.scrollable_content_region.width
        return Strip([Segment(_fit(text, width), style)], width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("inbox-list--header")
            return self._line(self._titles, " ", base + header) if self._titles else Strip.blank(width, base)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self._rows):
            if index == 0 and self.empty_text:
                return Strip([Segment(_fit("  " + self.empty_text, width), base)], width)
            return Strip.blank(width, base)
        row = self._rows[index]
        style = base
        if row.status_key == "resolved":
            style += self.get_component_rich_style("inbox-list--resolved")
        elif row.priority_key in ("urgent", "high"):
            style += self.get_component_rich_style(f"inbox-list--{row.priority_key}")
        marker = " "
        if index == self.cursor:
            style += self.get_component_rich_style("inbox-list--cursor")
            marker = "›"
        return self._line(row.__dict__, marker, style)

    # Moving

    def _scroll_to_cursor(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def watch_cursor(self) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def _move_to(self, index: int) -> None:
        if self._rows:
            self.cursor = max(0, min(index, len(self._rows) - 1))

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self._rows) - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor + max(self.scrollable_content_region.height - 2, 1))

    def action_page_up(self) -> None:
        self._move_to(self.cursor - max(self.scrollable_content_region.height - 2, 1))

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self._rows[self.cursor].id))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self._rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_select()
