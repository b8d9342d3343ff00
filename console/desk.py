"""The desk as the screens use it: loading, polling for others' work, presence, and every change — single
and bulk, with undo. Everything here blocks (file reads, the desk's lock, fsyncs), so none of it runs on the
screen's thread: screens ask through one worker helper (`console/screens/desk_worker.py`) and get typed
messages back. Nothing here imports Textual, and nothing outside this module calls the Store for the TUI."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TypeAlias

from console import i18n
from console.config import MailConfig
from console.first_page import FirstPage, read_page, write_page
from console.inbox_model import InboxModel
from console.playbooks import Playbooks
from console.response_clock import targets_for
from console.store import Change, Complaint, CustomerMessage, Note, Store, StoreError, StoreUnavailable
from console.store.deliveries import SendState
from console.store.drafts import DraftsSetAside
from console.store.presence import Presence, Viewer
from console.store.records import Draft, Reply, utc_now
from console.views import DEFAULT_SORT, DEFAULT_VIEW, sorted_rows, view_rows

LOAD_IN_BACKGROUND = 4
"""Above this many shards (1024 complaints) the desk loads in a worker, the screen showing progress; at
most this many are read before the first frame."""


# What is loaded


@dataclass(frozen=True)
class InboxLoad:
    model: InboxModel
    stamp: object
    """The desk's change stamp taken before reading: a change made while reading shows as a newer one."""


@dataclass(frozen=True)
class Opening:
    """What the inbox can show in its very first frame, read before the app's loop starts: a small desk
    whole, a big one's kept first page (or nothing: it loads in a worker)."""

    load: InboxLoad | None = None
    page: FirstPage | None = None
    error: StoreError | None = None


@dataclass(frozen=True)
class ComplaintLoad:
    complaint: Complaint
    notes: tuple[Note, ...]
    others: tuple[Viewer, ...]
    """Who else has the complaint open."""
    replies: tuple[Reply, ...] = ()
    """The answers to the customer, oldest first."""
    customer_messages: tuple[CustomerMessage, ...] = ()
    """The customer's later messages (mail answering ours), oldest first."""
    drafts: Mapping[str, Draft] = field(default_factory=lambda: MappingProxyType({}))
    """This agent's unsaved texts for the complaint, by kind ("reply", "note")."""
    drafts_problem: DraftsSetAside | None = None
    """The agent's drafts file could not be read and was set aside: say so once."""
    sending: Mapping[str, SendState] = field(default_factory=lambda: MappingProxyType({}))
    """Where the sending by mail of each reply tried stands, by reply id."""


@dataclass(frozen=True)
class DraftsLoad:
    drafts: Mapping[tuple[str, str], Draft]
    """This agent's drafts by (complaint id, kind)."""
    problem: DraftsSetAside | None = None


@dataclass(frozen=True)
class ComposeLoad:
    """What the reply or note editor opens with: the complaint, and the agent's draft if one is kept."""

    complaint: Complaint
    draft: Draft | None
    drafts_problem: DraftsSetAside | None = None


@dataclass(frozen=True)
class HistoryLoad:
    complaint_id: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class SendReport:
    """A complaint's replies sent by mail (or not): a line for each, or one problem for all."""

    complaint_id: str
    lines: tuple[str, ...] = ()
    failed: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class Poll:
    stamp: object
    ours: bool
    """The stamp is the one this program's own last change left: the screen already shows it."""
    viewing: str | None
    others: tuple[Viewer, ...]
    """Who else has `viewing` open."""


# Changes: what the agent asked for, as data, queued and applied in the order asked


@dataclass(frozen=True)
class SetField:
    complaint_id: str
    field: str
    value: str | None


@dataclass(frozen=True)
class CycleField:
    complaint_id: str
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class SetStep:
    complaint_id: str
    playbook: str
    step: str
    done: bool


@dataclass(frozen=True)
class AddNote:
    complaint_id: str
    text: str
    note_id: str
    """Made when the note is first sent (`new_note_id`): sent again after a failure, it is never stored twice."""


