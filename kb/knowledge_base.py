"""`KnowledgeBase`: the one entry point the command line, the API and embedders all use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kb.answers.build_folders import clear_unfinished
from kb.answers.current import ServedRelease
from kb.answers.decision import Thresholds, configured_thresholds
from kb.answers.locales import ask_in_release, served_locale
from kb.answers.results import Answer
from kb.content.document import UnitDocument, parse_unit
from kb.content.markdown import forget_tokens, has_body_text, remember_body_text
from kb.content.snippets import SnippetDocument, validate_snippet
from kb.errors import InvalidContent, SnippetNotFound, UnitNotFound
from kb.events.recorder import EventRecorder
from kb.releases.draft_state import DraftState, refresh_drafts
from kb.releases.notify import release_listener
from kb.releases.publishing import GateFinding, PublishGate, PublishPlan, publish, rollback
from kb.review import Reviews
from kb.search import SearchQuery, SearchResults
from kb.settings import Settings
from kb.store.db import Database, race_is_conflict
from kb.store.importing import ContentBatch, ImportOptions, ImportReport, import_batch
from kb.store.keys import Caller, NewKey, Role, create_key, list_keys, revoke_key, verify_key
from kb.store.models import ApiKey, Release, SnippetRevision, UnitRevision
from kb.store.revisions import (
    SaveResult,
    current_release,
    draft_snapshot,
    head_snippets,
    newest_snippet,
    newest_unit,
    release_row,
    release_snapshot,
    revision_diff,
    save_snippet,
    save_unit,
    stored_body_texts,
    to_document,
    to_snippet,
    unit_revision,
    unit_revisions,
)
from kb.store.snapshot import Snapshot, StoredUnit

if TYPE_CHECKING:
    from kb.answers.recipe import MatcherRecipe
    from kb.answers.services import ReleaseServices

__all__ = ["KnowledgeBase"]

_CACHED_SNAPSHOTS = 3


class KnowledgeBase:
    """Drafts, revisions and releases of one knowledge base, on SQLite or PostgreSQL."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        #: The configured matcher thresholds (None: the matcher's tuned defaults).
        self.thresholds: Thresholds | None = configured_thresholds(
            settings.answer_threshold, settings.clarify_threshold, settings.clarify_margin
        )
        self.db = database
        self._snapshots: dict[int, Snapshot] = {}
        self._lock = threading.Lock()
        self._served = ServedRelease(
            current_release=self.current_release,
            snapshot=self.snapshot,
            before_build=self._recall_body_texts,
            settings=settings,
        )
        self._draft_state: DraftState | None = None
        self._draft_state_lock = threading.Lock()
        #: Delivery events on their way to the database, written off the request path.
        self.events = EventRecorder.on(database, settings)

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        data_dir: Path | str | None = None,
        database_url: str | None = None,
        channels: Iterable[str] | None = None,
    ) -> KnowledgeBase:
        """Connect (creating or upgrading the schema) using settings or explicit overrides."""
        settings = settings or Settings.from_env()
        overrides: dict[str, object] = {}
        if data_dir is not None:
            overrides["data_dir"] = Path(data_dir)
        if database_url is not None:
            overrides["database_url"] = database_url
        if channels is not None:
            overrides["channels"] = tuple(channels)
        if overrides:
            settings = Settings(**{**settings.__dict__, **overrides})  # type: ignore[arg-type]
        database = Database(settings.sqlalchemy_url)
        database.migrate()
        clear_unfinished(settings.index_dir)  # what builds killed before they finished left
        return cls(settings, database)

    def close(self) -> None:
        """Write the events that wait, then release the database connections and index files."""
        self.events.close()
        self._served.close()
        self.db.dispose()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- drafts -------------------------------------------------------------------------------

    def parse_unit(self, text: str, *, source: str = "<text>") -> UnitDocument:
        """Parse a unit in the content format, checking channels against this knowledge base."""
        return parse_unit(text, source=source, channels=self.settings.channels)

    def save_unit(
        self,
        document: UnitDocument | str,
        *,
        author: str,
        message: str = "",
        expected_revision: int | None = None,
    ) -> SaveResult:
        """Save a draft (a document, or its Markdown source); never touches what is published."""
        source = document if isinstance(document, str) else None
        doc = self.parse_unit(document) if isinstance(document, str) else document
        with race_is_conflict(f"unit '{doc.id}'"), self.db.write() as session:
            return save_unit(
                session,
                doc,
                author=author,
                message=message,
                source=source,
                expected_revision=expected_revision,
            )

    def archive_unit(
        self,
        unit_id: str,
        locale: str,
        *,
        author: str,
        message: str = "",
        expected_revision: int | None = None,
    ) -> SaveResult:
        """Withdraw a unit from the next release; its history stays and a save brings it back."""
        with race_is_conflict(f"unit '{unit_id}'"), self.db.write() as session:
            head = newest_unit(session, unit_id, locale)
            if head is None:
                unit_revisions(session, unit_id, locale)  # raises UnitNotFound
            assert head is not None
            return save_unit(
                session,
                to_document(head),
                author=author,
                message=message,
                source=head.source,
                expected_revision=expected_revision,
                archived=True,
            )

    def save_snippet(
        self,
        snippet: SnippetDocument,
        *,
        author: str,
        message: str = "",
        expected_revision: int | None = None,
    ) -> SaveResult:
        """Save a snippet draft; customers see it only after the next publish."""
        problems = validate_snippet(snippet.name, snippet.locale, snippet.type.value, snippet.value)
        if problems:
            raise InvalidContent(problems)
        with race_is_conflict(f"snippet '{snippet.name}'"), self.db.write() as session:
            return save_snippet(
                session,
                snippet,
                author=author,
                message=message,
                expected_revision=expected_revision,
            )

    def archive_snippet(
        self,
        name: str,
        locale: str,
        *,
        author: str,
        message: str = "",
        expected_revision: int | None = None,
    ) -> SaveResult:
        """Withdraw a snippet from the next release."""
        with race_is_conflict(f"snippet '{name}'"), self.db.write() as session:
            head = newest_snippet(session, name, locale)
            if head is None:
                raise SnippetNotFound(f"no snippet '{name}' in locale '{locale}'")
            return save_snippet(
                session,
                to_snippet(head),
                author=author,
                message=message,
                expected_revision=expected_revision,
                archived=True,
            )

    def draft_unit(self, unit_id: str, locale: str) -> UnitRevision:
        """The newest revision of a unit, archived or not; UnitNotFound if it never existed."""
        with self.db.read() as session:
            head = newest_unit(session, unit_id, locale)
        if head is None:
            raise UnitNotFound(f"no unit '{unit_id}' in locale '{locale}' in the drafts")
        return head

    def draft_snippet(self, name: str, locale: str) -> SnippetRevision:
        """The newest revision of a snippet, archived or not."""
        with self.db.read() as session:
            head = newest_snippet(session, name, locale)
        if head is None:
            raise SnippetNotFound(f"no snippet '{name}' in locale '{locale}' in the drafts")
        return head

    def snippet_heads(self) -> list[SnippetRevision]:
        """The newest revision of every snippet, archived ones included, by name and locale."""
        with self.db.read() as session:
            return sorted(head_snippets(session).values(), key=lambda r: (r.name, r.locale))

    def import_content(
        self,
        batch: ContentBatch,
        *,
        author: str,
        message: str = "Import",
        progress: Callable[[int], None] | None = None,
        options: ImportOptions | None = None,
    ) -> ImportReport:
        """Store a whole batch in one transaction, or nothing if any of it is invalid; `options`
        prune what the batch lacks, restore archived content or only report (a dry run)."""
        with race_is_conflict("the import"), self.db.write() as session:
            return import_batch(session, batch, author, message, progress, options)

    def drafts(self) -> Snapshot:
        """The newest revision of every unit and snippet: what the next release would serve."""
        with self.db.read() as session:
            return draft_snapshot(session)

    def draft_state(self) -> DraftState:
        """Every unit's newest revision (archived ones too) and the drafts snapshot, kept in
        memory: a call costs two small queries, plus reading what was saved since the last one."""
        with self._draft_state_lock, self.db.read() as session:
            self._draft_state = refresh_drafts(session, self._draft_state)
            return self._draft_state

    # -- releases -----------------------------------------------------------------------------

    def current_release(self) -> Release | None:
        """The release every channel serves now, or None before the first publish."""
        with self.db.read() as session:
            return current_release(session)

    def snapshot(self, number: int | None = None) -> Snapshot:
        """A release's content (default: the current one); cached, since releases never change."""
        if number is None:
            release = self.current_release()
            number = release.number if release else None
        if number is not None and number in self._snapshots:
            return self._snapshots[number]
        with self.db.read() as session:
            snap = release_snapshot(session, number)
        with self._lock:
            self._snapshots[snap.number or 0] = snap
            for old in sorted(self._snapshots)[:-_CACHED_SNAPSHOTS]:
                del self._snapshots[old]
        return snap

    def served_locale(
        self, snapshot: Snapshot, locale: str | None, unit_id: str | None = None
    ) -> str:
        """`locale` if the release has it (for `unit_id`, if given), else the default locale."""
        return served_locale(snapshot, locale, self.settings.default_locale, unit_id)

    def release(self, number: int) -> Release:
        """One release by number."""
        with self.db.read() as session:
            return release_row(session, number)

    def releases(self) -> list[Release]:
        """Every release, newest first."""
        with self.db.read() as session:
            return list(session.scalars(select(Release).order_by(Release.number.desc())))

    def publish(
        self,
        *,
        author: str,
        message: str = "",
        dry_run: bool = False,
        today: date | None = None,
        gate: PublishGate | None = None,
        on_release: Callable[[Any, int], None] | None = None,
    ) -> PublishPlan:
        """Publish the drafts as the next release (atomic), or report what that would change.

        `gate` (e.g. the channel checks) runs on exactly what is released; errors refuse it;
        `on_release(session, number)` runs in the transaction that writes the release.
        Example questions that would stop routing to their own unit are reported as warnings:
        never blocking, they are worked out after the release is live (with the matchers it
        serves), so publishing waits on no extra training; a dry run trains to find them.
        """
        from kb.answers.routing import routing_regressions  # the matchers' libraries
        from kb.answers.services import prepare_build

        base = self._served.matchers_to_compare()  # builds nothing

        def checks(target: Snapshot) -> list[GateFinding]:
            if not dry_run:
                prepare_build(len(target.units))  # its matchers' process starts meanwhile
            found: list[GateFinding] = list(gate(target)) if gate else []
            forget_tokens()  # rendered once each: the build needs their words only
            if dry_run:
                found.extend(routing_regressions(target, base, recipe=self._served.recipe()))
            return found

        # From before the release is written until it is built, the other processes on this
        # machine wait for this build rather than make their own.
        with self._served.build_claim() as claim:
            plan = publish(
                self.db,
                author=author,
                message=message,
                dry_run=dry_run,
                today=today or date.today(),
                gate=checks,
                claim=claim,
                on_release=on_release,
                review=Reviews(self.db, self.settings).active_rule(),
            )
            if plan.release is None:
                return plan
            live = self._served.committed(plan.release, warm=False)  # built, checked
        found = routing_regressions(live.snapshot, base, after=live.matchers)
        return replace(plan, findings=(*plan.findings, *found))

    def rollback(
        self, to: int, *, author: str, message: str = "", keep_drafts: bool = False
    ) -> PublishPlan:
        """Publish a new release equal to release `to`, and revert the drafts it changed."""
        with self._served.building():  # built here: the other processes wait and open it
            with self.db.write(exclusive=True) as session:
                plan = rollback(
                    session, to, author=author, message=message, keep_drafts=keep_drafts
                )
            if plan.release is not None:
                self._served.committed(plan.release)
        return plan

    # -- answers and search -------------------------------------------------------------------

    def services(self, *, rebuild: bool = False, wait: bool = False) -> ReleaseServices:
        """Search index and matchers of the current release, switched atomically on a new one.

        While one thread loads a new release, others keep getting the previous one (whole)
        unless they `wait` for the new one, as publishing does.
        """
        return self._served.get(rebuild=rebuild, wait=wait)

    def matcher_recipe(self) -> MatcherRecipe:
        """How this knowledge base trains matchers: its encoder and the vector cache."""
        return self._served.recipe()

    def _recall_body_texts(self, snapshot: Snapshot) -> None:
        """Fetch the index words kept when the release's bodies were saved, so that building
        its index parses only bodies saved before they were kept (or under another version)."""
        bodies = [u.document.body for u in snapshot.iter_units()]
        bodies = [body for body in bodies if not has_body_text(body)]
        with self.db.read() as session:
            for body, text in stored_body_texts(session, bodies).items():
                remember_body_text(body, text)

    def follow_releases(self, interval: float | None = None) -> None:
        """Switch to each new release (published by any process) from a background thread: at
        once on its NOTIFY on PostgreSQL, and by polling every `interval` seconds (default: the
        setting); requests then skip the per-call release lookup."""
        listener = release_listener(self.db) if self.settings.release_notify else None
        self._served.follow(interval or self.settings.release_poll_seconds, listener=listener)

    def stop_following(self) -> None:
        """Stop the background thread `follow_releases` started."""
        self._served.stop_following()

    def following_failure(self) -> str | None:
        """Why the last try to load the current release failed (disk full...); None if not."""
        return self._served.following_failure()

    def reindex(self) -> ReleaseServices:
        """Rebuild the current release's index and matchers from the database."""
        return self.services(rebuild=True)

    def search(
        self,
        text: str,
        *,
        locale: str | None = None,
        staff: bool = False,
        channel: str | None = None,
        category: str | None = None,
        tag: str | None = None,
        limit: int = 10,
        prefix: bool = True,
        services: ReleaseServices | None = None,
    ) -> tuple[SearchResults, int]:
        """Ranked hits in the current release (or `services`' one), and that release's number."""
        services = services or self.services()
        query = SearchQuery(
            text=text,
            locale=locale or self.settings.default_locale,
            staff=staff,
            channel=channel,
            category=category,
            tag=tag,
            limit=limit,
            prefix=prefix,
        )
        return services.search(query), services.release

    def ask(
        self, question: str, *, locale: str | None = None, channel: str | None = None
    ) -> Answer:
        """The best answer in the current release, or an honest no (no locale: the question's)."""
        return ask_in_release(
            self.services(),
            question,
            self.settings.default_locale,
            locale=locale,
            channel=channel,
            thresholds=self.thresholds,
            default_routing=self.settings.default_routing,
        )

    # -- access -------------------------------------------------------------------------------

    def create_key(self, *, name: str, role: Role | str, author: str) -> NewKey:
        """A new API key; its secret is in the result only, the database keeps a hash."""
        role = role if isinstance(role, Role) else Role.parse(role)
        with self.db.write() as session:
            return create_key(session, name=name, role=role, author=author)

    def revoke_key(self, key_id: str, *, author: str) -> ApiKey:
        """Revoke a key by its id (the part after `kb_`); it stops working at once."""
        with self.db.write() as session:
            return revoke_key(session, key_id, author=author)

    def api_keys(self) -> list[ApiKey]:
        """Every key ever created, revoked ones included; never their secrets."""
        with self.db.read() as session:
            return list_keys(session)

    def authenticate(self, secret: str) -> Caller | None:
        """The caller a presented key stands for, or None if it is wrong or revoked."""
        with self.db.read() as session:
            return verify_key(session, secret)

    # -- history ------------------------------------------------------------------------------

    def history(self, unit_id: str, locale: str) -> list[UnitRevision]:
        """Every revision of a unit, oldest first."""
        with self.db.read() as session:
            return unit_revisions(session, unit_id, locale)

    def revision(self, unit_id: str, locale: str, number: int) -> UnitRevision:
        """One revision of a unit."""
        with self.db.read() as session:
            return unit_revision(session, unit_id, locale, number)

    def diff(
        self, unit_id: str, locale: str, old: int | None = None, new: int | None = None
    ) -> str:
        """Unified diff between two revisions; by default the published one and the newest draft."""
        live = self.snapshot().units.get((unit_id, locale)) if self.current_release() else None
        with self.db.read() as session:
            published = live.revision_id if live else None
            return revision_diff(session, unit_id, locale, old, new, published=published)

    def stale_units(self, *, today: date | None = None, drafts: bool = False) -> list[StoredUnit]:
        """Units past their review date, in the current release or in the drafts."""
        snap = self.drafts() if drafts or self.current_release() is None else self.snapshot()
        return snap.stale(today or date.today())
