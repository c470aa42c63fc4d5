"""The release being served: its search index and matchers, switched atomically on a new one.

One `ServedRelease` per knowledge base. While one thread loads a new release, the others keep
getting the previous one, whole, unless they wait for the new one (as publishing does). A
follower thread (`kb.releases.following`) can keep it current, so requests skip the lookup.
The matchers' libraries are imported on the first load, not when this module is.

On one machine a release is built once, by the process that publishes it: the processes
serving a data folder share its release folders, and a build takes an exclusive lock on the
folder (flock) that the publisher holds from before its release is committed until it is
built. A follower that sees the new release finds it locked, waits, and opens the publisher's
folder: it never builds what the publisher is building (each worker used to build every
release itself, with its own training child). A release that is built already is opened
without the lock. Who built what is in `index/builds.log` (kb.answers.build_journal).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from kb import observers
from kb.answers.build_journal import record_build
from kb.answers.memory import give_back_memory
from kb.errors import ReleaseNotFound, ReleaseNotServed, storage_fault
from kb.releases.following import Listener, ReleaseFollower, failure_reason
from kb.search import get_engine
from kb.settings import Settings
from kb.store.models import Release
from kb.store.snapshot import Snapshot

if TYPE_CHECKING:
    from kb.answers.recipe import MatcherRecipe
    from kb.answers.routing import ServedMatchers
    from kb.answers.services import ReleaseServices

try:
    import fcntl
except ImportError:  # not POSIX: every worker builds for itself
    fcntl = None  # type: ignore[assignment]

__all__ = ["ServedRelease"]

#: The lock file of `_one_builder`, beside the release folders (one per data folder, kept).
_LOADER_LOCK = ".loading.lock"


#: A question asked of every matcher of a release as it loads, so that nothing loads later.
_WARM_UP = "hello"


class _BuildNeeded(Exception):
    """Opening a release without the build lock found it unbuilt (or built by an old kb)."""


class ServedRelease:
    """Holds the loaded `ReleaseServices` of the current release and replaces it when needed."""

    def __init__(
        self,
        *,
        current_release: Callable[[], Release | None],
        snapshot: Callable[[int], Snapshot],
        before_build: Callable[[Snapshot], None],
        settings: Settings,
    ) -> None:
        """`settings` name the search engine, the encoder and the index folder."""
        self._current_release = current_release
        self._snapshot = snapshot
        self._before_build = before_build
        self._engine = settings.search_engine
        self._index_dir = settings.index_dir
        self._encoder = settings.encoder
        self._progress = settings.progress
        self._services: ReleaseServices | None = None
        # Reentrant: a publishing thread holds it from before its commit until its release is
        # loaded (`building`), and loads it through `get` meanwhile.
        self._lock = threading.RLock()
        self._builder_held = False  # this process holds the build lock (under self._lock)
        self._follower: ReleaseFollower | None = None

    def get(
        self, *, rebuild: bool = False, wait: bool = False, warm: bool = True
    ) -> ReleaseServices:
        """The current release's services, loading (or with `rebuild`, rebuilding) them;
        `warm`: with the encoder's model loaded before they are returned (see `committed`)."""
        current = self._services
        if self._follower is not None and current is not None and not (rebuild or wait):
            return current  # the follower thread keeps it current: no database round trip
        release = self._current_release()
        if release is None:
            raise ReleaseNotFound("nothing has been published yet: publish before asking")
        if current is not None and current.release == release.number and not rebuild:
            return current
        if current is not None and not rebuild and not wait:
            if not self._lock.acquire(blocking=False):
                return current  # another thread is loading the new release: serve the old whole
        else:
            self._lock.acquire()
        try:
            current = self._services
            if current is None or current.release != release.number or rebuild:
                old, current = current, self._load(release.number, rebuild=rebuild, warm=warm)
                self._services = current  # one reference swap: a request sees one release
                observers.served(current.release, release.created_at)
                if old is not None:
                    del old  # freed once the requests still answering from it are done
                    give_back_memory()
            return current
        finally:
            self._lock.release()

    def committed(self, release: int, *, warm: bool = True) -> ReleaseServices:
        """Load the release just committed; if that fails, say it is committed all the same.
        A publish passes `warm=False`: it only checks the release, so the encoder's model
        loads if the check needs it, not for a warm-up (issue 22: 93 MB and its pages touched
        at 40,000 units); a process that serves keeps the model its last release loaded."""
        try:
            return self.get(wait=True, warm=warm)
        except Exception as exc:
            full = storage_fault(exc) is not None
            raise ReleaseNotServed(release, failure_reason(exc), storage=full) from exc

    @contextmanager
    def building(self) -> Iterator[None]:
        """Hold the build lock of this machine's release folders while a release is committed
        and loaded here, so that the followers of every process wait for this build instead of
        starting their own; requests keep getting the loaded release meanwhile."""
        with self._lock:
            if self._builder_held:
                yield
                return
            with _one_builder(self._index_dir):
                self._builder_held = True
                try:
                    yield
                finally:
                    self._builder_held = False

    def build_claim(self) -> BuildClaim:
        """The build lock as a publish takes it: before writing its release, given back if
        another release was written first, held until the block ends."""
        return BuildClaim(self)

    def _load(self, number: int, *, rebuild: bool, warm: bool = True) -> ReleaseServices:
        snapshot = self._snapshot(number)
        if not rebuild:
            try:  # built already (by the publisher, another worker, an earlier run): open it
                return self._open_or_build(snapshot, rebuild=False, may_build=False, warm=warm)
            except _BuildNeeded:
                pass
        with self.building():  # another process building it: wait, then open theirs
            return self._open_or_build(snapshot, rebuild=rebuild, may_build=True, warm=warm)

    def _open_or_build(
        self, snapshot: Snapshot, *, rebuild: bool, may_build: bool, warm: bool = True
    ) -> ReleaseServices:
        """Open the release's folder, building it first if `may_build` (under the build lock),
        else raising `_BuildNeeded` before anything is built; a build goes in the journal."""
        from kb.answers.services import ReleaseServices, release_folder  # scikit-learn: once

        started: list[float] = []

        def before_build() -> None:
            if not may_build:
                raise _BuildNeeded
            started.append(time.monotonic())
            self._before_build(snapshot)

        recipe = self.recipe()
        engine = get_engine(self._engine)
        services = ReleaseServices.load_or_build(
            snapshot,
            engine,
            self._index_dir,
            rebuild=rebuild,
            before_build=before_build,
            recipe=recipe,
        )
        if started:
            assert snapshot.number is not None
            folder = release_folder(snapshot.number, engine.name, recipe.encoder)
            record_build(self._index_dir, folder, time.monotonic() - started[0])
        for matcher in services.matchers.values() if warm else ():
            # The sentence encoder's model loads on its first sentence (seconds): here, before
            # the release is served, rather than in the first customer's request.
            matcher.rank(_WARM_UP)
        return services

    def matchers_to_compare(self) -> ServedMatchers | None:
        """What a new release's routing is checked against, building nothing: the current
        release's matchers (loaded, or as its build saved them), else those of the newest
        release built before it (its own build was killed; it is about to be replaced)."""
        release = self._current_release()
        if release is None:
            return None
        current = self._services
        if current is not None and current.release == release.number:
            return current
        from kb.answers.services import built_matchers

        encoder = self.recipe().encoder
        return built_matchers(self._index_dir, self._engine, encoder, up_to=release.number)

    def recipe(self) -> MatcherRecipe:
        """How this knowledge base's matchers train (its encoder; vectors cached by the index)."""
        from kb.answers.encoding.registry import DEFAULT_ENCODER
        from kb.answers.recipe import MatcherRecipe

        return MatcherRecipe(
            self._encoder or DEFAULT_ENCODER,
            self._index_dir,
            self._progress,
            keep_model=self._follower is not None,  # a process that follows releases serves
        )

    def follow(self, interval: float | None, *, listener: Listener | None = None) -> None:
        """Switch to each new release from a background thread: when `listener` hears of one,
        and within `interval` seconds (None: kb.releases.following's defaults)."""
        if self._follower is None:
            follower = ReleaseFollower(lambda: self.get(wait=True), interval, listener=listener)
            follower.start()
            self._follower = follower

    def following_failure(self) -> str | None:
        """Why the follower's last try to load the current release failed; None if it did not
        (or nothing follows)."""
        follower = self._follower
        return follower.failure if follower is not None else None

    def stop_following(self) -> None:
        """Stop the background thread `follow` started."""
        follower, self._follower = self._follower, None
        if follower is not None:
            follower.stop()

    def close(self) -> None:
        """Stop following and release the loaded index files."""
        self.stop_following()
        if self._services is not None:
            self._services.close()


class BuildClaim:
    """`ServedRelease.building` taken and given back at a publish's pace (a WriteClaim)."""

    def __init__(self, served: ServedRelease) -> None:
        self._served = served
        self._held: ExitStack | None = None

    def take(self) -> None:
        """Hold the build lock (waiting while another process builds)."""
        if self._held is None:
            held = ExitStack()
            held.enter_context(self._served.building())
            self._held = held

    def give_back(self) -> None:
        """Let the build lock go."""
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def __enter__(self) -> BuildClaim:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.give_back()


@contextmanager
def _one_builder(index_dir: Path) -> Iterator[None]:
    """One process at a time builds a release in `index_dir` (an exclusive flock, released by
    the system however the holder ends): the workers of a server share the folder, and each
    built every new release itself, so a switch under load cost as many builds as workers. A
    folder that cannot take the lock file (read-only) is loaded without it."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = os.open(index_dir / _LOADER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when closed, or when the process dies
        yield
    finally:
        os.close(handle)