@dataclass(frozen=True)
class AddReply:
    complaint_id: str
    text: str
    language: str
    """The language the reply is written in: the customer's, unless the agent chose another."""
    reply_id: str
    """Made when the reply is first sent (`new_reply_id`): sent again after a failure, it is stored once."""


@dataclass(frozen=True)
class SaveDraft:
    """Keep what the agent has written and not saved (empty text: forget the draft)."""

    complaint_id: str
    kind: str
    """"reply" or "note"."""
    text: str
    language: str


@dataclass(frozen=True)
class SetMany:
    field: str
    values: Mapping[str, str | None]


@dataclass(frozen=True)
class UndoLast:
    """Put back what the last bulk change (`SetMany`) changed."""


Edit: TypeAlias = SetField | CycleField | SetStep | AddNote | AddReply | SaveDraft | SetMany | UndoLast


@dataclass(frozen=True)
class Outcome:
    edit: Edit
    complaint: Complaint | None = None
    """A change to one complaint: the complaint as stored now."""
    changed: int = 0
    """A bulk change or an undo: how many complaints had another value and were changed."""
    undid: SetMany | None = None
    """An undo: the bulk change it put back (None: there was nothing to undo)."""
    reply: Reply | None = None
    """A reply: as stored (an earlier try's, when this was a retry that had got through)."""
    warning: StoreError | None = None
    """Done, but something is worth saying (a damaged drafts file set aside while a draft was saved)."""


