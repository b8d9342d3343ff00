"""The reply as a mail (headers, threading, encoding; nothing a customer's data can inject) and the config
file's `[mail]` table, every mistake in it one line naming the file and the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP, default
from pathlib import Path

import pytest

from console.config import ConfigError, MailConfig, load_config
from console.mail_out import (
    MailAddressError,
    UnsendableReply,
    parse_address,
    reply_mail,
    reply_subject,
    with_agent_name,
)
from console.store import Reply
from tests.conftest import make_complaint

AT = datetime(2026, 12, 4, 14, 3, tzinfo=UTC)
SHOP = parse_address("Trgovina <pomoc@trgovina.example>")


def reply(text: str = "Poštovana,\nhvala.", reply_id: str = "r1", at: datetime = AT) -> Reply:
    return Reply(reply_id, "T-1", text, "hr", "ivana", at)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Povrat novca", "Re: Povrat novca"),
        ("Re: Povrat novca", "Re: Povrat novca"),
        ("RE: re:  Povrat novca", "Re: Povrat novca"),
        ("Vs: Palautus", "Re: Palautus"),
        ("Odg: Re[2]: Povrat", "Re: Povrat"),
        ("Reklamacija", "Re: Reklamacija"),  # a word that starts like a prefix is the subject
        ("  ", "Re: T-1"),
        ("Bad\r\nBcc: everyone@victim.example", "Re: Bad Bcc: everyone@victim.example"),
    ],
)
def test_the_subject_gets_one_re(subject: str, expected: str) -> None:
    assert reply_subject(subject, "T-1") == expected


def test_a_follow_up_is_answered_and_the_thread_referenced_in_order() -> None:
    complaint = make_complaint(1, message_id="first@kupac.example", received=AT - timedelta(days=2))
    customer = [(AT - timedelta(days=1), "second@kupac.example"), (AT + timedelta(hours=1), "later@kupac.example")]
    ours = [(AT - timedelta(hours=30), "r0@trgovina.example")]
    mail = reply_mail(complaint, reply(), SHOP, AT, customer, ours)
    assert mail["In-Reply-To"] == "<second@kupac.example>"  # the latest the reply could have read
    assert mail["References"] == "<first@kupac.example> <r0@trgovina.example> <second@kupac.example>"
    assert mail["Message-ID"] == "<r1@trgovina.example>"


def test_a_complaint_that_did_not_come_by_mail_gets_a_mail_without_thread_headers() -> None:
    mail = reply_mail(make_complaint(1, message_id=""), reply(), SHOP, AT)
    assert mail["In-Reply-To"] is None and mail["References"] is None
    assert mail["Message-ID"] == "<r1@trgovina.example>"


def test_names_and_text_outside_ascii_are_encoded_and_come_back_whole() -> None:
    complaint = make_complaint(1, customer_name="Đurđa Čačić-Žižić", customer_email="djurdja@kupac.example")
    shop = with_agent_name(SHOP, "Ivana Šimić")
    wire = reply_mail(complaint, reply("čćđšž ČĆĐŠŽ\n" + "dugačak redak " * 100), shop, AT).as_bytes(policy=SMTP)
    assert wire.isascii() or b"Content-Transfer-Encoding: 8bit" in wire
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    back = message_from_bytes(wire, policy=default)
    assert str(back["To"]) == "Đurđa Čačić-Žižić <djurdja@kupac.example>"
    assert str(back["From"]) == "Ivana Šimić <pomoc@trgovina.example>"
    assert back.get_content().replace("\r\n", "\n") == "čćđšž ČĆĐŠŽ\n" + "dugačak redak " * 100 + "\n"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Ana\r\nBcc: everyone@victim.example", "ana@kupac.example"),
        ("Ana", "ana@kupac.example\nBcc: everyone@victim.example"),
        ("Ana", "ana@kupac.example\r\n"),
    ],
)
def test_no_header_can_be_injected_through_the_customers_name_or_address(name: str, address: str) -> None:
    complaint = make_complaint(1, customer_name=name, customer_email=address)
    try:
        wire = reply_mail(complaint, reply(), SHOP, AT).as_bytes(policy=SMTP)
    except UnsendableReply as error:
        assert "\n" not in str(error) and "\r" not in str(error)
        return
    headers = message_from_bytes(wire, policy=default)
    assert headers["Bcc"] is None and len(headers["To"].addresses) == 1


@pytest.mark.parametrize("address", ["", "  ", "ana", "ana@", "@kupac.example", "a b@kupac.example", "ana@kupac..hr"])
def test_an_unusable_customer_address_is_refused(address: str) -> None:
    with pytest.raises(UnsendableReply) as caught:
        reply_mail(make_complaint(1, customer_email=address), reply(), SHOP, AT)
    assert str(caught.value).startswith("T-1")


def test_the_shops_address_may_have_a_name_and_no_list() -> None:
    assert str(parse_address("help@shop.example")) == "help@shop.example"
    assert parse_address('"Shop, Ltd" <help@shop.example>').display_name == "Shop, Ltd"
    with pytest.raises(MailAddressError):
        parse_address("help@shop.example, other@shop.example")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mail_table_is_read_with_the_ports_security_implies(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[mail]\nfrom = "Shop <help@shop.example>"\nsmtp_host = "mail.shop.example"\nsecurity = "tls"\n'
            'username = "help"\npassword_command = "pass show \'shop/smtp password\'"\n',
        )
    )
    assert config.mail == MailConfig(
        sender="Shop <help@shop.example>",
        smtp_host="mail.shop.example",
        smtp_port=465,
        security="tls",
        username="help",
        password_command=("pass", "show", "shop/smtp password"),
    )
    starttls = load_config(write(tmp_path, '[mail]\nfrom = "a@b.example"\nsmtp_host = "h"\n')).mail
    assert starttls is not None and (starttls.security, starttls.smtp_port) == ("starttls", 587)
    sendmail = load_config(write(tmp_path, '[mail]\nfrom = "a@b.example"\nsendmail = "/usr/sbin/sendmail -t -oi"\n'))
    assert sendmail.mail is not None and sendmail.mail.sendmail == ("/usr/sbin/sendmail", "-t", "-oi")
    assert load_config(write(tmp_path, "[agent]\n")).mail is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('smtp_host = "h"\n', "mail.from: missing"),
        ('from = "not an address"\nsmtp_host = "h"\n', "mail.from: 'not an address' is not an e-mail address"),
        ('from = "a@b.example"\n', "mail.smtp_host: missing (or give sendmail"),
        ('from = "a@b.example"\nsmtp_host = "h"\nsendmail = "msmtp -t"\n', "mail.sendmail: give either sendmail"),
        ('from = "a@b.example"\nsmtp_host = "h"\nsecurity = "ssl"\n', "mail.security: 'ssl' is not one of none, "),
        ('from = "a@b.example"\nsmtp_host = "h"\nsmtp_port = 0\n', "mail.smtp_port: 0 is not a whole number from 1"),
        ('from = "a@b.example"\nsmtp_host = "h"\nsmtp_port = "25"\n', "mail.smtp_port: '25' is not a whole number"),
        ('from = "a@b.example"\nsmtp_host = "h"\npassword_command = "pass x"\n', "mail.password_command: needs"),
        ('from = "a@b.example"\nsmtp_host = "h"\nusername = "u"\npassword_command = "pass \'x"\n', "mail.password"),
        ('from = "a@b.example"\nsmtp_host = "h"\npasword = "x"\n', "mail.pasword: unknown key (known: from, "),
        ('from = "a@b.example"\nsmtp_host = "h\\nevil"\n', "mail.smtp_host: must be one line of text"),
        ('from = "a@b.example"\nsmtp_host = 25\n', "mail.smtp_host: must be text in quotes"),
    ],
)
def test_a_mistake_in_the_mail_table_is_one_line_naming_the_file_and_key(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path, "[mail]\n" + text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    said = str(caught.value)
    assert said.startswith(f"{path}: {problem}") and "\n" not in said
