"""The side panel's checklist: the playbook's steps with ticks, and the habits to avoid."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from console.i18n import N_
from console.keys import movement_bindings

COMPACT_BELOW = 8
"""Lines of checklist below which each step is one line (a 40×12 or 80×12 terminal)."""


@dataclass(frozen=True)
class StepView:
    """A step as shown: translated title and guidance, and who ticked it when (empty if not done)."""

    title: str
    guidance: str
    done_by: str


@dataclass(frozen=True)
class ChecklistView:
    summary: str
    steps: tuple[StepView, ...]
    level: str
    avoid_heading: str
    avoid: tuple[tuple[str, str], ...]


class Checklist(OptionList, inherit_bindings=False):
    """Steps as options: the highlighted step shows its guidance; space or enter ticks it."""

    BINDINGS = [*movement_bindings(), Binding("space,enter", "toggle_step", N_("Tick step"), show=True)]

    DEFAULT_CSS = """
    Checklist, Checklist:focus { height: 1fr; border: none; padding: 0; }
    """

    @dataclass
    class Toggled(Message):
        checklist: Checklist
        index: int

        @property
        def control(self) -> Checklist:
            return self.checklist

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: ChecklistView | None = None
        self._compact = False
        """Fewer than COMPACT_BELOW lines: a line a step, so the current one and its neighbours all show."""

    def show(self, view: ChecklistView) -> None:
        """Render `view`, keeping the highlighted step where it was; the first time, on the first step not
        done, where the agent goes on."""
        if self._view is None:
            keep = next((index for index, step in enumerate(view.steps) if not step.done_by), 0)
        else:
            keep = self.highlighted if self.highlighted is not None else 0
        self._view = view
        self.set_options(self._build_options(view, keep))
        if view.steps:
            self.highlighted = min(keep, len(view.steps) - 1)
            self._show_neighbours()

    def on_resize(self, event: events.Resize) -> None:
        compact = event.size.height < COMPACT_BELOW
        if compact != self._compact and self._view is not None:
            self._compact = compact
            keep = self.highlighted or 0
            self.set_options(self._build_options(self._view, keep))
            self.highlighted = keep
        self._compact = compact
        self.call_after_refresh(self._show_neighbours)

    def _show_neighbours(self) -> None:
        """Compact, every step above the highlighted one is a line and it is two: scroll so the step before
        it and the one after show too (Textual's own scrolling would leave the highlight at an edge)."""
        if self._compact and self.highlighted is not None and self._view is not None:
            if self.highlighted < len(self._view.steps):
                top = max(self.highlighted - 1, 0)
                region = Region(0, top, self.scrollable_content_region.width, min(4, self.size.height))
                self.scroll_to_region(region, animate=False, force=True, immediate=True, top=True)

    @staticmethod
    def _hanging(marker: Text, body: Text) -> Table:
        """`marker` in its own column so that wrapped lines of `body` stay indented under it."""
        grid = Table.grid()
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(marker, body)
        return grid

    def _step_prompt(self, number: int, step: StepView, expanded: bool) -> Table:
        marker = Text("›" if expanded else " ")  # the highlight stays visible without colour (NO_COLOR)
        marker.append("[x] " if step.done_by else "[ ] ", style="bold" if step.done_by else "")
        # Compact: each line cut short rather than wrapped, the guidance in one line, who ticked it left out.
        body = Text(no_wrap=True, overflow="ellipsis") if self._compact else Text()
        # Textual's option styles carry no reverse video: without colour, the highlighted title is reversed.
        title_style = ("bold reverse" if self.app.no_color else "bold") if expanded else ""
        body.append(f"{number}. {step.title}", style=title_style)
        if step.done_by and not self._compact:
            body.append(f"\n✓ {step.done_by}", style="dim")
        if expanded:
            body.append(f"\n{step.guidance}", style="italic")
        return self._hanging(marker, body)

    def _build_options(self, view: ChecklistView, highlighted: int) -> list[Option | None]:
        options: list[Option | None] = [
            Option(self._step_prompt(number, step, number - 1 == highlighted), id=f"step-{number}")
            for number, step in enumerate(view.steps, start=1)
        ]
        extra: list[Option | None] = []
        if view.level:
            extra.append(Option(Text(view.level, style="bold"), disabled=True))
        if view.summary:
            extra.append(Option(Text(view.summary, style="dim italic"), disabled=True))
        if view.avoid:
            extra.append(Option(Text(view.avoid_heading, style="bold"), disabled=True))
            for title, guidance in view.avoid:
                body = Text(title, style="bold")
                body.append(f"\n{guidance}", style="dim")
                extra.append(Option(self._hanging(Text("✗ "), body), disabled=True))
        return options + ([None] if extra else []) + extra

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if self._view is None or highlighted is None:
            return
        for index, step in enumerate(self._view.steps):
            self.replace_option_prompt_at_index(index, self._step_prompt(index + 1, step, index == highlighted))
        self._show_neighbours()

    def _on_last_step(self) -> bool:
        return self._view is not None and self.highlighted == len(self._view.steps) - 1

    def action_cursor_up(self) -> None:
        if self.scroll_y > 0 and self._on_last_step() and self.scroll_y >= self.max_scroll_y:
            self.scroll_to(y=0, animate=False)  # back from the notes below the steps
            self.scroll_to_highlight()
        elif self.highlighted:  # stop at the first step instead of wrapping round to the end
            super().action_cursor_up()

    def action_cursor_down(self) -> None:
        """Past the last step, scroll on through the level, summary and habits to avoid."""
        if self._on_last_step():
            self.scroll_end(animate=False)
        else:
            super().action_cursor_down()

    def action_last(self) -> None:
        super().action_last()
        if self._view is not None and self._view.steps:
            self.highlighted = len(self._view.steps) - 1
        self.scroll_end(animate=False)

    def action_toggle_step(self) -> None:
        if self._view is not None and self.highlighted is not None and self.highlighted < len(self._view.steps):
            self.post_message(self.Toggled(self, self.highlighted))