class DeskService:
    """One per app. Its methods block and are called from worker threads; the few that are called on the
    screen's thread (`submit`, `viewing`, `others_on`, `take_opening`) touch only memory."""

    def __init__(
        self,
        store: Store,
        playbooks: Playbooks,
        agent: str,
        now: Callable[[], datetime] = utc_now,
        targets: Mapping[str, timedelta] | None = None,
    ) -> None:
        self.store = store
        self.playbooks = playbooks
        self.agent = agent
        self.now = now
        """The one clock the desk and its screens read (tests set their own)."""
        self.targets = targets_for(targets)
        """First-response targets by priority (console/response_clock.py)."""
        self.presence = Presence(store.directory, agent, store.mode)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-writer")
        """Changes run one at a time, in the order they were asked for: two `s` on one complaint move it two
        steps, a bulk change and its undo never overtake each other."""
        self._undo: SetMany | None = None
        """What puts back the last bulk change; read and written on the writer thread only."""
        self._hints = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-presence")
        self._presence_lock = threading.Lock()
        self._left = False
        self._wanted: str | None = None
        """The complaint this agent has open, as the screens say it; written to `presence/` by the next job."""
        self._others: tuple[str | None, tuple[Viewer, ...]] = (None, ())
        self._opening: Opening | None = None
        self.known_stamp: object = None
        """The newest desk stamp this program has seen (a poll) or left (its own change)."""

    # Start-up

    def open_inbox(self) -> None:
        """Read what the first frame shows, before the app's loop runs (nothing waits for a key yet)."""
        stamp: object = None
        try:
            stamp = self._stamp()
            if len(self.store.layout.shard_numbers()) <= LOAD_IN_BACKGROUND:
                self._opening = Opening(load=self._inbox(stamp, lambda _done, _total: None))
            else:
                page = read_page(self.store.directory, self.agent, stamp, self.now(), self.targets)
                self._opening = Opening(page=page)
        except StoreError as error:
            self._opening = Opening(error=error)
        self.known_stamp = stamp if self._opening.error is None else None

    def take_opening(self) -> Opening | None:
        """The start-up's reading, once: later loads run in workers."""
        opening, self._opening = self._opening, None
        return opening

    # Loading (worker threads)

    def load_inbox(self, progress: Callable[[int, int], None], first: bool = False) -> InboxLoad:
        if first:
            i18n.warm_up()  # Babel's import and CLDR data, off the screen's thread, while the shards load
        return self._inbox(self._stamp(), progress)

    def _inbox(self, stamp: object, progress: Callable[[int, int], None]) -> InboxLoad:
        index = self.store.inbox(progress)
        return InboxLoad(InboxModel(index, self.playbooks, self.agent, self.now(), self.targets), stamp)

    def after_inbox_load(self, load: InboxLoad, first: bool) -> None:
        """Once the rows are shown: fold the search text while the agent reads them, and keep the first page
        for the next start."""
        model = load.model
        model.prepare_search()
        if first:
            # What is alive now (Textual, the screens, this load) lives as long as the app: out of the cycle
            # collector's sight, a full collection no longer walks it — a 20–50 ms pause, at 100k, that
            # otherwise lands in the middle of a keystroke now and then. Garbage first, so none is kept.
            gc.collect()
            gc.freeze()
        store = self.store
        try:
            if len(store.layout.shard_numbers()) <= LOAD_IN_BACKGROUND:
                return  # read whole before the first frame: no page needed
            unchanged = store.stamp() == load.stamp
        except StoreError:
            return  # a cache, not data: the next poll says what is wrong
        if unchanged and read_page(store.directory, model.agent, load.stamp, model.now, model.targets) is None:
            index = model.index
            rows = view_rows(DEFAULT_VIEW, index, model.agent, model.now, model.targets)
            order = sorted_rows(DEFAULT_SORT, rows, index, model.playbooks)
            write_page(
                store.directory,
                store.mode,
                store.folder_mode,
                model.agent,
                load.stamp,
                index,
                order,
                model.counts,
                model.now,
                model.targets,
            )

    def load_complaint(self, complaint_id: str) -> ComplaintLoad:
        """After the changes already asked for: a reply just saved shows without the draft it came from."""
        self.flush()
        complaint = self.store.complaint(complaint_id)
        notes = tuple(self.store.notes(complaint_id))
        replies = tuple(self.store.replies(complaint_id))
        sending = MappingProxyType(self.store.send_states(complaint_id))
        later = tuple(self.store.customer_messages(complaint_id))
        self._show_presence()
        drafts = self.load_drafts()
        mine = {kind: draft for (cid, kind), draft in drafts.drafts.items() if cid == complaint_id}
        others = self._others_now(complaint_id)
        return ComplaintLoad(
            complaint, notes, others, replies, later, MappingProxyType(mine), drafts.problem, sending=sending
        )  # fmt: skip

    def load_drafts(self) -> DraftsLoad:
        """This agent's drafts. A damaged drafts file is set aside (kept) and said once: drafts start afresh."""
        try:
            return DraftsLoad(MappingProxyType(self.store.drafts(self.agent)))
        except DraftsSetAside as problem:
            return DraftsLoad(MappingProxyType(self.store.drafts(self.agent)), problem)

    def load_compose(self, complaint_id: str, kind: str) -> ComposeLoad:
        """After the changes already asked for: a draft kept a moment ago is the one that opens."""
        self.flush()
        complaint = self.store.complaint(complaint_id)
        drafts = self.load_drafts()
        return ComposeLoad(complaint, drafts.drafts.get((complaint_id, kind)), drafts.problem)

    def flush(self) -> None:
        """Wait until every change asked for so far is stored or refused (a worker thread, or the end)."""
        self._writer.submit(lambda: None).result()

    def load_history(self, complaint_id: str) -> HistoryLoad:
        """After the changes already asked for: `s` then `h` shows the status change."""
        self.flush()
        return HistoryLoad(complaint_id, tuple(self.store.history(complaint_id)))

    def send_replies(
        self, complaint_id: str, mail: MailConfig, agent_name: str | None, only: frozenset[str] | None = None
    ) -> SendReport:
        """Send the complaint's unsent replies by mail (`only`: just these), after the changes already asked
        for (a reply just saved). Not on the writer's thread: a slow server holds up no other change."""
        from console.mail_out import UnsendableReply  # smtplib and email only when mail is sent
        from console.sending import send_unsent

        self.flush()
        try:
            outcomes = send_unsent(self.store, mail, complaint_id, self.agent, agent_name, self.now, only=only)
        except UnsendableReply as error:
            return SendReport(complaint_id, problem=str(error))
        finally:
            self._wrote()
        failed = sum(1 for outcome in outcomes if not outcome.sent)
        return SendReport(complaint_id, tuple(outcome.line for outcome in outcomes), failed)

    # Polling and presence

    def poll(self) -> Poll:
        """Every 1.5 s: tell others we are here (and where), and see whether anyone changed the desk."""
        self._show_presence()
        stamp = self._stamp()
        viewing = self._wanted
        others = self._others_now(viewing) if viewing is not None else ()
        self.known_stamp = stamp
        return Poll(stamp, stamp == self.store.last_written, viewing, others)

    def viewing(self, complaint_id: str | None) -> None:
        """Say which complaint this agent has open (None: none). Written on a thread of its own, in order;
        a presence file is a hint, and never waits for the desk's lock."""
        if self._left:
            return
        self._wanted = complaint_id
        self._hints.submit(self._show_presence)

    def others_on(self, complaint_id: str) -> tuple[Viewer, ...]:
        """Who else had `complaint_id` open at the last poll (memory only)."""
        viewing, others = self._others
        return others if viewing == complaint_id else ()

    def leave(self) -> None:
        """Quitting: others no longer see this agent anywhere. Changes already asked for still complete (the
        writer's thread is waited for when the program ends)."""
        self._left = True
        self._hints.shutdown(wait=False, cancel_futures=True)
        with self._presence_lock:
            self.presence.leave()

    def _show_presence(self) -> None:
        with self._presence_lock:  # the last wish wins, whichever thread writes it
            if self.presence.complaint_id != self._wanted:
                self.presence.viewing(self._wanted)
            else:
                self.presence.heartbeat()

    def _others_now(self, complaint_id: str) -> tuple[Viewer, ...]:
        others = tuple(self.presence.others_on(complaint_id))
        self._others = (complaint_id, others)
        return others

    def _stamp(self) -> object:
        try:
            return self.store.stamp()
        except OSError as error:  # a stat the store did not expect to fail: a stale handle, an I/O error
            raise StoreUnavailable(self.store.directory, error.strerror or str(error)) from None

    # Changes

    def submit(self, edit: Edit) -> Future[Outcome]:
        """Queue a change (called on the screen's thread: no file is touched here). Its outcome, or the
        StoreError that refused it, is in the future."""
        return self._writer.submit(self._apply, edit)

    def _apply(self, edit: Edit) -> Outcome:
        store, agent = self.store, self.agent
        outcome: Outcome
        match edit:
            case SetField(complaint_id, name, value):
                outcome = Outcome(edit, store.set_field(complaint_id, name, value, agent), 1)
            case CycleField(complaint_id, name, values):
                outcome = Outcome(edit, store.cycle_field(complaint_id, name, values, agent), 1)
            case SetStep(complaint_id, playbook, step, done):
                outcome = Outcome(edit, store.set_step(complaint_id, playbook, step, done, agent), 1)
            case AddNote(complaint_id, text, note_id):
                store.add_note(complaint_id, agent, text, note_id)
                outcome = Outcome(edit, changed=1)
            case AddReply(complaint_id, text, language, reply_id):
                reply = store.add_reply(complaint_id, text, language, agent, reply_id, at=self.now())
                outcome = Outcome(edit, store.complaint(complaint_id), changed=1, reply=reply)
            case SaveDraft(complaint_id, kind, text, language):
                try:
                    store.save_draft(complaint_id, kind, agent, text, language, at=self.now())
                    outcome = Outcome(edit)
                except DraftsSetAside as problem:  # saved in a new file; the damaged one kept aside
                    outcome = Outcome(edit, warning=problem)
            case SetMany(name, values):
                old = store.set_many(name, values, agent)
                self._undo = SetMany(name, old)  # what was applied, not what was asked: unchanged ones stay
                outcome = Outcome(edit, changed=len(old))
            case UndoLast():
                undo, self._undo = self._undo, None
                if undo is None:
                    outcome = Outcome(edit)
                else:
                    try:
                        changed = len(store.set_many(undo.field, undo.values, agent))
                    except StoreError:
                        self._undo = undo  # not undone: `u` can try again
                        raise
                    outcome = Outcome(edit, changed=changed, undid=undo)
        self._wrote()
        return outcome

    def _wrote(self) -> None:
        if self.store.last_written is not None:
            self.known_stamp = self.store.last_written
