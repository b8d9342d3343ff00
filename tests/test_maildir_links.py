"""A Maildir whose cur/, new/ or tmp/ is a link is refused, by `import` and `import --watch`, and a link put in
place of a folder after the Maildir was opened is never followed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from console.mail_reader import NotMail, raw_messages, read_maildir_file
from console.mail_watch import MaildirWatch
from console.store import Store
from tests.conftest import run_cli
from tests.mail_samples import mail, write_maildir


def elsewhere(tmp_path: Path) -> Path:
    """Another user's mail, where a neighbour could point a Maildir's folder."""
    return write_maildir(tmp_path / "private", [mail("The owner's private mail.", message_id="<private@x>")])


def linked(tmp_path: Path, folder: str) -> Path:
    box = write_maildir(tmp_path / "Maildir", [mail("A question.", message_id="<q@x>")])
    shutil.rmtree(box / folder)
    os.symlink(elsewhere(tmp_path) / folder, box / folder)
    return box


@pytest.mark.parametrize("watch", [False, True])
@pytest.mark.parametrize("folder", ["new", "cur", "tmp"])
def test_a_maildir_with_a_linked_folder_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str, watch: bool
) -> None:
    box = linked(tmp_path, folder)
    desk = tmp_path / "desk"
    status, out, err = run_cli(capsys, "import", *(["--watch"] if watch else []), str(box), "--data-dir", str(desk))
    assert status == 2
    assert err.count("\n") == 1 and f"{folder}/" in err and "link" in err and "Traceback" not in err
    assert "Watching" not in out
    assert not desk.exists() or Store(desk).known_message_ids(["private@x", "q@x"]) == {}


def test_a_folder_swapped_for_a_link_after_the_watch_began_is_refused_not_followed(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Maildir", [mail("A question.", message_id="<q@x>")])
    watch = MaildirWatch(box)
    assert [name.split("/")[0] for name, _file in watch.arrived()] == ["new"]
    shutil.rmtree(box / "new")
    os.symlink(elsewhere(tmp_path) / "new", box / "new")
    watch.retry()
    with pytest.raises(NotMail, match="new/"):
        watch.arrived()


def test_a_file_listed_before_its_folder_became_a_link_is_not_read_through_it(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Maildir", [mail("A question.", message_id="<q@x>")])
    mailbox = raw_messages(box)
    [name] = os.listdir(box / "new")
    private = elsewhere(tmp_path)
    os.rename(private / "new" / os.listdir(private / "new")[0], private / "new" / name)  # same name there
    shutil.rmtree(box / "new")
    os.symlink(private / "new", box / "new")
    found = read_maildir_file(box / "new" / name)
    assert not isinstance(found, bytes)
    assert all(not isinstance(data, bytes) for _position, data in mailbox)


def test_the_maildir_itself_swapped_for_a_link_later_is_not_followed(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Maildir", [mail("A question.", message_id="<q@x>")])
    watch = MaildirWatch(box)
    watch.imported([(position, data) for position, data in watch.read(watch.arrived())])
    private = elsewhere(tmp_path)
    os.rename(box, tmp_path / "moved")
    os.symlink(private, box)
    watch.retry()
    with pytest.raises(NotMail, match="link"):
        watch.arrived()


def test_a_maildir_named_through_the_agents_own_link_is_read(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Maildir", [mail("A question.", message_id="<q@x>")])
    os.symlink(box, tmp_path / "mail")
    assert [data for _position, data in raw_messages(tmp_path / "mail")] == [mail("A question.", message_id="<q@x>")]
